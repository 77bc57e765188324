"""Deploys the synthesized template into the embedded AWS and collects what the local runtime needs to run it."""

import json
import secrets
import string
from collections.abc import Callable
from typing import Any

from local.aws import LocalAws
from local.equivalents import apply_equivalents
from local.resolve_api import ApiResolver
from local.specs import DeployedStack, FunctionSpec
from local.template import LOCAL_EQUIVALENTS, LocalValue, split_template, substitute


class LocalDeployError(RuntimeError):
    """The template could not be deployed into the embedded AWS."""


def _local_values(
    stack: str, resources: dict[str, Any], aws: LocalAws, api_url: str, account: str
) -> dict[str, LocalValue]:
    def _arn(service: str, aws: LocalAws, resource: str) -> str:
        return f"arn:aws:{service}:{aws.region}:{account}:{resource}"

    # Pseudo parameters, for the few places where moto needs a value resolved before it parses the template.
    values: dict[str, LocalValue] = {
        "AWS::AccountId": LocalValue(account),
        "AWS::Region": LocalValue(aws.region),
        "AWS::Partition": LocalValue("aws"),
        "AWS::URLSuffix": LocalValue("amazonaws.com"),
    }
    for lid, res in resources.items():
        kind = res["Type"]
        if kind not in LOCAL_EQUIVALENTS:
            continue
        name = f"{stack}-{lid}"
        if kind == "AWS::ApiGatewayV2::Api":
            values[lid] = LocalValue("localapi", {"ApiEndpoint": api_url, "ApiId": "localapi"})
        elif kind == "AWS::Scheduler::Schedule":
            values[lid] = LocalValue(name, {"Arn": _arn("scheduler", aws, f"schedule/default/{name}")})
        elif kind == "AWS::CloudWatch::Alarm":
            values[lid] = LocalValue(name, {"Arn": _arn("cloudwatch", aws, f"alarm:{name}")})
        elif kind == "AWS::Lambda::LayerVersion":
            values[lid] = LocalValue(_arn("lambda", aws, f"layer:{name}:1"))
        else:
            values[lid] = LocalValue(lid, {"Arn": _arn("local", aws, name)})
    return values


def _local_url(value: str, aws: LocalAws, api_url: str) -> str:
    # An HTTP API's URL built from its id (https://<id>.execute-api.<region>.<suffix>/) points at the local adapter.
    cloud = f"https://localapi.execute-api.{aws.region}.amazonaws.com"
    return value.replace(cloud, api_url) if value.startswith(cloud) else value


def _secret_string(props: dict[str, Any]) -> str:
    if "SecretString" in props:
        return str(props["SecretString"])
    gen = props.get("GenerateSecretString") or {}
    body = json.loads(gen.get("SecretStringTemplate", "{}"))
    alphabet = string.ascii_letters + string.digits
    value = "".join(secrets.choice(alphabet) for _ in range(int(gen.get("PasswordLength", 32))))
    if gen.get("GenerateStringKey"):
        body[gen["GenerateStringKey"]] = value
        return json.dumps(body)
    return value


def _create_by_api(stack: str, resources: dict[str, Any], aws: LocalAws, values: dict[str, LocalValue]) -> None:
    """Creates, before the stack, the set-aside resources that other resources refer to by name or ARN."""
    for lid, res in resources.items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::SecretsManager::Secret":
            name = props.get("Name") or f"{stack}-{lid}"
            arn = aws.client("secretsmanager").create_secret(Name=name, SecretString=_secret_string(props))["ARN"]
            values[lid] = LocalValue(arn, {"Id": arn})
        elif res["Type"] == "AWS::Events::EventBus" and props.get("EventSourceName"):
            name, arn = partner_bus(aws, str(props["EventSourceName"]))
            values[lid] = LocalValue(name, {"Arn": arn, "Name": name})
        elif res["Type"] == "AWS::Events::EventBus":
            # Prefixed with the local stack name: moto keeps one in-process state, and two local stacks (two test
            # modules) deployed from one template would otherwise ask for the same bus name.
            name = f"{stack}-{props.get('Name') or lid}"[:256]
            arn = aws.client("events").create_event_bus(Name=name)["EventBusArn"]
            values[lid] = LocalValue(name, {"Arn": arn, "Name": name})


def partner_bus(aws: LocalAws, source: str) -> tuple[str, str]:
    """The bus a partner event source (Amazon's listings notifications) is associated with: its name and ARN.

    A partner bus must be named as its source, whose name holds `/`, which moto cannot keep: it reads every bus name
    it is given (PutRule's, PutEvents', a target's) as its last `/` segment. So the local bus is that segment, and
    every call naming the whole source (the stack's rule, the sandbox's deliveries) reaches it. Stacks deployed with
    the same source share it, as accounts would share Amazon's destination: created once, then found.
    """
    events = aws.client("events")
    local_name = source.rsplit("/", 1)[-1]
    try:
        arn = events.create_event_bus(Name=local_name)["EventBusArn"]
    except events.exceptions.ResourceAlreadyExistsException:
        arn = events.describe_event_bus(Name=local_name)["Arn"]
    return source, arn


def deploy_template(
    template: dict[str, Any], stack_name: str, aws: LocalAws, api_url: str, *, in_process: bool = True
) -> DeployedStack:
    """Deploys `template` into moto server as `stack_name`; returns the deployed stack and its local equivalents.

    With `in_process`, moto runs in this process (`local.aws.moto_server`) and references are resolved with moto's
    own resolver; otherwise (an AWS running elsewhere) over the API only (local/resolve_api.py).
    """
    resources = template["Resources"]
    account = aws.client("sts").get_caller_identity()["Account"]
    values = _local_values(stack_name, resources, aws, api_url, account)
    _create_by_api(stack_name, resources, aws, values)
    split = split_template(template, values, stack_name)
    cfn = aws.client("cloudformation")
    cfn.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(split.moto_template),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    described = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    if described["StackStatus"] != "CREATE_COMPLETE":
        raise LocalDeployError(f"{stack_name}: {described['StackStatus']} {described.get('StackStatusReason', '')}")
    summaries = cfn.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    deployed = DeployedStack(
        stack_name=stack_name,
        aws=aws,
        outputs={o["OutputKey"]: _local_url(o["OutputValue"], aws, api_url) for o in described.get("Outputs", [])},
        resources={s["LogicalResourceId"]: (s["ResourceType"], s["PhysicalResourceId"]) for s in summaries},
    )
    resolve = _resolver(stack_name, aws, values) if in_process else api_resolver(deployed, resources, values, account)
    _collect_functions(deployed)
    apply_equivalents(deployed, split.set_aside, resolve)
    return deployed


def _resolver(stack_name: str, aws: LocalAws, values: dict[str, LocalValue]) -> Callable[[Any], Any]:
    from moto.cloudformation.models import cloudformation_backends
    from moto.cloudformation.parsing import clean_json
    from moto.core import DEFAULT_ACCOUNT_ID

    stack = cloudformation_backends[DEFAULT_ACCOUNT_ID][aws.region].get_stack(stack_name)

    def resolve(node: Any) -> Any:
        return clean_json(substitute(node, values), stack.resource_map)

    return resolve


def api_resolver(
    deployed: DeployedStack, resources: dict[str, Any], values: dict[str, LocalValue], account: str
) -> Callable[[Any], Any]:
    """The resolver that works over the API only, for an AWS running elsewhere."""
    return ApiResolver(deployed.aws, account, deployed.resources, resources, values)


def _collect_functions(deployed: DeployedStack) -> None:
    lam = deployed.aws.client("lambda")
    for lid, (kind, physical) in deployed.resources.items():
        if kind != "AWS::Lambda::Function":
            continue
        conf = lam.get_function_configuration(FunctionName=physical)
        deployed.functions[physical] = FunctionSpec(
            logical_id=lid,
            name=physical,
            handler=conf["Handler"],
            environment=dict(conf.get("Environment", {}).get("Variables", {})),
            timeout_seconds=int(conf.get("Timeout", 3)),
            memory_mb=int(conf.get("MemorySize", 128)),
        )
