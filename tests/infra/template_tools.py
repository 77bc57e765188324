"""Reading a synthesized template: resources by type, references between them, IAM statements per role."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from aws_cdk import Stack
from aws_cdk.assertions import Template

from shared.env import Env

Resource = dict[str, Any]
# IAM actions and principals the least-privilege tests look for.
# No repository calls BatchWriteItem or Scan, so no role is granted them (tests/infra/test_least_privilege.py).
WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
EVENTS = {"Service": "events.amazonaws.com"}
INSECURE = {"Bool": {"aws:SecureTransport": "false"}}


def ref(value: Any) -> str | None:
    """The logical id a `Ref` or `Fn::GetAtt` points at, else None."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def referenced(value: Any) -> set[str]:
    """Every logical id referenced anywhere inside `value` (through Ref, GetAtt, Join, Sub...)."""
    found: set[str] = set()
    if isinstance(value, dict):
        direct = ref(value)
        if direct:
            found.add(direct)
        for inner in value.values():
            found |= referenced(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= referenced(inner)
    return found


def as_list(value: Any) -> list[Any]:
    """IAM allows a single value or a list; always a list."""
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Synthesized:
    """A synthesized stack with its template and the cloud assembly folder."""

    stack: Stack
    template: Template
    outdir: Path

    @cached_property
    def json(self) -> dict[str, Any]:
        """The template as a dict, fetched from the CDK once (each fetch crosses into node; the stack is final)."""
        return dict(self.template.to_json())

    @property
    def resources(self) -> dict[str, Resource]:
        """Logical id -> resource."""
        return dict(self.json["Resources"])

    def of_type(self, resource_type: str) -> dict[str, Resource]:
        """Resources of one CloudFormation type."""
        return {lid: r for lid, r in self.resources.items() if r["Type"] == resource_type}

    def props(self, logical_id: str) -> dict[str, Any]:
        """Properties of one resource."""
        return dict(self.resources[logical_id].get("Properties", {}))

    def output_ref(self, key: str) -> str:
        """Logical id an output points at."""
        found = ref(self.json["Outputs"][key]["Value"])
        assert found, f"output {key} references no resource"
        return found

    def schedule_of(self, function: str) -> dict[str, Any]:
        """The properties of the one schedule that targets the function (its logical id)."""
        (schedule,) = [
            s["Properties"]
            for s in self.of_type("AWS::Scheduler::Schedule").values()
            if ref(s["Properties"]["Target"]["Arn"]) == function
        ]
        return dict(schedule)

    def function_of(self, sync_type: str) -> str:
        """Logical id of the function of a sync type (found by its SYNC_TYPE env var)."""
        matches = [
            lid
            for lid, r in self.of_type("AWS::Lambda::Function").items()
            if r["Properties"].get("Environment", {}).get("Variables", {}).get(Env.SYNC_TYPE) == sync_type
        ]
        assert len(matches) == 1, f"expected one function for {sync_type}, found {matches}"
        return matches[0]

    def environment(self, function_id: str) -> dict[str, Any]:
        """A function's environment variables."""
        return dict(self.props(function_id).get("Environment", {}).get("Variables", {}))

    def role_of(self, function_id: str) -> str:
        """Logical id of a function's execution role."""
        role = ref(self.props(function_id)["Role"])
        assert role
        return role

    def statements(self, role_id: str) -> list[dict[str, Any]]:
        """Every Allow/Deny statement of the policies attached to a role (inline and AWS::IAM::Policy)."""
        found: list[dict[str, Any]] = []
        for policy in self.of_type("AWS::IAM::Policy").values():
            if role_id in {ref(r) for r in policy["Properties"]["Roles"]}:
                found += policy["Properties"]["PolicyDocument"]["Statement"]
        for inline in self.props(role_id).get("Policies", []):
            found += inline["PolicyDocument"]["Statement"]
        return found

    def actions_on(self, role_id: str, resource_id: str) -> set[str]:
        """Actions a role is allowed on one resource (the resource or a sub-path of its ARN)."""
        return {
            action
            for statement in self.statements(role_id)
            if statement["Effect"] == "Allow" and resource_id in referenced(statement["Resource"])
            for action in as_list(statement["Action"])
        }

    def dashboard_body(self) -> str:
        """The dashboard body as one string (CDK renders it as an Fn::Join of text and references)."""
        (dashboard,) = self.of_type("AWS::CloudWatch::Dashboard").values()
        return json.dumps(dashboard["Properties"]["DashboardBody"])


def walk(node: Any) -> Iterator[Any]:
    """Every dict and list inside a JSON value, depth first."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def queue_statements(synthesized: "Synthesized", queue: str) -> list[dict[str, Any]]:
    """The statements of every queue policy that covers the queue (its logical id)."""
    return [
        statement
        for policy in synthesized.of_type("AWS::SQS::QueuePolicy").values()
        if queue in referenced(policy["Properties"]["Queues"])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def alarms(synthesized: "Synthesized", namespace: str, metric: str) -> dict[str, dict[str, Any]]:
    """The alarms on one metric, by logical id."""
    return {
        lid: alarm["Properties"]
        for lid, alarm in synthesized.of_type("AWS::CloudWatch::Alarm").items()
        if alarm["Properties"].get("Namespace") == namespace and alarm["Properties"].get("MetricName") == metric
    }


def notifies_topic(synthesized: "Synthesized", props: dict[str, Any]) -> bool:
    """Whether an alarm's actions are exactly the stack's alarm topic."""
    topic = synthesized.output_ref("AlarmTopicArn")
    return [ref(a) for a in props.get("AlarmActions", [])] == [topic]
