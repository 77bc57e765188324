"""The DynamoDB writes of an orders run, counted on the real cursor and status repositories (moto in process).

An idle run (no orders at Amazon) makes four writes to the connections table: the lease, the status item's start and
outcome, and the new watermark saved with the lease given back. A run that pages still saves its cursor after every
page that has a next token, so a crash resumes there.
"""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from shared.models.sync import SyncJob, SyncState
from shared.orders.sync import PollingConfig, orders_sync
from shared.repositories.order_cursor import OrderCursorRepository, OrdersCursor
from shared.repositories.sync_status import SyncStatusRepository
from shared.spapi.errors import ServerError
from shared.sync.dependencies import SyncDependencies
from shared.sync.events import SyncResult
from shared.sync.jobs import run_job
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws
from tests.unit.orders.amazon import CID, SELLER, amazon_order, search_page
from tests.unit.orders.fakes import make_logger
from tests.unit.orders.sync_harness import FIRST_BEFORE, SETTINGS, SyncHarness
from tests.unit.sync.fakes import FakeConnections, FakeMetrics, FakeQueue, connection

WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
LEASE = ("UpdateItem", "CURSOR#orders")
STATUS = ("UpdateItem", "SYNC#orders")


@dataclass
class World:
    """The orders sync on fakes at Amazon's side, on real repositories at DynamoDB's; `writes` as they went out."""

    client: Any
    table: str
    orders: SyncHarness = field(default_factory=SyncHarness)
    writes: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cursors = OrderCursorRepository(self.table, self.client)
        self.client.meta.events.register("before-call.dynamodb", self._count)

    def _count(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name in WRITES:
            self.writes.append((model.name, json.loads(params["body"])["Key"]["sk"]["S"]))

    def run(self) -> SyncResult:
        """One scheduled job through the runner, as the sync function runs it."""
        now = self.orders.sinks.clock()
        connections = FakeConnections()
        connections.add(connection(SELLER), SETTINGS)
        deps = SyncDependencies(
            definition=orders_sync(replace(self.orders.deps, cursors=self.cursors)),
            connections=connections,
            statuses=SyncStatusRepository(self.table, self.client),
            queue=FakeQueue(),
            metrics=FakeMetrics(),
            logger=make_logger(),
            clock=lambda: now,
        )
        return run_job(SyncJob(sync_type="orders", connection_id=CID, requested_at=now), deps)

    def item(self) -> dict[str, Any]:
        key = {"pk": {"S": f"CONN#{CID}"}, "sk": {"S": "CURSOR#orders"}}
        return dict(self.client.get_item(TableName=self.table, Key=key).get("Item", {}))

    def lease_is_free(self, at: datetime) -> bool:
        """Whether another run could take the lease now (the probe gives it back; its writes are not counted)."""
        counted, probe = len(self.writes), f"probe-{uuid.uuid4().hex}"
        taken = self.cursors.acquire(CID, probe, at + PollingConfig().lease, at) is not None
        self.cursors.release(CID, probe)
        del self.writes[counted:]
        return taken


@pytest.fixture
def world() -> Iterator[World]:
    with in_process_aws():
        client = boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        yield World(client, create_table(client, "connections", gsi1=True))


def test_an_idle_run_makes_four_writes_and_leaves_the_lease_free(world: World) -> None:
    # Given a connection whose first run is done, and no orders at Amazon
    world.orders.api.pages[None] = search_page([])
    assert world.run().state is SyncState.OK
    world.writes.clear()
    world.orders.sinks.clock.advance(minutes=15)

    # When the next scheduled run finds nothing new
    result = world.run()

    # Then it wrote the lease, the status item twice, and the watermark with the lease given back; nothing else
    assert result.state is SyncState.OK and result.counts["window_complete"] == 1
    assert world.writes == [LEASE, STATUS, LEASE, STATUS]
    later = FIRST_BEFORE + timedelta(minutes=15)
    assert world.cursors.get(CID) == OrdersCursor(watermark=later)
    assert not {"lease_owner", "lease_until", "window_after", "next_token"} & set(world.item())
    assert world.lease_is_free(world.orders.sinks.clock())


def test_the_first_run_without_orders_also_makes_four_writes(world: World) -> None:
    world.orders.api.pages[None] = search_page([])

    assert world.run().state is SyncState.OK

    assert world.writes == [LEASE, STATUS, LEASE, STATUS]
    assert world.cursors.get(CID) == OrdersCursor(watermark=FIRST_BEFORE)


def test_a_run_that_pages_saves_each_next_token_before_asking_for_its_page(world: World) -> None:
    world.orders.api.pages = {
        None: search_page([amazon_order("028-0000001-0000001")], "t1"),
        "t1": search_page([amazon_order("028-0000002-0000002")], "t2"),
        "t2": search_page([]),
    }
    stored: list[str | None] = []
    world.orders.api.on_search = lambda: stored.append((world.cursors.get(CID) or OrdersCursor()).next_token)

    result = world.run()

    assert result.state is SyncState.OK and result.counts["pages"] == 3
    assert stored == [None, "t1", "t2"]
    assert world.writes == [LEASE, STATUS, LEASE, LEASE, LEASE, STATUS]  # two tokens, then watermark + release
    assert world.cursors.get(CID) == OrdersCursor(watermark=FIRST_BEFORE)


def test_a_crash_after_a_saved_token_releases_the_lease_and_the_next_run_resumes_at_that_page(world: World) -> None:
    world.orders.api.pages = {
        None: search_page([amazon_order("028-0000001-0000001")], "t1"),
        "t1": search_page([amazon_order("028-0000002-0000002")]),
    }
    world.orders.api.errors["t1"] = [ServerError(503, "ServiceUnavailable", "down", operation="searchOrders")]

    with pytest.raises(ServerError):
        world.run()

    # The failed run saved page 1's token, recorded its error and gave the lease back (a write of its own)
    assert world.writes == [LEASE, STATUS, LEASE, STATUS, LEASE]
    saved = world.cursors.get(CID)
    assert saved is not None and saved.next_token == "t1" and saved.watermark is None
    assert world.lease_is_free(world.orders.sinks.clock())
    world.orders.sinks.clock.advance(minutes=15)

    resumed = world.run()

    assert resumed.state is SyncState.OK and resumed.counts["pages"] == 1
    assert [token for _, _, token in world.orders.searched()] == [None, "t1", "t1"]
    assert world.cursors.get(CID) == OrdersCursor(watermark=FIRST_BEFORE)
    assert set(world.orders.sinks.store.items) == {"028-0000001-0000001", "028-0000002-0000002"}
