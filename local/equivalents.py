"""Local equivalents of the resources moto cannot deploy: event sources, schedules, routes, alarms, policies."""

import json
from collections.abc import Callable
from typing import Any

from local.specs import DeployedStack, EventSourceSpec, RouteSpec, ScheduleSpec
from local.template import LOCAL_ADJUSTMENTS, LOCAL_EQUIVALENTS

Resolve = Callable[[Any], Any]


def _function_name(arn_or_name: str) -> str:
    # arn:aws:lambda:region:acct:function:NAME[:qualifier] or a bare name
    if arn_or_name.startswith("arn:"):
        return arn_or_name.split(":")[6]
    return arn_or_name


def _event_source(deployed: DeployedStack, props: dict[str, Any]) -> None:
    arn = str(props["EventSourceArn"])
    if ":sqs:" not in arn:
        return
    sqs = deployed.aws.client("sqs")
    url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
    scaling = props.get("ScalingConfig") or {}
    deployed.event_sources.append(
        EventSourceSpec(
            function=_function_name(str(props["FunctionName"])),
            queue_url=url,
            queue_arn=arn,
            batch_size=int(props.get("BatchSize", 10)),
            report_batch_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
            max_concurrency=int(scaling["MaximumConcurrency"]) if "MaximumConcurrency" in scaling else None,
            batching_window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
        )
    )


def _schedule(deployed: DeployedStack, lid: str, props: dict[str, Any]) -> None:
    target = props["Target"]
    deployed.schedules.append(
        ScheduleSpec(
            logical_id=lid,
            expression=str(props["ScheduleExpression"]),
            function=_function_name(str(target["Arn"])),
            payload=str(target.get("Input", "{}")),
            enabled=props.get("State", "ENABLED") == "ENABLED",
        )
    )


def _routes(deployed: DeployedStack, set_aside: dict[str, dict[str, Any]], resolve: Resolve) -> None:
    integrations = {
        lid: _function_name(str(resolve(res["Properties"]["IntegrationUri"])))
        for lid, res in set_aside.items()
        if res["Type"] == "AWS::ApiGatewayV2::Integration"
    }
    for res in set_aside.values():
        if res["Type"] != "AWS::ApiGatewayV2::Route":
            continue
        props = resolve(res["Properties"])
        method, _, path = str(props["RouteKey"]).partition(" ")
        integration = str(props.get("Target", "")).removeprefix("integrations/")
        if integration in integrations:
            deployed.routes.append(RouteSpec(method=method, path=path, function=integrations[integration]))


def _alarm(deployed: DeployedStack, lid: str, props: dict[str, Any]) -> None:
    allowed = {
        "AlarmDescription",
        "ActionsEnabled",
        "OKActions",
        "AlarmActions",
        "InsufficientDataActions",
        "MetricName",
        "Namespace",
        "Statistic",
        "ExtendedStatistic",
        "Dimensions",
        "Period",
        "Unit",
        "EvaluationPeriods",
        "DatapointsToAlarm",
        "Threshold",
        "ComparisonOperator",
        "TreatMissingData",
        "Metrics",
    }
    params = {k: v for k, v in props.items() if k in allowed}
    params["AlarmName"] = props.get("AlarmName") or f"{deployed.stack_name}-{lid}"
    for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if key in params:
            params[key] = int(params[key])
    if "Threshold" in params:
        params["Threshold"] = float(params["Threshold"])
    deployed.aws.client("cloudwatch").put_metric_alarm(**params)


def _queue_policy(deployed: DeployedStack, props: dict[str, Any]) -> None:
    sqs = deployed.aws.client("sqs")
    for url in props["Queues"]:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])})


def _topic_policy(deployed: DeployedStack, props: dict[str, Any]) -> None:
    sns = deployed.aws.client("sns")
    for arn in props["Topics"]:
        sns.set_topic_attributes(
            TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(props["PolicyDocument"])
        )


_APPLY: dict[str, Callable[[DeployedStack, str, dict[str, Any]], None]] = {
    "AWS::Lambda::EventSourceMapping": lambda d, _lid, p: _event_source(d, p),
    "AWS::Scheduler::Schedule": _schedule,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::SQS::QueuePolicy": lambda d, _lid, p: _queue_policy(d, p),
    "AWS::SNS::TopicPolicy": lambda d, _lid, p: _topic_policy(d, p),
}


def apply_equivalents(deployed: DeployedStack, set_aside: dict[str, dict[str, Any]], resolve: Resolve) -> None:
    """Creates or records the local equivalent of every set-aside resource, and records the adjusted ones moto runs."""
    for lid, res in set_aside.items():
        kind = res["Type"]
        if kind not in LOCAL_EQUIVALENTS:
            continue
        deployed.equivalents.append((lid, kind, LOCAL_EQUIVALENTS[kind]))
        apply = _APPLY.get(kind)
        if apply is not None:
            apply(deployed, lid, resolve(res.get("Properties", {})))
    _routes(deployed, set_aside, resolve)
    for lid, (kind, _) in deployed.resources.items():
        if kind in LOCAL_ADJUSTMENTS:
            deployed.equivalents.append((lid, kind, LOCAL_ADJUSTMENTS[kind]))
