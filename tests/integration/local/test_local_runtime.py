"""The embedded default runs a template like the cloud would: queues, schedules, HTTP routes, alarms, secrets."""

import json
import time
from collections.abc import Iterator

import pytest
import requests

from local.runtime import LocalOptions, LocalStack, run_local_stack
from tests.integration.local.template import template

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    options = LocalOptions(
        stack_name="LocalRuntimeTest", run_pollers=False, run_clock=False, retry_visibility_seconds=0
    )
    with run_local_stack(template(), options) as running:
        yield running


def _fn(stack: LocalStack, logical_id: str) -> str:
    return next(name for name, spec in stack.deployed.functions.items() if spec.logical_id == logical_id)


def test_functions_get_the_cloud_environment_resolved(stack: LocalStack) -> None:
    worker = stack.deployed.functions[_fn(stack, "Worker")]
    assert worker.handler == "tests.integration.local.handlers.record"
    assert worker.environment["TABLE"] == stack.deployed.outputs["TableName"]
    assert worker.environment["SECRET"].startswith("arn:aws:secretsmanager:")
    assert (worker.timeout_seconds, worker.memory_mb) == (10, 256)


def test_every_set_aside_resource_has_a_local_equivalent(stack: LocalStack) -> None:
    kinds = {kind for _, kind, _ in stack.deployed.equivalents}
    assert {
        "AWS::Scheduler::Schedule",
        "AWS::ApiGatewayV2::Route",
        "AWS::Lambda::EventSourceMapping",
        "AWS::CloudWatch::Alarm",
        "AWS::SecretsManager::Secret",
        "AWS::SQS::QueuePolicy",
    } <= kinds
    assert stack.deployed.outputs["ApiUrl"] == stack.api_url


def test_secret_is_created_with_its_generated_structure(stack: LocalStack) -> None:
    arn = stack.deployed.functions[_fn(stack, "Worker")].environment["SECRET"]
    value = json.loads(stack.deployed.aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    assert value["client_id"] == "placeholder" and len(value["client_secret"]) == 32


def test_alarm_and_queue_policy_are_applied(stack: LocalStack) -> None:
    alarms = stack.deployed.aws.client("cloudwatch").describe_alarms()["MetricAlarms"]
    assert [a["MetricName"] for a in alarms if a["AlarmName"].startswith("LocalRuntimeTest-")] == [
        "ApproximateNumberOfMessagesVisible"
    ]
    queue_url = stack.deployed.event_sources[0].queue_url
    attrs = stack.deployed.aws.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["Policy"])
    assert json.loads(attrs["Attributes"]["Policy"])["Statement"][0]["Effect"] == "Deny"


def test_queue_messages_reach_the_handler_and_failures_go_to_the_dlq(stack: LocalStack) -> None:
    aws, source = stack.deployed.aws, stack.deployed.event_sources[0]
    assert source.report_batch_item_failures and source.max_concurrency == 2
    sqs = aws.client("sqs")
    for body in ("a", "fail", "b"):
        sqs.send_message(QueueUrl=source.queue_url, MessageBody=body)
    poller = stack.runtime.pollers[0]
    # Given three messages, one failing: the two good ones are stored and deleted, the failed one comes back ...
    received = sum(poller.poll_once(wait_seconds=0) for _ in range(3))
    table = aws.client("dynamodb")
    name = stack.deployed.outputs["TableName"]
    stored = {i["pk"]["S"] for i in table.scan(TableName=name)["Items"]}
    assert {"a", "b"} <= stored and "fail" not in stored
    assert received >= 3
    # ... until its receive count passes maxReceiveCount (2) and the queue's redrive moves it to the DLQ.
    for _ in range(3):
        poller.poll_once(wait_seconds=0)
    dlq_url = sqs.get_queue_url(
        QueueName=json.loads(
            sqs.get_queue_attributes(QueueUrl=source.queue_url, AttributeNames=["RedrivePolicy"])["Attributes"][
                "RedrivePolicy"
            ]
        )["deadLetterTargetArn"].rsplit(":", 1)[-1]
    )["QueueUrl"]
    dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in dead] == ["fail"]


def test_a_raising_handler_fails_the_whole_batch(stack: LocalStack) -> None:
    result = stack.runtime.invoke(_fn(stack, "Worker"), {"Records": [{"body": "boom", "messageId": "1"}]})
    assert not result.ok and result.payload["errorType"] == "RuntimeError"


def test_schedule_fires_its_payload(stack: LocalStack) -> None:
    (schedule,) = stack.deployed.schedules
    assert schedule.expression == "rate(1 minute)" and schedule.function == _fn(stack, "Worker")
    assert stack.runtime.fire(schedule).ok
    item = stack.deployed.aws.client("dynamodb").get_item(
        TableName=stack.deployed.outputs["TableName"], Key={"pk": {"S": "schedule"}}
    )["Item"]
    assert json.loads(item["payload"]["S"]) == {"action": "dispatch"}


def test_http_routes_become_api_gateway_events(stack: LocalStack) -> None:
    response = requests.get(f"{stack.api_url}/hello", params={"x": "1"}, timeout=30)
    assert response.status_code == 201
    body = response.json()
    assert body["route"] == "GET /hello" and body["query"] == {"x": "1"}
    assert 0 < body["remaining_ms"] <= 1000
    assert response.cookies.get("a") == "b"
    assert requests.get(f"{stack.api_url}/nowhere", timeout=5).status_code == 404


def test_a_handler_past_its_timeout_is_killed(stack: LocalStack) -> None:
    started = time.monotonic()
    response = requests.get(f"{stack.api_url}/hello", params={"sleep": "3"}, timeout=30)
    assert response.status_code == 500
    assert time.monotonic() - started < 3
    # The next invocation gets a fresh worker and succeeds.
    assert requests.get(f"{stack.api_url}/hello", timeout=30).status_code == 201
