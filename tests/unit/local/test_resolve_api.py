"""The API-only resolver's intrinsics that need no AWS call: Ref, pseudo parameters, Join, Sub, Select, Split."""

from typing import Any

import pytest

from local.aws import LocalAws
from local.resolve_api import ApiResolver, UnresolvableError
from local.template import LocalValue

RESOURCES = {
    "Queue": ("AWS::SQS::Queue", "http://127.0.0.1:1/000000000000/Stack-Queue-ABC"),
    "Topic": ("AWS::SNS::Topic", "arn:aws:sns:eu-west-1:000000000000:Stack-Topic-XYZ"),
    "Table": ("AWS::DynamoDB::Table", "Stack-Table-T1"),
}
VALUES = {"Api": LocalValue("localapi", {"ApiEndpoint": "http://127.0.0.1:9"})}


@pytest.fixture
def resolver() -> ApiResolver:
    # The endpoint is never called by these cases (they need no description of a resource).
    return ApiResolver(LocalAws("http://127.0.0.1:9", "eu-west-1"), "000000000000", RESOURCES, {}, dict(VALUES))


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"Ref": "Table"}, "Stack-Table-T1"),
        ({"Ref": "AWS::Region"}, "eu-west-1"),
        ({"Fn::GetAtt": ["Queue", "QueueName"]}, "Stack-Queue-ABC"),
        ({"Fn::GetAtt": "Topic.TopicName"}, "Stack-Topic-XYZ"),
        ({"Fn::GetAtt": ["Api", "ApiEndpoint"]}, "http://127.0.0.1:9"),
        ({"Fn::Join": ["/", [{"Ref": "AWS::AccountId"}, {"Ref": "Table"}]]}, "000000000000/Stack-Table-T1"),
        ({"Fn::Select": [1, {"Fn::Split": [":", {"Ref": "Topic"}]}]}, "aws"),
        (
            {"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Table}"},
            "arn:aws:dynamodb:eu-west-1:000000000000:table/Stack-Table-T1",
        ),
        ({"Fn::Sub": ["${Name}-${Queue.QueueName}", {"Name": {"Ref": "Table"}}]}, "Stack-Table-T1-Stack-Queue-ABC"),
        ({"Fn::Sub": "${!Literal}"}, "${Literal}"),
        ({"Ref": "Api"}, "localapi"),
        ({"Nested": [{"Ref": "Table"}, 3]}, {"Nested": ["Stack-Table-T1", 3]}),
    ],
)
def test_intrinsics_resolve_as_cloudformation_does(resolver: ApiResolver, node: Any, expected: Any) -> None:
    assert resolver(node) == expected


@pytest.mark.parametrize(
    ("node", "named"),
    [
        ({"Ref": "Missing"}, "'Missing'"),
        ({"Fn::GetAtt": ["Table", "StreamArn"]}, "Table.StreamArn"),
        ({"Fn::GetAtt": ["Missing", "Arn"]}, "'Missing'"),
        ({"Fn::FindInMap": ["M", "a", "b"]}, "Fn::FindInMap"),
    ],
)
def test_an_unknown_reference_is_named(resolver: ApiResolver, node: Any, named: str) -> None:
    with pytest.raises(UnresolvableError, match=named.replace(".", r"\.")):
        resolver(node)
