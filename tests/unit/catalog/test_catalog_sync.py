"""The catalog sync type on the real listings repository (moto in process) with a fake Reports API: a report requested
and waited for across runs, applied once done, re-applied without a write, deletions and failures."""

import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from shared.catalog.sync import CatalogSyncDeps, run
from shared.models.connection import Connection
from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncJob
from shared.repositories.listings import ListingsRepository
from shared.spapi.client import DocumentStream
from shared.spapi.marketplaces import Region
from shared.spapi.models.listings import SearchListingsItemsQuery, SearchListingsItemsResponse
from shared.spapi.models.reports import CreateReportRequest, CreateReportResponse, Report, ReportDocument
from shared.sync.dependencies import JobContext
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws
from tests.unit.catalog.listings_api import FakeListingsApi, item

T0 = datetime(2026, 12, 7, 3, 15, tzinfo=UTC)
UK = "A1F83G8C2ARO7P"
HEADER = "item-name\tseller-sku\tprice\tquantity\tasin1\tfulfillment-channel\tstatus"


def report(*rows: tuple[str, str, str]) -> bytes:
    """A gzipped Cp1252 report of (title, sku, quantity) rows, merchant-fulfilled and active."""
    lines = [HEADER] + [f"{title}\t{sku}\t9.99\t{qty}\tB0{sku[-4:]:0>8}\tDEFAULT\tActive" for title, sku, qty in rows]
    return gzip.compress(("\n".join(lines) + "\n").encode("cp1252", errors="replace"))


@dataclass
class FakeReports:
    """createReport / getReport / getReportDocument / the document, as a test scripts them; searchListingsItems."""

    status: str = "IN_QUEUE"
    body: bytes = b""
    requested: list[CreateReportRequest] = field(default_factory=list)
    listings: FakeListingsApi = field(default_factory=FakeListingsApi)
    documents: int = 0

    def search_listings_items(
        self, seller_id: str, query: SearchListingsItemsQuery, page_token: str | None = None
    ) -> SearchListingsItemsResponse:
        return self.listings.search_listings_items(seller_id, query, page_token)

    def create_report(self, body: CreateReportRequest) -> CreateReportResponse:
        self.requested.append(body)
        return CreateReportResponse(report_id=f"r{len(self.requested)}")

    def get_report(self, report_id: str) -> Report:
        done = self.status == "DONE"
        return Report(
            report_id=report_id,
            report_type="GET_MERCHANT_LISTINGS_ALL_DATA",
            created_time=T0,
            processing_status=self.status,
            report_document_id="doc-1" if done else None,
        )

    def get_report_document(self, report_document_id: str) -> ReportDocument:
        self.documents += 1
        return ReportDocument(
            report_document_id=report_document_id, url="https://download", compression_algorithm="GZIP"
        )

    def stream_document(self, document: ReportDocument) -> DocumentStream:
        return DocumentStream(content_type="text/plain;charset=Cp1252", chunks=iter([self.body[:7], self.body[7:]]))


@dataclass
class World:
    store: ListingsRepository
    reports: FakeReports = field(default_factory=FakeReports)
    events: list[dict[str, Any]] = field(default_factory=list)
    continued: list[tuple[SyncJob, float]] = field(default_factory=list)
    metrics: list[tuple[str, float]] = field(default_factory=list)

    def add_metric(self, name: Any, unit: Any, value: float) -> None:
        self.metrics.append((str(name), value))

    def run(self, trigger: str = "schedule") -> dict[str, int]:
        deps = CatalogSyncDeps(
            store=self.store,
            api_for=lambda _: self.reports,
            publish=self.events.extend,
            bus_name="bus",
            metrics=self,
            continue_later=lambda job, delay: self.continued.append((job, delay)),
            clock=lambda: T0,
        )
        context = replace(CONTEXT, job=CONTEXT.job.model_copy(update={"trigger": trigger}))
        return dict(run(context, deps).counts)


CONNECTION = Connection(
    selling_partner_id="A1SELLER",
    region=Region.EU,
    name="shop",
    marketplace_ids=(UK,),
    authorized_at=T0,
    created_at=T0,
    updated_at=T0,
)
CONTEXT = JobContext(
    job=SyncJob(sync_type="catalog", connection_id=CONNECTION.connection_id, requested_at=T0),
    connection=CONNECTION,
    settings=ConnectionSettings(),
)


@pytest.fixture
def world() -> Iterator[World]:
    with in_process_aws():
        client = boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        yield World(ListingsRepository(create_table(client, "listings", gsi1=True), client))


def test_a_report_is_requested_once_waited_for_and_applied(world: World) -> None:
    assert world.run() == {"reports_requested": 1, "reports_pending": 1}
    assert len(world.continued) == 1 and world.continued[0][0].trigger == "continuation"
    assert world.continued[0][1] == 15  # just requested: the first look soon
    assert world.run() == {"reports_pending": 1}  # the same report: no second request
    assert len(world.reports.requested) == 1
    world.reports.status, world.reports.body = "DONE", report(("Mug", "MUG-0001", "3"), ("Tee Ünï✓", "TEE-0002", "5"))
    counts = world.run()
    # The API knows neither SKU here: the clean row is written from the report, the garbled one stays unresolved.
    assert (counts["rows"], counts["added"], counts["garbled"], counts["api_reads"]) == (2, 1, 1, 1)
    (mug,) = list(world.store.list(CONNECTION.connection_id, UK))
    assert (mug.sku, mug.quantity, mug.title) == ("MUG-0001", 3, "Mug")
    assert [e["DetailType"] for e in world.events] == ["ListingAdded"]
    assert world.store.sync_state(CONNECTION.connection_id, UK).last_report_at == T0


def test_the_same_report_again_writes_nothing_and_a_listing_gone_from_it_is_removed(world: World) -> None:
    world.reports.status, world.reports.body = "DONE", report(("Mug", "MUG-0001", "3"), ("Cap", "CAP-0003", "1"))
    world.run()
    world.events.clear()
    assert world.run("on_demand")["unchanged"] == 2 and world.events == []
    world.reports.body = report(("Mug", "MUG-0001", "4"))
    counts = world.run("on_demand")
    assert (counts["changed"], counts["removed"]) == (1, 1)
    assert sorted(e["DetailType"] for e in world.events) == ["ListingChanged", "ListingRemoved"]
    assert [x.sku for x in world.store.list(CONNECTION.connection_id, UK)] == ["MUG-0001"]


def test_a_failed_report_is_counted_and_asked_again_next_run(world: World) -> None:
    world.reports.status = "FATAL"
    counts = world.run()
    assert counts == {"reports_requested": 1, "reports_failed": 1} and world.continued == []
    world.reports.status = "IN_QUEUE"
    assert world.run()["reports_requested"] == 1 and len(world.reports.requested) == 2


def test_a_report_import_out_of_time_is_continued_from_where_it_stopped(world: World) -> None:
    skus = [f"SKU-{n:04}" for n in range(30)]
    world.reports.status, world.reports.body = "DONE", report(*[(f"Item {s}", s, "2") for s in skus])
    world.reports.listings = FakeListingsApi([item(s, f"B0{s[-4:]:0>8}", handling=4) for s in skus], out_of_time_at=2)
    counts = world.run()
    assert counts == {"reports_requested": 1, "continued": 1}
    assert world.continued[-1][0].trigger == "continuation" and world.continued[-1][1] == 1.5
    state = world.store.sync_state(CONNECTION.connection_id, UK)
    assert state.report_id == "r1" and state.counts["resume_entries"] == 20 and state.counts["added"] == 20
    assert len(list(world.store.list(CONNECTION.connection_id, UK))) == 20

    counts = world.run()  # the continuation: the same report, from entry 21
    assert (counts["rows"], counts["added"], counts["api_reads"], counts["removed"]) == (30, 30, 2, 0)
    assert len(world.reports.requested) == 1 and world.reports.documents == 2
    state = world.store.sync_state(CONNECTION.connection_id, UK)
    assert state.report_id is None and "resume_entries" not in state.counts
    listings = list(world.store.list(CONNECTION.connection_id, UK))
    assert len(listings) == 30 and {x.handling_days for x in listings} == {4}
    assert len(world.events) == 30


def test_a_continuation_finishes_pending_reports_and_never_requests_one(world: World) -> None:
    continuation = replace(CONTEXT, job=CONTEXT.job.model_copy(update={"trigger": "continuation"}))
    deps = CatalogSyncDeps(
        store=world.store,
        api_for=lambda _: world.reports,
        publish=world.events.extend,
        bus_name="bus",
        metrics=world,
        continue_later=lambda job, delay: world.continued.append((job, delay)),
        clock=lambda: T0,
    )
    assert dict(run(continuation, deps).counts) == {} and world.reports.requested == []
    world.run()  # a scheduled run asks
    assert len(world.reports.requested) == 1 and dict(run(continuation, deps).counts) == {"reports_pending": 1}


def test_a_failed_report_drops_the_resume_point_of_its_interrupted_import(world: World) -> None:
    world.reports.status, world.reports.body = "DONE", report(*[(f"T {n}", f"SKU-{n:04}", "1") for n in range(25)])
    world.reports.listings = FakeListingsApi(out_of_time_at=2)
    world.run()
    assert world.store.sync_state(CONNECTION.connection_id, UK).counts["resume_entries"] == 20
    world.reports.status = "FATAL"  # the pending report is gone: the next one starts from its first row
    world.run()
    assert "resume_entries" not in world.store.sync_state(CONNECTION.connection_id, UK).counts
    world.reports.status = "DONE"
    counts = world.run()
    assert (counts["rows"], counts["added"]) == (25, 5) and counts["unchanged"] == 20
