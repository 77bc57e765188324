"""The orders sync and the notification consumer, real handlers in-process, on moto and the local Amazon sandbox.

Each test gets fresh tables, queues, bus and a capture queue behind a rule on the bus (so the test reads exactly the
events downstream systems would get), the sandbox reset to its seeded world, and an EU seller connected with a token
the sandbox issued. The handlers' clock reads the sandbox's clock, so a test can move Amazon's time forward
(`advance`) and the next window covers it. Notifications go from the sandbox to the moto notifications queue; the
test hands them to the consumer as Lambda's event source would (and may duplicate or reorder them first).
"""

import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

import functions.notifications as consumer_module
import functions.sync_orders as sync_module
from local.aws import LocalAws
from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from local.sandbox.inspector import OrderInfo, SellerInfo
from local.workers import LambdaContext
from shared.env import Env
from shared.models.orders import ImportedOrder
from shared.models.settings import ConnectionSettings
from shared.repositories import ConnectionsRepository, KmsEncryptor, SyncStatusRepository
from shared.repositories.order_cursor import OrderCursorRepository
from shared.repositories.orders import OrdersRepository
from tests.dynamodb import atomic_conditional_writes, create_table
from tests.integration.handler_world import (
    capture_bus,
    clear_caches,
    connect_seller,
    lwa_secret,
    make_key,
    make_queue,
    sandbox_now,
    use_environment,
)

IMPORTED = {"UNSHIPPED", "PARTIALLY_SHIPPED"}
ORDERS_ENABLED = ConnectionSettings(enabled_syncs=frozenset({"orders"}))


@pytest.fixture(scope="module")
def sandbox(local_aws: LocalAws) -> Iterator[SandboxServer]:
    """The local Amazon, delivering notifications to moto; no orders arrive unless a test adds them."""
    config = SandboxConfig(seed=5, orders_per_hour=0, validate_responses=True, aws_endpoint_url=local_aws.endpoint_url)
    with SandboxServer(config) as running:
        yield running


@pytest.fixture(scope="module")
def key_arn(local_aws: LocalAws) -> str:
    return make_key(local_aws, "orders")


@dataclass
class World:
    """One test's stack pieces, its seller and what it has seen on the bus."""

    aws: LocalAws
    inspector: SandboxInspector
    seller: SellerInfo
    connection_id: str
    connections: ConnectionsRepository
    orders: OrdersRepository
    cursors: OrderCursorRepository
    statuses: SyncStatusRepository
    urls: dict[str, str]
    limits_table: str
    seen: list[dict[str, Any]] = field(default_factory=list)

    def run(self, connection_id: str | None = None, seconds_left: float | None = None) -> dict[str, Any]:
        """An on-demand run of the orders sync (as `sellersync sync orders` invokes it)."""
        event = {"sync_type": "orders", "action": "run", "connection_id": connection_id or self.connection_id}
        return dict(sync_module.lambda_handler(event, _context("sellersync-orders", seconds_left)))

    def run_until_complete(self, limit: int = 10) -> list[dict[str, Any]]:
        """Runs until a run completes its window (a failed run is retried, as SQS redelivery would)."""
        results = []
        for _ in range(limit):
            results.append(self.run())
            if results[-1]["state"] == "OK" and results[-1]["counts"].get("window_complete") == 1:
                return results
        raise AssertionError(f"no complete window in {limit} runs: {results}")

    def advance(self, seconds: float) -> None:
        """Moves Amazon's clock (and so the handlers' clock) forward."""
        self.inspector.advance(seconds)

    def stored(self) -> dict[str, ImportedOrder]:
        """Every stored order of the connection."""
        return {o.order_id: o for o in self.orders.list_for_connection(self.connection_id)}

    def events(self) -> list[dict[str, Any]]:
        """Every order event published so far (drains the capture queue into `seen`)."""
        sqs = self.aws.client("sqs")
        while batch := sqs.receive_message(QueueUrl=self.urls["capture"], MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                self.seen.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.urls["capture"], ReceiptHandle=message["ReceiptHandle"])
        return self.seen

    def event_counts(self) -> Counter[tuple[str, str]]:
        """(detail-type, order id) -> how many times published."""
        return Counter((e["detail-type"], e["detail"]["order"]["order_id"]) for e in self.events())

    def notifications(self, wait: float = 0.0) -> list[dict[str, Any]]:
        """Notifications the sandbox delivered to the notifications queue, removed from it."""
        sqs, found = self.aws.client("sqs"), []
        while batch := sqs.receive_message(
            QueueUrl=self.urls["notifications"], MaxNumberOfMessages=10, WaitTimeSeconds=int(wait)
        ).get("Messages", []):
            for message in batch:
                found.append(message)
                sqs.delete_message(QueueUrl=self.urls["notifications"], ReceiptHandle=message["ReceiptHandle"])
            wait = 0
        return found

    def consume(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """Hands messages to the notification consumer as one SQS batch."""
        return dict(consumer_module.lambda_handler(sqs_event(messages), _context("sellersync-notifications")))

    def expected(self) -> set[str]:
        """The seller's orders a first import must bring in: merchant-fulfilled and in an imported status."""
        return {o.order_id for o in self.sandbox_orders() if o.fulfilled_by == "MERCHANT" and o.status in IMPORTED}

    def sandbox_orders(self) -> list[OrderInfo]:
        """What Amazon holds for the seller."""
        return self.inspector.orders(self.seller.selling_partner_id)

    def dead_letters(self, queue: str) -> list[dict[str, Any]]:
        """Messages on one of the DLQs, with their attributes."""
        sqs = self.aws.client("sqs")
        return sqs.receive_message(
            QueueUrl=self.urls[queue], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])


def _context(name: str, seconds_left: float | None = None) -> LambdaContext:
    deadline = time.monotonic() + seconds_left if seconds_left is not None else 1e12
    return LambdaContext(name, 512, f"arn:aws:lambda:eu-west-1:123456789012:function:{name}", "req", deadline)


def sqs_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Received messages in the shape Lambda's SQS event source hands them over."""
    return {
        "Records": [
            {
                "messageId": m.get("MessageId", str(uuid.uuid4())),
                "receiptHandle": m.get("ReceiptHandle", "r"),
                "body": m["Body"],
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:notifications",
                "awsRegion": "eu-west-1",
            }
            for m in messages
        ]
    }


def clear_handler_caches() -> None:
    """Forgets what the handlers built: the next invocation behaves as one in a fresh container."""
    clear_caches((sync_module, consumer_module))


@pytest.fixture
def world(
    local_aws: LocalAws, sandbox: SandboxServer, key_arn: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    """A connected EU seller with the orders sync enabled, on fresh tables and queues."""
    dynamodb = local_aws.client("dynamodb")
    tables = {
        "connections": create_table(dynamodb, "connections", gsi1=True),
        "orders": create_table(dynamodb, "orders", gsi1=True),
        "limits": create_table(dynamodb, "limits", sort_key=False),
    }
    urls, arns = {}, {}
    for name in ("work", "dlq", "notifications", "notifications_dlq", "capture", "inventory_results"):
        urls[name], arns[name] = make_queue(local_aws, name)
    environment = local_aws.env() | {
        Env.SERVICE_NAME: "sellersync-orders",
        Env.METRICS_NAMESPACE: "SellerSyncTest",
        Env.SYNC_TYPE: "orders",
        Env.SYNC_QUEUE_URL: urls["work"],
        Env.SYNC_DLQ_URL: urls["dlq"],
        Env.CONNECTIONS_TABLE: tables["connections"],
        Env.ORDERS_TABLE: tables["orders"],
        Env.RATE_LIMITS_TABLE: tables["limits"],
        Env.EVENT_BUS_NAME: capture_bus(local_aws, "sellersync.orders", arns["capture"]),
        Env.LWA_SECRET_ARN: lwa_secret(local_aws),
        Env.KMS_KEY_ARN: key_arn,
        Env.NOTIFICATIONS_QUEUE_ARN: arns["notifications"],
        Env.NOTIFICATIONS_DLQ_URL: urls["notifications_dlq"],
        Env.INVENTORY_RESULTS_QUEUE_URL: urls["inventory_results"],
        Env.LWA_TOKEN_URL: f"{sandbox.url}/auth/o2/token",
        Env.SPAPI_ENDPOINT_URL: sandbox.url,
    }
    use_environment(monkeypatch, environment)
    inspector = SandboxInspector(sandbox.url)
    inspector.reset()
    # The handlers' "now" is Amazon's: tests move it with `advance`.
    for module in (sync_module, consumer_module):
        monkeypatch.setattr(module, "scaled_utc_clock", lambda *_: lambda: sandbox_now(inspector))
    clear_handler_caches()
    encryptor = KmsEncryptor(key_arn, local_aws.client("kms"))
    connections = ConnectionsRepository(tables["connections"], dynamodb, encryptor)
    seller = next(s for s in inspector.sellers() if s.region == "EU")
    connection = connect_seller(connections, inspector, seller, "Orders test shop", ORDERS_ENABLED)
    with atomic_conditional_writes("put_item", "update_item"):
        yield World(
            aws=local_aws,
            inspector=inspector,
            seller=seller,
            connection_id=connection.connection_id,
            connections=connections,
            orders=OrdersRepository(tables["orders"], dynamodb),
            cursors=OrderCursorRepository(tables["connections"], dynamodb),
            statuses=SyncStatusRepository(tables["connections"], dynamodb),
            urls=urls,
            limits_table=tables["limits"],
        )
    clear_handler_caches()


def utc(text: str) -> datetime:
    """An ISO timestamp as an aware datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)
