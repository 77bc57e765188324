"""The catalog sync against Amazon misbehaving, through the real SP-API client and the local sandbox (its own server,
its clock moved only by this module), with the listings table in moto:

- a report that never finishes (stays IN_QUEUE, or IN_PROGRESS) is given up after MAX_PENDING on the sync's clock
  (injected: nothing waits two hours), cancelled when Amazon allows it, and the next run's report imports the catalog;
- a FATAL report's error document text is in the status detail, and the next run imports;
- a 429 storm and a 500 storm on searchListingsItems in the middle of the re-reads (and on getReport), short enough
  for the client's retries or longer than them (the run fails, the job is delivered again): the import completes
  with the sandbox's catalog exactly, every listing announced once, nothing lost.
"""

import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from shared.catalog.report_fetch import MAX_PENDING
from shared.catalog.sync import CatalogSyncDeps, run
from shared.models.sync import SyncJob
from shared.repositories.listings import ListingsRepository
from shared.spapi.errors import ServerError, ThrottledError
from shared.spapi.models.listings import SearchListingsItemsQuery, SearchListingsItemsResponse
from shared.sync.dependencies import JobContext, RunReport
from tests.dynamodb import create_table
from tests.integration.catalog.test_catalog_enrich_against_sandbox import (
    T0,
    Deadline,
    assert_catalog_is_the_sandboxs,
    moda_sync,
)
from tests.integration.spapi_sandbox import SandboxTime
from tests.moto_inprocess import in_process_aws

pytestmark = pytest.mark.integration

SEARCH = "searchListingsItems"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """One sandbox for the module, on real time: the client's sleeps and the test's steps move its clock."""
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)
    config = SandboxConfig(seed=18, time_scale=1.0, orders_per_hour=0, validate_responses=True)
    with SandboxServer(config) as running:
        yield running
    werkzeug.setLevel(level)


@pytest.fixture
def store() -> Iterator[ListingsRepository]:
    with in_process_aws():
        client = boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        yield ListingsRepository(create_table(client, "listings", gsi1=True), client)


@dataclass
class StormAfter:
    """The real client; after `after` searchListingsItems calls, a storm of `calls` answers `status` starts."""

    client: Any
    inspector: SandboxInspector
    seller_id: str
    after: int | None = None
    status: int = 429
    calls: int = 0
    searches: int = 0
    earlier: list[dict[str, Any]] = field(default_factory=list)  # the storms before this one, with calls left

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def search_listings_items(
        self, seller_id: str, query: SearchListingsItemsQuery, page_token: str | None = None
    ) -> SearchListingsItemsResponse:
        page = self.client.search_listings_items(seller_id, query, page_token)
        self.searches += 1
        if self.searches == self.after:
            storms = [{"seller_id": self.seller_id, "operation": SEARCH, "status": self.status, "calls": self.calls}]
            self.earlier = self.inspector.storms()
            self.inspector.set_faults(storms=storms)
        return page


@dataclass
class Robust:
    """The Moda seller's sync with a clock the test sets, its runs and everything it published."""

    inspector: SandboxInspector
    seller_id: str
    api: StormAfter
    store: ListingsRepository
    context: JobContext
    now: datetime = T0
    continued: list[tuple[SyncJob, float]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)

    def deps(self) -> CatalogSyncDeps:
        return CatalogSyncDeps(
            store=self.store,
            api_for=lambda _: self.api,
            publish=self.events.extend,
            bus_name="bus",
            metrics=self,
            continue_later=lambda job, delay: self.continued.append((job, delay)),
            clock=lambda: self.now,
        )

    def once(self, context: JobContext | None = None) -> RunReport:
        return run(context or self.context, self.deps())

    def until_done(self) -> list[RunReport]:
        """A scheduled run, then its continuations (sandbox time moved 30 s between them); a run that fails is run
        again (the work queue delivers the job again)."""
        context, reports = self.context, []
        while True:
            before = len(self.continued)
            try:
                reports.append(run(context, self.deps()))
            except (ServerError, ThrottledError) as exc:
                self.failures.append(exc)
                assert len(self.failures) < 5, self.failures
                continue
            if len(self.continued) == before:
                return reports
            context = replace(self.context, job=self.continued[-1][0])
            assert len(reports) < 20, reports
            SandboxTime(self.inspector).advance(30)
            self.now += timedelta(seconds=30)

    def add_metric(self, name: Any, unit: Any, value: float) -> None:
        pass

    def announced(self) -> Counter[tuple[str, str, str]]:
        """(event type, marketplace, SKU) of every event published."""
        found: Counter[tuple[str, str, str]] = Counter()
        for entry in self.events:
            body = json.loads(entry["Detail"])
            found[entry["DetailType"], body["marketplace_id"], body["sku"]] += 1
        return found


def robust(server: SandboxServer, store: ListingsRepository) -> Robust:
    sync = moda_sync(server, store, Deadline())
    api = StormAfter(sync.api.client, sync.inspector, sync.seller_id)
    return Robust(sync.inspector, sync.seller_id, api, store, sync.context)


def assert_imported_once(sync: Robust) -> None:
    """The stored catalog is the sandbox's, and every listing was announced exactly once, as added."""
    assert_catalog_is_the_sandboxs(sync)  # type: ignore[arg-type]
    cid = sync.context.connection.connection_id
    stored = {
        ("ListingAdded", mkt, x.sku)
        for mkt in sync.context.connection.marketplace_ids
        for x in sync.store.list(cid, mkt)
    }
    announced = sync.announced()
    assert set(announced) == stored and set(announced.values()) == {1}


@pytest.mark.parametrize(
    ("outcome", "stuck", "cancelled"),
    [("stays_in_queue", "CANCELLED", True), ("stays_in_progress", "IN_PROGRESS", False)],
)
def test_a_report_that_never_finishes_is_given_up_and_the_next_run_imports(
    server: SandboxServer, store: ListingsRepository, outcome: str, stuck: str, cancelled: bool
) -> None:
    sync = robust(server, store)
    mkts = sync.context.connection.marketplace_ids
    sync.inspector.report_outcome(sync.seller_id, outcome)
    first = sync.once()
    assert first.counts == {"reports_requested": len(mkts), "reports_pending": len(mkts)}
    SandboxTime(sync.inspector).advance(20)  # past IN_QUEUE (a third of the 45 s) for one that would leave it
    sync.now += MAX_PENDING - timedelta(minutes=1)
    continuation = replace(sync.context, job=sync.continued[-1][0])
    assert sync.once(continuation).counts == {"reports_pending": len(mkts)}  # still within the limit: waited for

    sync.now += timedelta(minutes=2)
    given_up = sync.once(continuation)

    assert given_up.counts == {"reports_abandoned": len(mkts)}
    for mkt in mkts:
        detail = given_up.details[mkt]
        assert detail.startswith("report ABANDONED: ") and "the next run requests a new one" in detail
        assert ("given up and cancelled" in detail) == cancelled
        assert sync.store.sync_state(sync.context.connection.connection_id, mkt).report_id is None
    assert [r.status for r in sync.inspector.reports(sync.seller_id)] == [stuck] * len(mkts)
    assert list(sync.store.list(sync.context.connection.connection_id, mkts[0])) == []

    sync.inspector.report_outcome(sync.seller_id, None)
    reports = sync.until_done()
    assert reports[0].counts["reports_requested"] == len(mkts)
    assert_imported_once(sync)


def test_a_fatal_reports_error_text_is_in_the_detail_and_the_next_run_imports(
    server: SandboxServer, store: ListingsRepository
) -> None:
    sync = robust(server, store)
    mkts = sync.context.connection.marketplace_ids
    sync.inspector.report_outcome(sync.seller_id, "fatal")

    failed = sync.until_done()[-1]

    assert failed.counts == {"reports_failed": len(mkts)}
    for mkt in mkts:
        assert failed.details[mkt].startswith("report FATAL: Amazon could not produce the report: The report ")
        assert "could not be generated due to an internal error" in failed.details[mkt]
    sync.inspector.report_outcome(sync.seller_id, None)
    sync.until_done()
    assert_imported_once(sync)


@pytest.mark.parametrize(
    ("status", "calls"),
    [(429, 6), (500, 6), (429, 45), (500, 45)],
    ids=["429-within-retries", "500-within-retries", "429-past-retries", "500-past-retries"],
)
def test_a_storm_during_the_re_reads_loses_nothing_and_duplicates_nothing(
    server: SandboxServer, store: ListingsRepository, status: int, calls: int
) -> None:
    sync = robust(server, store)
    sync.api.after, sync.api.status, sync.api.calls = 2, status, calls
    storm = [{"seller_id": sync.seller_id, "operation": "getReport", "status": status, "calls": 3}]
    sync.inspector.set_faults(storms=storm)  # getReport first, then searchListingsItems after two re-reads

    reports = sync.until_done()

    assert_imported_once(sync)
    assert [(s["operation"], s["left"]) for s in sync.api.earlier] == [("getReport", 0)]
    assert [(s["operation"], s["left"]) for s in sync.inspector.storms()] == [(SEARCH, 0)]
    assert bool(sync.failures) == (calls > 20)  # past the client's 20 attempts a run fails and is run again
    assert sum(r.counts.get("reports_requested", 0) for r in reports) >= len(sync.context.connection.marketplace_ids)
