"""Order import's infrastructure in the embedded AWS, deployed from the production template: a ConnectionAuthorized
event on the bus becomes an orders job on the orders work queue, and Amazon's notifications queue is wired to its
consumer. Nothing here invokes a function (pollers and clock stay off, so the job stays in its queue)."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.config import AMAZON_NOTIFICATIONS_ACCOUNT, AUTHORIZATION, ORDERS
from infra.outputs import Output, function_output_key, queue_output_key
from local.amazon import LocalWorld
from local.events import event_time, render
from local.runtime import LocalStack
from shared.env import Env
from shared.models.connection import Connection, connection_id_for
from shared.models.sync import SyncJob
from shared.oauth.authorization import StoredAuthorization
from shared.oauth.flow import Connected
from shared.runtime.oauth import connection_event
from shared.spapi.marketplaces import Region

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(local_world: LocalWorld) -> LocalStack:
    """The shared local stack, pollers and clock off (so the jobs stay in their queues); each test uses fresh seller
    ids and reads only its own connections' jobs."""
    return local_world.stack


def _fresh_seller() -> str:
    return "A" + uuid.uuid4().hex[:12].upper()


def _jobs_of(bodies: list[str], sellers: list[str]) -> list[SyncJob]:
    ids = {connection_id_for(seller, Region.EU) for seller in sellers}
    jobs = (SyncJob.model_validate_json(body) for body in bodies)
    return sorted((job for job in jobs if job.connection_id in ids), key=lambda job: job.connection_id)


def _authorized(stack: LocalStack, seller: str, *, reauthorized: bool) -> dict[str, Any]:
    """The PutEvents entry the OAuth callback (and `connections add`) publishes for a stored authorization."""
    now = datetime.now(UTC)
    connection = Connection(
        selling_partner_id=seller,
        region=Region.EU,
        name="Shop",
        marketplace_ids=("A1F83G8C2ARO7P",),
        authorized_at=now,
        created_at=now,
        updated_at=now,
    )
    connected = Connected(StoredAuthorization(connection, reauthorized=reauthorized), "invite")
    return connection_event(connected, stack.deployed.outputs[Output.EVENT_BUS_NAME])


def _drain(stack: LocalStack, queue_url: str) -> list[str]:
    sqs = stack.deployed.aws.client("sqs")
    bodies: list[str] = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def test_a_connection_authorized_event_enqueues_an_orders_job(stack: LocalStack) -> None:
    outputs = stack.deployed.outputs
    orders_queue = outputs[queue_output_key(ORDERS)]
    _drain(stack, orders_queue)
    before = datetime.now(UTC).replace(microsecond=0)
    # Given a new and a re-authorized connection, When the OAuth flow publishes their events
    sellers = sorted([_fresh_seller(), _fresh_seller()], key=lambda seller: connection_id_for(seller, Region.EU))
    entries = [_authorized(stack, sellers[0], reauthorized=False), _authorized(stack, sellers[1], reauthorized=True)]
    answer = stack.deployed.aws.client("events").put_events(Entries=entries)
    assert answer["FailedEntryCount"] == 0
    # Then the orders work queue holds one SyncJob per connection, as the orders worker reads them
    jobs = _jobs_of(_drain(stack, orders_queue), sellers)
    assert [(j.sync_type, j.connection_id, j.trigger) for j in jobs] == [
        ("orders", connection_id_for(sellers[0], Region.EU), "connected"),
        ("orders", connection_id_for(sellers[1], Region.EU), "connected"),
    ]
    assert all(before <= job.requested_at <= datetime.now(UTC) for job in jobs)
    # and a sync type that does not run on connect gets nothing
    assert not AUTHORIZATION.runs_on_connect
    assert _jobs_of(_drain(stack, outputs[queue_output_key(AUTHORIZATION)]), sellers) == []


def test_other_events_of_the_bus_enqueue_nothing(stack: LocalStack) -> None:
    outputs = stack.deployed.outputs
    seller = _fresh_seller()
    entry = {**_authorized(stack, seller, reauthorized=False), "DetailType": "ConnectionDisconnected"}
    assert stack.deployed.aws.client("events").put_events(Entries=[entry])["FailedEntryCount"] == 0
    assert _jobs_of(_drain(stack, outputs[queue_output_key(ORDERS)]), [seller]) == []


def test_the_rule_is_listed_with_its_local_adjustment(stack: LocalStack) -> None:
    adjusted = {kind: note for _, kind, note in stack.deployed.equivalents if kind == "AWS::Events::Rule"}
    assert "local/events.py" in adjusted["AWS::Events::Rule"]


def test_the_notifications_queue_is_sse_sqs_open_to_amazon_and_redrives_to_its_dlq(stack: LocalStack) -> None:
    outputs = stack.deployed.outputs
    sqs = stack.deployed.aws.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=outputs[Output.NOTIFICATIONS_QUEUE_URL], AttributeNames=["All"])[
        "Attributes"
    ]
    assert attributes["QueueArn"] == outputs[Output.NOTIFICATIONS_QUEUE_ARN]
    assert attributes["SqsManagedSseEnabled"] == "true" and "KmsMasterKeyId" not in attributes
    dlq_arn = sqs.get_queue_attributes(QueueUrl=outputs[Output.NOTIFICATIONS_DLQ_URL], AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"] == dlq_arn
    statements = json.loads(attributes["Policy"])["Statement"]
    (allowed,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allowed["Principal"] == {"AWS": f"arn:aws:iam::{AMAZON_NOTIFICATIONS_ACCOUNT}:root"}
    assert sorted(allowed["Action"]) == ["sqs:GetQueueAttributes", "sqs:SendMessage"]
    assert allowed["Resource"] == outputs[Output.NOTIFICATIONS_QUEUE_ARN]


def test_the_notifications_queue_feeds_its_consumer(stack: LocalStack) -> None:
    outputs = stack.deployed.outputs
    (source,) = [e for e in stack.deployed.event_sources if e.queue_arn == outputs[Output.NOTIFICATIONS_QUEUE_ARN]]
    assert source.function == outputs[Output.NOTIFICATIONS_FUNCTION_NAME]
    assert (source.batch_size, source.max_concurrency, source.report_batch_item_failures) == (10, 5, True)
    consumer = stack.deployed.functions[source.function]
    assert consumer.handler == "functions.notifications.lambda_handler"
    assert consumer.environment[Env.NOTIFICATIONS_DLQ_URL] == outputs[Output.NOTIFICATIONS_DLQ_URL]
    orders = stack.deployed.functions[outputs[function_output_key(ORDERS)]]
    assert orders.environment[Env.NOTIFICATIONS_QUEUE_ARN] == outputs[Output.NOTIFICATIONS_QUEUE_ARN]


# EventBridge's rendering of input transformers, which the embedded AWS uses instead of moto's


def test_render_quotes_strings_outside_quotes_and_gives_the_time_in_iso_8601() -> None:
    event = {"time": 1777636800.25, "detail": {"connection_id": "eu-a1", "n": 3, "tags": ["x"]}}
    paths = {"cid": "$.detail.connection_id", "time": "$.time", "n": "$.detail.n", "tags": "$.detail.tags"}
    template = '{"id":<cid>,"at":<time>,"n":<n>,"tags":<tags>,"text":"<cid> has <n> at <time>","none":<missing>}'
    assert render(template, {**paths, "missing": "$.detail.nothing"}, event) == {
        "id": "eu-a1",
        "at": "2026-05-01T12:00:00Z",
        "n": 3,
        "tags": ["x"],
        "text": "eu-a1 has 3 at 2026-05-01T12:00:00Z",
        "none": None,
    }


def test_event_time_accepts_epoch_seconds_and_iso_text() -> None:
    assert event_time(0) == event_time("0") == event_time("1970-01-01T00:00:00Z") == "1970-01-01T00:00:00Z"
