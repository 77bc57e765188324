"""The hourly catalog sync on the real listings repository (moto in process): the first report sets the delta's
cursor, later runs apply the delta without a report until the reconciliation interval passes, a delta out of time is
continued from its saved cursor, and a delta over Amazon's cap asks for a report."""

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from shared.catalog.delta import OVERLAP
from shared.catalog.sync import CatalogSyncDeps, run
from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncJob
from shared.repositories.listings import ListingsRepository
from shared.spapi.models.listings import SearchListingsItemsQuery, SearchListingsItemsResponse
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws
from tests.unit.catalog.delta_api import FakeDeltaApi, dated
from tests.unit.catalog.test_catalog_sync import CONNECTION, CONTEXT, T0, UK, FakeReports, report

CID = CONNECTION.connection_id


@dataclass
class Amazon(FakeReports):
    """The reports and identifier reads of test_catalog_sync, and searchListingsItems by lastUpdatedAfter."""

    delta: FakeDeltaApi = field(default_factory=FakeDeltaApi)

    def search_listings_items(
        self, seller_id: str, query: SearchListingsItemsQuery, page_token: str | None = None
    ) -> SearchListingsItemsResponse:
        if query.identifiers:
            return self.listings.search_listings_items(seller_id, query, page_token)
        return self.delta.search_listings_items(seller_id, query, page_token)


@dataclass
class World:
    store: ListingsRepository
    amazon: Amazon = field(default_factory=Amazon)
    now: datetime = T0
    settings: ConnectionSettings = field(default_factory=ConnectionSettings)
    events: list[dict[str, Any]] = field(default_factory=list)
    continued: list[tuple[SyncJob, float]] = field(default_factory=list)
    metrics: list[tuple[str, float]] = field(default_factory=list)

    def add_metric(self, name: Any, unit: Any, value: float) -> None:
        self.metrics.append((str(name), value))

    def run(self, trigger: str = "schedule") -> dict[str, int]:
        deps = CatalogSyncDeps(
            store=self.store,
            api_for=lambda _: self.amazon,
            publish=self.events.extend,
            bus_name="bus",
            metrics=self,
            continue_later=lambda job, delay: self.continued.append((job, delay)),
            clock=lambda: self.now,
        )
        job = CONTEXT.job.model_copy(update={"trigger": trigger, "requested_at": self.now})
        return dict(run(replace(CONTEXT, job=job, settings=self.settings), deps).counts)

    def state(self) -> Any:
        return self.store.sync_state(CID, UK)

    def imported(self, *rows: tuple[str, str, str]) -> None:
        """The first import: the report requested, then applied at the next look."""
        self.run()
        self.amazon.status, self.amazon.body = "DONE", report(*rows)
        self.run("continuation")


@pytest.fixture
def world() -> Iterator[World]:
    with in_process_aws():
        client = boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        yield World(ListingsRepository(create_table(client, "listings", gsi1=True), client))


def test_the_first_delta_reads_from_the_reports_request_time_and_later_runs_need_no_report(world: World) -> None:
    first = world.run()
    assert first == {"reports_requested": 1, "reports_pending": 1}  # no delta before a report was applied
    assert world.amazon.delta.queries == []
    world.amazon.status, world.amazon.body = "DONE", report(("Mug", "MUG-0001", "3"))
    world.now = T0 + timedelta(minutes=2)
    counts = world.run("continuation")
    assert counts["added"] == 1 and counts["delta_windows"] == 1
    assert world.amazon.delta.queries[0][:2] == (T0 - OVERLAP, T0 + timedelta(minutes=2))
    assert world.state().delta_cursor == T0 + timedelta(minutes=2)

    world.events.clear()
    world.amazon.delta.update("MUG-0001", T0 + timedelta(minutes=30), quantity=9)
    world.now = T0 + timedelta(hours=1)
    counts = world.run()
    assert "reports_requested" not in counts and len(world.amazon.requested) == 1
    assert (counts["delta_read"], counts["delta_changed"]) == (1, 1)
    assert ("CatalogDeltaItems", 1) in world.metrics and ("ListingsChanged", 1) in world.metrics
    assert [e["DetailType"] for e in world.events] == ["ListingChanged"]
    stored = world.store.get(CID, UK, "MUG-0001")
    assert stored is not None and stored.quantity == 9
    assert (world.state().delta_cursor, world.state().last_delta_at) == (world.now, world.now)
    assert world.run("continuation").get("delta_windows") is None  # this job's delta ran: a continuation skips it

    world.now = T0 + timedelta(hours=2)
    world.events.clear()
    assert world.run()["delta_read"] == 0 and world.events == []  # the change is behind the overlap now


def test_a_report_is_asked_again_once_the_reconciliation_interval_passed(world: World) -> None:
    world.settings = ConnectionSettings(catalog_reconcile_hours=48)
    world.imported(("Mug", "MUG-0001", "3"))
    world.now = T0 + timedelta(hours=25)
    assert "reports_requested" not in world.run()
    world.now, world.amazon.status = T0 + timedelta(hours=48), "IN_QUEUE"
    counts = world.run()
    assert counts["reports_requested"] == 1 and counts["delta_windows"] == 1  # the delta runs beside the report
    assert world.state().report_id == "r2" and world.continued[-1][0].trigger == "continuation"
    waiting = len(world.continued)
    world.now += timedelta(hours=1)
    counts = world.run()  # the next hourly run: the report still pending, its continuation chain already waits
    assert counts["reports_pending"] == 1 and "reports_requested" not in counts and len(world.continued) == waiting
    assert world.run("continuation")["reports_pending"] == 1 and len(world.continued) == waiting + 1
    assert world.run("on_demand").get("reports_requested") is None  # one pending already: not asked twice


def test_a_delta_out_of_time_keeps_its_cursor_and_its_continuation_goes_on_without_a_report(world: World) -> None:
    world.imported(("Mug", "MUG-0001", "3"))
    start = world.state().delta_cursor
    world.amazon.delta.items = [dated(f"SKU-{n:04}", T0 + timedelta(seconds=n)) for n in range(50)]
    world.amazon.delta.out_of_time_at = len(world.amazon.delta.queries) + 3
    world.now = T0 + timedelta(hours=1)
    counts = world.run()
    assert counts["continued"] == 1 and counts["delta_added"] == 40
    assert world.continued[-1][0].trigger == "continuation" and world.continued[-1][1] == 2.0
    assert world.state().delta_cursor == T0 + timedelta(seconds=39) and start is not None
    assert world.state().last_delta_at == T0  # the delta of the import's run, not this unfinished one
    counts = world.run("continuation")
    assert "reports_requested" not in counts and counts["delta_added"] == 10
    assert world.state().delta_cursor == world.now
    assert len(list(world.store.list(CID, UK))) == 51


def test_a_delta_over_the_cap_within_one_second_asks_for_a_report(world: World) -> None:
    world.imported(("Mug", "MUG-0001", "3"))
    burst = T0 + timedelta(minutes=20)
    # SKUs over our 40 characters are read and skipped (counted invalid): the test stays off a thousand writes.
    world.amazon.delta.items = [dated(f"BULK-{n:05}-{'x' * 30}", burst) for n in range(1001)]
    world.amazon.status = "IN_QUEUE"
    world.now = T0 + timedelta(hours=1)
    counts = world.run()
    assert counts["delta_capped"] == 1 and counts["delta_read"] == 1000 and counts["delta_invalid"] == 1000
    assert counts["reports_requested"] == 1 and counts["reports_pending"] == 1
    assert world.continued[-1][0].trigger == "continuation"  # the report is looked at again soon
    assert ("CatalogDeltaCapped", 1) in world.metrics
