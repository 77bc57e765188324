"""The inventory pipeline's infrastructure in the embedded AWS, deployed from the production template: its queues,
functions and event sources are known to the local runtime, and an InventoryChanged event on the bus reaches the input
queue whole. No inventory function is invoked (pollers and clock stay off); the changes queue's batching window is
exercised with a stand-in function."""

import json
import time
import uuid
from dataclasses import replace
from typing import Any

import pytest

from infra.config import INVENTORY_FEED_BATCH_SIZE, INVENTORY_FEED_BATCHING_WINDOW_SECONDS, Queue
from infra.constructs.inventory import LANES, lane_name
from infra.outputs import Output, inventory_function_output_key, pipeline_dlq_output_key, pipeline_queue_output_key
from local.amazon import LocalWorld, feed_poll_seconds
from local.pollers import QueuePoller
from local.runtime import LocalStack
from local.workers import InvocationResult
from shared.env import Env

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(local_world: LocalWorld) -> LocalStack:
    """The shared local stack, pollers and clock off: nothing here invokes an inventory function."""
    return local_world.stack


def _name(queue_url: str) -> str:
    """The queue name of a URL (outputs carry moto's CloudFormation form, event sources the endpoint's)."""
    return queue_url.rsplit("/", 1)[-1]


def _drain(stack: LocalStack, queue_url: str) -> list[str]:
    sqs = stack.deployed.aws.client("sqs")
    bodies: list[str] = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def _attributes(stack: LocalStack, url: str) -> dict[str, str]:
    answer = stack.deployed.aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    return dict(answer["Attributes"])


def test_the_four_queues_redrive_to_their_dlqs(stack: LocalStack) -> None:
    outputs = stack.deployed.outputs
    for queue in Queue:
        attributes = _attributes(stack, outputs[pipeline_queue_output_key(queue)])
        dlq = _attributes(stack, outputs[pipeline_dlq_output_key(queue)])
        assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"] == dlq["QueueArn"], queue
        assert attributes["SqsManagedSseEnabled"] == "true" and "KmsMasterKeyId" not in attributes, queue


def test_the_runtime_knows_the_four_functions_and_their_event_sources(stack: LocalStack) -> None:
    outputs, deployed = stack.deployed.outputs, stack.deployed
    by_function = {source.function: source for source in deployed.event_sources}
    for lane in LANES:
        name = outputs[inventory_function_output_key(lane_name(lane))]
        consumes = lane.consumes
        assert consumes is not None
        function = deployed.functions[name]
        assert (function.handler, function.timeout_seconds) == (lane.handler, lane.timeout_seconds)
        assert function.environment[Env.INVENTORY_FEED_POLL_SECONDS] == "300"
        assert name in stack.runtime.pools
        source = by_function[name]
        assert _name(source.queue_url) == _name(outputs[pipeline_queue_output_key(Queue(consumes.queue))])
        assert (source.batch_size, source.batching_window_seconds, source.report_batch_item_failures) == (
            consumes.batch_size,
            consumes.batching_window_seconds,
            True,
        )
        assert source.max_concurrency == consumes.max_concurrency
    feeds = by_function[outputs[Output.INVENTORY_FEEDS_FUNCTION_NAME]]
    assert (feeds.batch_size, feeds.batching_window_seconds) == (
        INVENTORY_FEED_BATCH_SIZE,
        INVENTORY_FEED_BATCHING_WINDOW_SECONDS,
    )
    assert {p.spec.function for p in stack.runtime.pollers} >= set(by_function)


def test_an_inventory_changed_event_reaches_the_input_queue_whole(stack: LocalStack) -> None:
    outputs = stack.deployed.outputs
    input_queue = outputs[Output.INVENTORY_INPUT_QUEUE_URL]
    _drain(stack, input_queue)
    detail = {"connectionId": "eu-a1b2c3", "sku": "SKU-1", "available": 7, "asOf": "2026-05-01T12:00:00Z"}
    entry = {
        "Source": "merchant.erp",
        "DetailType": "InventoryChanged",
        "Detail": json.dumps(detail),
        "EventBusName": outputs[Output.EVENT_BUS_NAME],
    }
    # Given a merchant event and one the rule does not match, When both are put on the bus
    other = {**entry, "DetailType": "InventoryReport"}
    assert stack.deployed.aws.client("events").put_events(Entries=[entry, other])["FailedEntryCount"] == 0
    # Then the input queue holds the InventoryChanged event, as EventBridge delivers it (no input transformer)
    (body,) = _drain(stack, input_queue)
    event = json.loads(body)
    assert (event["source"], event["detail-type"], event["detail"]) == ("merchant.erp", "InventoryChanged", detail)
    assert {"id", "time", "region"} <= set(event)


def test_the_rule_is_listed_with_its_local_adjustment(stack: LocalStack) -> None:
    rules = [lid for lid, kind, _ in stack.deployed.equivalents if kind == "AWS::Events::Rule"]
    assert any(lid.startswith("InventoryChangedRule") for lid in rules)


def test_the_changes_queue_is_polled_in_batches_across_its_window(stack: LocalStack) -> None:
    # Given 25 changes on a queue of the changes queue's event source, its window 2 seconds (20 s in the template);
    # a queue of its own, since the shared stack's changes queue may get other modules' delayed changes meanwhile
    outputs = stack.deployed.outputs
    (deployed,) = [
        s
        for s in stack.deployed.event_sources
        if _name(s.queue_url) == _name(outputs[Output.INVENTORY_CHANGES_QUEUE_URL])
    ]
    sqs = stack.deployed.aws.client("sqs")
    changes = sqs.create_queue(QueueName=f"changes-window-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    source = replace(deployed, queue_url=changes)
    for start in range(0, 25, 10):
        entries = [{"Id": str(i), "MessageBody": json.dumps({"n": i})} for i in range(start, min(start + 10, 25))]
        sqs.send_message_batch(QueueUrl=changes, Entries=entries)
    events: list[dict[str, Any]] = []

    def stand_in(_function: str, event: Any) -> InvocationResult:
        events.append(event)
        return InvocationResult(True, {"batchItemFailures": []}, 1)

    poller = QueuePoller(replace(source, batching_window_seconds=2), sqs, stand_in, stack.deployed.aws.region)
    # When it polls once, Then the function gets all 25 in one invocation, after the window, and they are deleted
    started = time.monotonic()
    assert poller.poll_once() == 25
    assert 2 <= time.monotonic() - started < 10
    assert sorted(json.loads(r["body"])["n"] for r in events[0]["Records"]) == list(range(25))
    assert _drain(stack, changes) == []


def test_a_time_scaled_sandbox_polls_feeds_on_sandbox_time() -> None:
    assert feed_poll_seconds(1) == 300
    assert feed_poll_seconds(10) == 30
    assert feed_poll_seconds(60) == 5 == feed_poll_seconds(1000)
    assert feed_poll_seconds(0.01) == 900
