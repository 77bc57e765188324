"""Resolves CloudFormation intrinsics against a deployed stack over the AWS API only (no moto in this process).

Used when the embedded default deploys into an AWS that runs elsewhere (`sellersync local up --aws-endpoint URL`: a
moto server or LocalStack): Ref gives the physical id (a topic's ARN, a queue's URL, a table's or function's name),
Fn::GetAtt is described by API or built from the account, region and physical id, and Fn::Join, Fn::Sub, Fn::Select,
Fn::Split and the pseudo parameters are evaluated here. Set-aside resources answer with their local values.
"""

import re
from collections.abc import Callable
from typing import Any

from local.aws import LocalAws
from local.template import LocalValue, substitute

_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class UnresolvableError(ValueError):
    """An intrinsic this resolver does not know (the message names it)."""


class ApiResolver:
    """Evaluates intrinsics for one deployed stack, describing resources by API (each answer cached)."""

    def __init__(
        self,
        aws: LocalAws,
        account_id: str,
        resources: dict[str, tuple[str, str]],
        template_resources: dict[str, Any],
        values: dict[str, LocalValue],
    ) -> None:
        self.aws, self.account_id = aws, account_id
        self.resources, self.template_resources, self.values = resources, template_resources, values
        self._attributes: dict[tuple[str, str], str] = {}
        self.pseudo = {
            "AWS::AccountId": account_id,
            "AWS::Region": aws.region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }

    def __call__(self, node: Any) -> Any:
        return self.resolve(substitute(node, self.values))

    def resolve(self, node: Any) -> Any:
        """`node` with every intrinsic evaluated."""
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self.ref(str(arg))
            if key == "Fn::GetAtt":
                target, _, attribute = arg.partition(".") if isinstance(arg, str) else (arg[0], "", arg[1])
                return self.get_att(str(target), str(attribute))
            if key.startswith("Fn::"):
                return self._function(key, self.resolve(arg) if key != "Fn::Sub" else arg)
        return {key: self.resolve(value) for key, value in node.items()}

    def ref(self, name: str) -> Any:
        """Ref: a pseudo parameter or a resource's physical id."""
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.values:
            return self.values[name].ref
        if name not in self.resources:
            raise UnresolvableError(f"Ref to {name!r}, which the stack does not hold")
        return self.resources[name][1]

    def get_att(self, logical_id: str, attribute: str) -> str:
        """Fn::GetAtt of a deployed resource (described by API once, then cached)."""
        if logical_id in self.values:
            local = self.values[logical_id]
            return local.attributes.get(attribute, local.ref)
        key = (logical_id, attribute)
        if key not in self._attributes:
            self._attributes[key] = self._describe(logical_id, attribute)
        return self._attributes[key]

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.aws.region}:{self.account_id}:{resource}"

    def _describe(self, logical_id: str, attribute: str) -> str:
        if logical_id not in self.resources:
            raise UnresolvableError(f"Fn::GetAtt of {logical_id!r}, which the stack does not hold")
        kind, physical = self.resources[logical_id]
        described = self._describers().get((kind, attribute))
        if described is None:
            raise UnresolvableError(f"Fn::GetAtt {logical_id}.{attribute} ({kind}) is not supported over the API")
        return described(logical_id, physical)

    def _describers(self) -> dict[tuple[str, str], Callable[[str, str], str]]:
        client = self.aws.client
        return {
            ("AWS::SQS::Queue", "Arn"): lambda _, url: client("sqs").get_queue_attributes(
                QueueUrl=url, AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"],
            ("AWS::SQS::Queue", "QueueName"): lambda _, url: url.rstrip("/").rsplit("/", 1)[-1],
            ("AWS::SQS::Queue", "QueueUrl"): lambda _, url: url,
            ("AWS::Lambda::Function", "Arn"): lambda _, name: client("lambda").get_function_configuration(
                FunctionName=name
            )["FunctionArn"],
            ("AWS::IAM::Role", "Arn"): lambda _, name: client("iam").get_role(RoleName=name)["Role"]["Arn"],
            # Built, not described: moto's DescribeKey fails on keys its CloudFormation created (policy kept as dict).
            ("AWS::KMS::Key", "Arn"): lambda _, key: self._arn("kms", f"key/{key}"),
            # As moto answers it (CloudFormation adds ":*"); only the set-aside API stage's access logs name it.
            ("AWS::Logs::LogGroup", "Arn"): lambda _, name: self._arn("logs", f"log-group:{name}"),
            ("AWS::DynamoDB::Table", "Arn"): lambda _, name: client("dynamodb").describe_table(TableName=name)["Table"][
                "TableArn"
            ],
            ("AWS::SNS::Topic", "TopicName"): lambda _, arn: arn.rsplit(":", 1)[-1],
            ("AWS::SNS::Topic", "TopicArn"): lambda _, arn: arn,
            ("AWS::Events::Rule", "Arn"): self._rule_arn,
        }

    def _rule_arn(self, logical_id: str, name: str) -> str:
        bus = self.resolve(self.template_resources[logical_id].get("Properties", {}).get("EventBusName"))
        kwargs = {"EventBusName": str(bus)} if bus else {}
        return str(self.aws.client("events").describe_rule(Name=name, **kwargs)["Arn"])

    def _function(self, key: str, arg: Any) -> Any:
        if key == "Fn::Join":
            separator, parts = arg
            return str(separator).join(str(part) for part in parts)
        if key == "Fn::Select":
            index, items = arg
            return items[int(index)]
        if key == "Fn::Split":
            separator, text = arg
            return str(text).split(str(separator))
        if key == "Fn::Sub":
            return self._sub(arg)
        raise UnresolvableError(f"{key} is not supported over the API")

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            target, dot, attribute = name.partition(".")
            return str(self.get_att(target, attribute) if dot else self.ref(name))

        return _SUB_VARIABLE.sub(value, str(text)).replace("${!", "${")
