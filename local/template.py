"""Turns the synthesized CloudFormation template into what moto server can deploy, keeping everything else aside.

moto's CloudFormation creates the tables, queues, key, topic, bus, roles, log groups and functions. What it lacks, or
what would need Docker (invoking Lambda), is set aside with a local equivalent (see `LOCAL_EQUIVALENTS`): references
to such resources are replaced by the local values before the template reaches moto.
"""

import copy
import json
from dataclasses import dataclass, field
from typing import Any

# Resource type -> the local equivalent that stands in for it (README: "The embedded default").
LOCAL_EQUIVALENTS: dict[str, str] = {
    "AWS::Scheduler::Schedule": "local schedule clock fires the same target with the same payload",
    "AWS::Scheduler::ScheduleGroup": "schedules run on the local clock",
    "AWS::ApiGatewayV2::Api": "local HTTP adapter turns requests into API Gateway (payload 2.0) events",
    "AWS::ApiGatewayV2::Stage": "local HTTP adapter ($default stage)",
    "AWS::ApiGatewayV2::Route": "local HTTP adapter route table",
    "AWS::ApiGatewayV2::Integration": "local HTTP adapter calls the integrated function in-process",
    "AWS::Lambda::EventSourceMapping": "local poller receives from the queue and invokes the function",
    "AWS::Lambda::LayerVersion": "the local virtual environment holds the same locked dependencies",
    "AWS::Lambda::Permission": "local invocations need no resource policy",
    "AWS::SecretsManager::Secret": "created by API in the embedded AWS",
    "AWS::Events::EventBus": "created by API (moto's CloudFormation gives no name for its Ref)",
    "AWS::CloudWatch::Alarm": "created by API in the embedded AWS (no notifications are sent)",
    "AWS::SQS::QueuePolicy": "applied by API (SetQueueAttributes Policy)",
    "AWS::SNS::TopicPolicy": "applied by API (SetTopicAttributes Policy)",
    "AWS::SNS::Subscription": "not emulated: alarm e-mails are not sent locally",
}
# Resource types moto deploys itself but would run unlike the cloud, and what makes them behave as there.
LOCAL_ADJUSTMENTS: dict[str, str] = {
    "AWS::Events::Rule": "deployed by moto; input transformers rendered as EventBridge does (local/events.py)",
}
DROPPED = {"AWS::CDK::Metadata"}


@dataclass
class LocalValue:
    """What a set-aside resource answers to Ref and Fn::GetAtt."""

    ref: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class SplitTemplate:
    """The part moto deploys and the set-aside resources, by logical id."""

    moto_template: dict[str, Any]
    set_aside: dict[str, dict[str, Any]]


def substitute(node: Any, values: dict[str, LocalValue]) -> Any:
    """Replaces Ref and Fn::GetAtt of set-aside resources by their local values."""
    if isinstance(node, list):
        return [substitute(item, values) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and node["Ref"] in values:
        return values[node["Ref"]].ref
    if set(node) == {"Fn::GetAtt"}:
        target, attribute = _getatt_parts(node["Fn::GetAtt"])
        if target in values:
            return values[target].attributes.get(attribute, values[target].ref)
    return {key: substitute(value, values) for key, value in node.items()}


def _getatt_parts(spec: Any) -> tuple[str, str]:
    if isinstance(spec, str):
        target, _, attribute = spec.partition(".")
        return target, attribute
    return str(spec[0]), str(spec[1])


def _strip_function(resource: dict[str, Any]) -> None:
    props = resource["Properties"]
    # The code runs from the checkout (same functions/ and shared/ the asset packs); moto only records the function.
    props["Code"] = {"ZipFile": "# runs locally from the checkout\n"}
    props.pop("Layers", None)


def split_template(
    template: dict[str, Any], local_values: dict[str, LocalValue], stack_name: str = ""
) -> SplitTemplate:
    """Separates the set-aside resources and rewrites the rest so that moto can deploy it.

    `local_values` gives Ref/GetAtt answers for set-aside resources that other resources refer to.
    """
    tpl = copy.deepcopy(template)
    tpl.pop("Rules", None)
    params = tpl.get("Parameters", {})
    params.pop("BootstrapVersion", None)
    if not params:
        tpl.pop("Parameters", None)
    resources: dict[str, Any] = tpl["Resources"]
    set_aside = {
        lid: res for lid, res in resources.items() if res["Type"] in LOCAL_EQUIVALENTS or res["Type"] in DROPPED
    }
    for lid in set_aside:
        del resources[lid]
    for lid, res in resources.items():
        if res["Type"] == "AWS::Lambda::Function":
            _strip_function(res)
        if res["Type"] == "AWS::Events::Archive":
            # CloudFormation keeps generated archive names within 48 characters and unique; moto does neither.
            res["Properties"].setdefault("ArchiveName", f"{stack_name}-{lid}".lstrip("-")[:48])
            pattern = res["Properties"].get("EventPattern")
            if isinstance(pattern, dict):
                # CloudFormation takes the pattern as an object; moto's archive parser only takes a JSON string.
                res["Properties"]["EventPattern"] = json.dumps(substitute(pattern, local_values))
        depends = res.get("DependsOn")
        if depends:
            kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in set_aside]
            if kept:
                res["DependsOn"] = kept
            else:
                res.pop("DependsOn")
    tpl["Resources"] = substitute(resources, local_values)
    if "Outputs" in tpl:
        tpl["Outputs"] = substitute(tpl["Outputs"], local_values)
    return SplitTemplate(moto_template=tpl, set_aside=set_aside)
