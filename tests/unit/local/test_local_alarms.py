"""Alarms evaluated locally (local/alarms.py) and metrics forwarded from EMF (local/emf.py), against moto in process:
the stall, DLQ, failing-connection and math alarms as the stack declares them, with an injected `now`."""

import io
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from local.alarms import ALARM, INSUFFICIENT_DATA, NOT_EVALUATED, OK, decide, evaluate_alarms
from local.emf import EmfCapture, lambda_data, metric_data, put_emf, put_entries
from shared.metrics import NAMESPACE
from shared.sync.metrics import CONNECTIONS_FAILING, SYNC_DIMENSION, SYNC_HEARTBEATS
from tests.moto_inprocess import in_process_aws

REGION = "eu-west-1"
NOW = datetime.now(UTC).replace(microsecond=0)


def alarm(**props: Any) -> dict[str, Any]:
    return {"Threshold": 0.0, "ComparisonOperator": "GreaterThanThreshold", "EvaluationPeriods": 1, **props}


@pytest.mark.parametrize(
    ("props", "points", "state"),
    [
        ({}, [1.0], ALARM),
        ({}, [0.0], OK),
        ({}, [None], INSUFFICIENT_DATA),  # missing data, default treatment
        ({"TreatMissingData": "notBreaching"}, [None], OK),
        ({"TreatMissingData": "ignore"}, [None], INSUFFICIENT_DATA),
        # The stall alarm: fewer than 1 heartbeat in each of 3 periods, missing data breaching.
        (
            stall := {
                "Threshold": 1.0,
                "ComparisonOperator": "LessThanThreshold",
                "EvaluationPeriods": 3,
                "DatapointsToAlarm": 3,
                "TreatMissingData": "breaching",
            },
            [None, None, None],
            ALARM,
        ),
        (stall, [None, None, 1.0], OK),
        (stall, [2.0, None, None], OK),
        (stall, [0.0, None, None], ALARM),
        ({"Threshold": 30.0, "ComparisonOperator": "LessThanOrEqualToThreshold"}, [30.0], ALARM),
        (
            {"Threshold": 900.0, "ComparisonOperator": "GreaterThanThreshold", "EvaluationPeriods": 3},
            [901, 950, 10],
            OK,
        ),
        ({"ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold"}, [1.0], NOT_EVALUATED),
    ],
)
def test_the_state_follows_cloudwatchs_rules(props: dict[str, Any], points: list[float | None], state: str) -> None:
    assert decide(alarm(**props), points)[0] == state


def test_emf_lines_pass_through_and_come_back_as_metric_data() -> None:
    # A real Powertools flush, as a sync function prints it.
    metrics = Metrics(namespace=NAMESPACE)
    metrics.add_dimension(SYNC_DIMENSION, "orders")
    metrics.add_metric(SYNC_HEARTBEATS, MetricUnit.Count, 1)
    metrics.add_metric(CONNECTIONS_FAILING, MetricUnit.Count, 0)
    metrics.add_metric(CONNECTIONS_FAILING, MetricUnit.Count, 1)
    document = metrics.serialize_metric_set()
    metrics.clear_metrics()
    out = io.StringIO()
    capture = EmfCapture(out)
    capture.write('{"level":"INFO","message":"sync run succeeded"}\n')
    capture.write(json.dumps(document))
    assert capture.take() == []  # the line is not complete yet
    capture.write("\nnot json either\n")
    assert capture.take() == [document]
    assert out.getvalue().count("\n") == 3  # everything written through

    (entries,) = metric_data(document).values()
    by_name = {e["MetricName"]: e for e in entries}
    assert by_name[SYNC_HEARTBEATS]["Values"] == [1.0]
    assert by_name[CONNECTIONS_FAILING]["Values"] == [0.0, 1.0]
    assert by_name[SYNC_HEARTBEATS]["Dimensions"] == [{"Name": SYNC_DIMENSION, "Value": "orders"}]
    assert list(metric_data(document)) == [NAMESPACE]
    assert metric_data({"level": "INFO"}) == {}


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any, str]]:
    with in_process_aws():
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        yield cloudwatch, sqs, f"Alarms{uuid.uuid4().hex[:8]}"


def _sync_metric(name: str, sync_type: str, statistic: str, period: int) -> dict[str, Any]:
    dimensions = [{"Name": SYNC_DIMENSION, "Value": sync_type}]
    return {
        "Namespace": NAMESPACE,
        "MetricName": name,
        "Dimensions": dimensions,
        "Statistic": statistic,
        "Period": period,
    }


def _states(aws: tuple[Any, Any, str], now: datetime) -> dict[str, str]:
    cloudwatch, sqs, stack = aws
    return {s.name.removeprefix(f"{stack}-"): s.state for s in evaluate_alarms(cloudwatch, sqs, stack, now)}


def test_a_stalled_sync_fires_once_three_intervals_pass_without_a_heartbeat(aws: tuple[Any, Any, str]) -> None:
    cloudwatch, _, stack = aws
    sync_type = f"s{uuid.uuid4().hex[:6]}"
    cloudwatch.put_metric_alarm(
        AlarmName=f"{stack}-Stalled",
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
        EvaluationPeriods=3,
        DatapointsToAlarm=3,
        TreatMissingData="breaching",
        **_sync_metric(SYNC_HEARTBEATS, sync_type, "Sum", 300),
    )
    # Nothing yet: missing data is breaching.
    assert _states(aws, NOW) == {"Stalled": ALARM}
    # A success's heartbeat, forwarded from its EMF line: OK for three intervals, then stalled again.
    metrics = Metrics(namespace=NAMESPACE)
    metrics.add_dimension(SYNC_DIMENSION, sync_type)
    metrics.add_metric(SYNC_HEARTBEATS, MetricUnit.Count, 1)
    document = metrics.serialize_metric_set()
    metrics.clear_metrics()
    document["_aws"]["Timestamp"] = int((NOW - timedelta(seconds=30)).timestamp() * 1000)
    assert put_emf(cloudwatch, [document]) == 1
    assert _states(aws, NOW) == {"Stalled": OK}
    assert _states(aws, NOW + timedelta(minutes=14)) == {"Stalled": OK}
    assert _states(aws, NOW + timedelta(minutes=16)) == {"Stalled": ALARM}


def test_a_dlq_alarm_fires_on_the_first_message(aws: tuple[Any, Any, str]) -> None:
    cloudwatch, sqs, stack = aws
    name = f"dlq-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    cloudwatch.put_metric_alarm(
        AlarmName=f"{stack}-DlqMessages",
        Namespace="AWS/SQS",
        MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[{"Name": "QueueName", "Value": name}],
        Statistic="Maximum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )
    assert _states(aws, NOW) == {"DlqMessages": OK}
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    assert _states(aws, NOW) == {"DlqMessages": ALARM}


def test_failing_connections_and_lambda_errors_fire_and_math_and_percentiles_are_handled(
    aws: tuple[Any, Any, str],
) -> None:
    cloudwatch, _, stack = aws
    sync_type, function = f"s{uuid.uuid4().hex[:6]}", f"fn-{uuid.uuid4().hex[:6]}"
    failing = _sync_metric(CONNECTIONS_FAILING, sync_type, "Maximum", 300)
    cloudwatch.put_metric_alarm(
        AlarmName=f"{stack}-Failing",
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        EvaluationPeriods=1,
        TreatMissingData="ignore",
        **failing,
    )
    cloudwatch.put_metric_alarm(
        AlarmName=f"{stack}-Errors",
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Statistic="Sum",
        Period=300,
        Dimensions=[{"Name": "FunctionName", "Value": function}],
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )
    stat = {"Metric": {k: failing[k] for k in ("Namespace", "MetricName", "Dimensions")}, "Period": 300}
    cloudwatch.put_metric_alarm(
        AlarmName=f"{stack}-Math",
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        Metrics=[
            {"Id": "expr", "Expression": "MAX([m0, m1])", "ReturnData": True},
            {"Id": "m0", "MetricStat": {**stat, "Stat": "Maximum"}, "ReturnData": False},
            {"Id": "m1", "MetricStat": {**stat, "Stat": "Sum"}, "ReturnData": False},
        ],
    )
    cloudwatch.put_metric_alarm(
        AlarmName=f"{stack}-Lag",
        ExtendedStatistic="p50",
        EvaluationPeriods=1,
        Threshold=900,
        ComparisonOperator="GreaterThanThreshold",
        **{k: v for k, v in failing.items() if k != "Statistic"},
    )
    at = NOW - timedelta(seconds=20)
    assert _states(aws, NOW) == {
        "Failing": INSUFFICIENT_DATA,
        "Errors": OK,
        "Math": INSUFFICIENT_DATA,
        "Lag": NOT_EVALUATED,
    }
    entries = [
        {
            "MetricName": CONNECTIONS_FAILING,
            "Dimensions": failing["Dimensions"],
            "Timestamp": at,
            "Values": [0.0, 0.0],
            "Unit": "Count",
        }
    ]
    put_entries(cloudwatch, NAMESPACE, entries)
    put_entries(cloudwatch, "AWS/Lambda", lambda_data(function, failed=False, at=at))
    assert _states(aws, NOW) == {"Failing": OK, "Errors": OK, "Math": OK, "Lag": NOT_EVALUATED}
    put_entries(cloudwatch, NAMESPACE, [{**entries[0], "Values": [1.0]}])  # a third failure in a row
    put_entries(cloudwatch, "AWS/Lambda", lambda_data(function, failed=True, at=at))
    assert _states(aws, NOW) == {"Failing": ALARM, "Errors": ALARM, "Math": ALARM, "Lag": NOT_EVALUATED}
    (lag,) = [s for s in evaluate_alarms(cloudwatch, aws[1], stack, NOW) if s.name.endswith("Lag")]
    assert "p50" in lag.reason
