"""The inventory pipeline, real handlers in-process, on moto and the local Amazon sandbox.

Each test gets fresh tables, queues and bus (with a capture queue for `sellersync.inventory` events), the sandbox
reset to its seeded world, and an EU seller (UK + DE) connected with the inventory sync enabled. The handlers' clock
reads the sandbox's clock. `pump` plays Lambda's event sources: it drains the pipeline's queues into their handlers
(feed checks included, their delay ignored) until nothing moves, advancing Amazon's clock so feeds finish.
"""

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

import functions.inventory_fastlane as fastlane_module
import functions.inventory_feeds as feeds_module
import functions.inventory_input as input_module
import functions.inventory_results as results_module
from local.aws import LocalAws
from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from local.sandbox.inspector import ListingRow, SellerInfo
from local.workers import LambdaContext
from shared.env import Env
from shared.inventory.state import bucket_of
from shared.models.inventory import SkuState
from shared.models.settings import ConnectionSettings
from shared.repositories import ConnectionsRepository, KmsEncryptor
from shared.repositories.feeds import FeedsRepository
from shared.repositories.inventory import InventoryRepository
from shared.repositories.sync_status import SyncStatusRepository
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

HANDLERS = (input_module, feeds_module, fastlane_module, results_module)
UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"
# Every change by feed (patch_first_max_changes 0): these tests send a few SKUs to exercise the feed lane; the
# patch-first path (a few changes patched at once, the default) has its tests in test_inventory_patch_first.py.
INVENTORY_ENABLED = ConnectionSettings(
    enabled_syncs=frozenset({"inventory"}), default_handling_days=2, patch_first_max_changes=0
)


@pytest.fixture(scope="module")
def sandbox(local_aws: LocalAws) -> Iterator[SandboxServer]:
    """The local Amazon; no orders arrive."""
    config = SandboxConfig(seed=7, orders_per_hour=0, validate_responses=True, aws_endpoint_url=local_aws.endpoint_url)
    with SandboxServer(config) as running:
        yield running


@pytest.fixture(scope="module")
def key_arn(local_aws: LocalAws) -> str:
    return make_key(local_aws, "inventory")


def _context(name: str, seconds: float = 120) -> LambdaContext:
    deadline = time.monotonic() + seconds
    return LambdaContext(name, 1024, f"arn:aws:lambda:eu-west-1:123456789012:function:{name}", "req", deadline)


def sqs_event(bodies: list[tuple[str, str]]) -> dict[str, Any]:
    """(message id, body) pairs in the shape Lambda's SQS event source hands them over."""
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": "r",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:q",
                "awsRegion": "eu-west-1",
            }
            for message_id, body in bodies
        ]
    }


@dataclass
class World:
    """One test's stack pieces and its seller."""

    aws: LocalAws
    inspector: SandboxInspector
    seller: SellerInfo
    connection_id: str
    connections: ConnectionsRepository
    buckets: InventoryRepository
    feeds: FeedsRepository
    statuses: SyncStatusRepository
    urls: dict[str, str]
    seen: list[dict[str, Any]] = field(default_factory=list)
    invocations: dict[str, int] = field(default_factory=dict)
    sequence: int = 0

    def record(self, sku: str, available: int, *, as_of: datetime | None = None, **extra: Any) -> dict[str, Any]:
        """An InventoryRecord as the merchant's system sends it (camelCase)."""
        # Amazon's clock reads whole seconds: successive records of a test are a millisecond apart at least.
        self.sequence += 1
        at = as_of or sandbox_now(self.inspector) + timedelta(milliseconds=self.sequence)
        return {"connectionId": self.connection_id, "sku": sku, "available": available, "asOf": at.isoformat(), **extra}

    def send(self, *records: dict[str, Any], as_event: bool = False) -> dict[str, Any]:
        """Hands records to the input function: one InventoryChanged event each, or one CLI batch."""
        if as_event:
            bodies = [
                (str(uuid.uuid4()), json.dumps({"detail-type": "InventoryChanged", "source": "erp", "detail": r}))
                for r in records
            ]
        else:
            bodies = [(str(uuid.uuid4()), json.dumps({"records": list(records)}))]
        return dict(input_module.lambda_handler(sqs_event(bodies), _context("inventory-input")))

    def drain(self, queue: str) -> list[tuple[str, str]]:
        """Every message on a queue (delays ignored: moto hands delayed ones over once due; tests wait for them)."""
        sqs, found = self.aws.client("sqs"), []
        while batch := sqs.receive_message(QueueUrl=self.urls[queue], MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                found.append((message["MessageId"], message["Body"]))
                sqs.delete_message(QueueUrl=self.urls[queue], ReceiptHandle=message["ReceiptHandle"])
        return found

    def run_feeds(self) -> int:
        """The changes queue into the feed function, as one big batch; returns the messages handed over."""
        return self._invoke("changes", feeds_module, batch=10_000)

    def run_fastlane(self) -> int:
        """The fast-lane queue into its function."""
        return self._invoke("fastlane", fastlane_module, batch=10)

    def run_results(self) -> int:
        """The results queue (feed checks) into its function."""
        return self._invoke("results", results_module, batch=1)

    def _invoke(self, queue: str, module: Any, batch: int) -> int:
        """As Lambda's event source: what the handler reports failed (or all, when it raises) goes back."""
        messages = self.drain(queue)
        sqs = self.aws.client("sqs")
        for start in range(0, len(messages), batch):
            chunk = messages[start : start + batch]
            try:
                answer = module.lambda_handler(sqs_event(chunk), _context(f"inventory-{queue}"))
                failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
            except Exception:  # noqa: BLE001 - the whole batch returns to the queue, as in Lambda
                failed = {message_id for message_id, _ in chunk}
            for message_id, body in chunk:
                if message_id in failed:
                    sqs.send_message(QueueUrl=self.urls[queue], MessageBody=body)
        self.invocations[queue] = self.invocations.get(queue, 0) + (len(messages) + batch - 1) // batch
        return len(messages)

    def finish_feeds(self) -> None:
        """Moves Amazon's clock past a feed's queue and processing time."""
        self.inspector.advance(120)

    def pump(self, rounds: int = 12, until: Callable[[], bool] | None = None) -> None:
        """Runs the lanes and results until nothing moves (or `until` holds), letting feeds finish in between."""
        for _ in range(rounds):
            moved = self.run_fastlane() + self.run_feeds()
            self.finish_feeds()
            moved += self.run_results()
            if until is not None and until():
                return
            if not moved and not self._delayed():
                return
            if not moved:
                self._wait_for_visible()

    def _wait_for_visible(self, limit: float = 5.0) -> None:
        """Waits until a delayed message of the lanes or results becomes visible (or none is left delayed)."""
        sqs, deadline = self.aws.client("sqs"), time.monotonic() + limit
        while time.monotonic() < deadline:
            counts = [
                sqs.get_queue_attributes(
                    QueueUrl=self.urls[queue],
                    AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"],
                )["Attributes"]
                for queue in ("changes", "fastlane", "results")
            ]
            if any(int(c.get("ApproximateNumberOfMessages", "0")) for c in counts) or not any(
                int(c.get("ApproximateNumberOfMessagesDelayed", "0")) for c in counts
            ):
                return
            time.sleep(0.1)

    def _delayed(self) -> bool:
        """Messages still to come: delayed, or visible already (a delay can run out between the lanes' receives and
        this look, and such a message would otherwise end the pump unread)."""
        sqs = self.aws.client("sqs")
        names = ["ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessages"]
        for queue in ("changes", "fastlane", "results"):
            attrs = sqs.get_queue_attributes(QueueUrl=self.urls[queue], AttributeNames=names)["Attributes"]
            if any(int(attrs.get(name, "0")) for name in names):
                return True
        return False

    def listing(self, sku: str, marketplace_id: str = UK) -> ListingRow:
        """What Amazon holds for a SKU."""
        return self.inspector.listing(self.seller.selling_partner_id, sku, marketplace_id)

    def skus(self) -> list[str]:
        """The seller's buyable MFN SKUs (no variation parents, no FBA)."""
        rows = self.inspector.listings(self.seller.selling_partner_id, UK)
        return sorted({r.sku for r in rows if not r.is_parent and r.fulfillment_channel == "DEFAULT"})

    def state(self, sku: str) -> SkuState | None:
        """What Seller Sync remembers for a SKU."""
        bucket_id = bucket_of(sku)
        return self.buckets.get_buckets(self.connection_id, [bucket_id])[bucket_id].bucket.skus.get(sku)

    def events(self) -> list[dict[str, Any]]:
        """Every inventory event published so far."""
        for _, body in self.drain("capture"):
            self.seen.append(json.loads(body))
        return self.seen

    def dead_letters(self, queue: str) -> list[dict[str, Any]]:
        """Messages on a DLQ, with their attributes."""
        sqs = self.aws.client("sqs")
        return sqs.receive_message(
            QueueUrl=self.urls[queue], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])

    def set_settings(self, settings: ConnectionSettings) -> None:
        """Replaces the connection's settings."""
        _, version = self.connections.get_versioned_settings(self.connection_id)
        self.connections.put_settings(self.connection_id, settings, expected_version=version)


def clear_handler_caches() -> None:
    """Forgets what the handlers built: the next invocation behaves as one in a fresh container."""
    clear_caches(HANDLERS)


@pytest.fixture
def world(
    local_aws: LocalAws, sandbox: SandboxServer, key_arn: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    """A connected EU seller with the inventory sync enabled, on fresh tables and queues."""
    dynamodb = local_aws.client("dynamodb")
    tables = {
        "connections": create_table(dynamodb, "connections", gsi1=True),
        "inventory": create_table(dynamodb, "inventory"),
        "feeds": create_table(dynamodb, "feeds", gsi1=True),
        "limits": create_table(dynamodb, "limits", sort_key=False),
    }
    urls: dict[str, str] = {}
    arns: dict[str, str] = {}
    for name in (
        "input_dlq",
        "changes",
        "changes_dlq",
        "fastlane",
        "fastlane_dlq",
        "results",
        "results_dlq",
        "capture",
        "notifications",
    ):
        urls[name], arns[name] = make_queue(local_aws, name)
    environment = local_aws.env() | {
        Env.SERVICE_NAME: "sellersync-inventory",
        Env.METRICS_NAMESPACE: "SellerSyncTest",
        Env.CONNECTIONS_TABLE: tables["connections"],
        Env.INVENTORY_TABLE: tables["inventory"],
        Env.FEEDS_TABLE: tables["feeds"],
        Env.RATE_LIMITS_TABLE: tables["limits"],
        Env.EVENT_BUS_NAME: capture_bus(local_aws, "sellersync.inventory", arns["capture"]),
        Env.LWA_SECRET_ARN: lwa_secret(local_aws),
        Env.KMS_KEY_ARN: key_arn,
        Env.INVENTORY_INPUT_DLQ_URL: urls["input_dlq"],
        Env.INVENTORY_CHANGES_QUEUE_URL: urls["changes"],
        Env.INVENTORY_CHANGES_DLQ_URL: urls["changes_dlq"],
        Env.INVENTORY_FASTLANE_QUEUE_URL: urls["fastlane"],
        Env.INVENTORY_FASTLANE_DLQ_URL: urls["fastlane_dlq"],
        Env.INVENTORY_RESULTS_QUEUE_URL: urls["results"],
        Env.INVENTORY_RESULTS_DLQ_URL: urls["results_dlq"],
        Env.INVENTORY_FEED_POLL_SECONDS: "1",
        Env.NOTIFICATIONS_QUEUE_ARN: arns["notifications"],
        Env.LWA_TOKEN_URL: f"{sandbox.url}/auth/o2/token",
        Env.SPAPI_ENDPOINT_URL: sandbox.url,
    }
    use_environment(monkeypatch, environment)
    inspector = SandboxInspector(sandbox.url)
    inspector.reset()
    import shared.runtime.inventory as runtime_module

    monkeypatch.setattr(runtime_module, "scaled_utc_clock", lambda *_: lambda: sandbox_now(inspector))
    clear_handler_caches()
    encryptor = KmsEncryptor(key_arn, local_aws.client("kms"))
    connections = ConnectionsRepository(tables["connections"], dynamodb, encryptor)
    seller = next(s for s in inspector.sellers() if s.region == "EU" and set(s.marketplace_ids) == {UK, DE})
    connection = connect_seller(connections, inspector, seller, "Inventory test shop", INVENTORY_ENABLED)
    with atomic_conditional_writes("put_item", "update_item"):
        yield World(
            aws=local_aws,
            inspector=inspector,
            seller=seller,
            connection_id=connection.connection_id,
            connections=connections,
            buckets=InventoryRepository(tables["inventory"], dynamodb),
            feeds=FeedsRepository(tables["feeds"], dynamodb),
            statuses=SyncStatusRepository(tables["connections"], dynamodb),
            urls=urls,
        )
    clear_handler_caches()


def price(value: str) -> Decimal:
    """A price as the models hold it."""
    return Decimal(value)
