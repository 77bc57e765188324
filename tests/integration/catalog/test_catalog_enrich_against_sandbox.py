"""The catalog sync (shared/catalog/sync.py) through the real SP-API client against the local sandbox, with the
listings table in moto: every marketplace of the Moda seller (the second EU seller, whose catalog holds `MODA-MUG-ŁÓDŹ`
and titles the Cp1252 report can only garble) imported with the Listings Items API's re-reads. Every SKU is stored
with its exact characters, and handling days and families are the sandbox's; an import that runs out of time goes on
in its continuation and ends the same."""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from local.sandbox.generator import SEEDED_TEXT
from shared.catalog.sync import CatalogApi, CatalogSyncDeps, run
from shared.models.connection import Connection as StoredConnection
from shared.models.listings import FulfillmentChannel
from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncJob
from shared.repositories.listings import ListingsRepository
from shared.spapi.marketplaces import Region
from shared.spapi.models.listings import SearchListingsItemsQuery, SearchListingsItemsResponse
from shared.spapi.ratelimit import InMemoryRateLimiter
from shared.spapi.transport import RetryPolicy
from shared.sync.dependencies import JobContext
from tests.dynamodb import create_table
from tests.integration.spapi_sandbox import Recorder, SandboxTime, connect
from tests.moto_inprocess import in_process_aws

pytestmark = pytest.mark.integration

RETRY = RetryPolicy(max_attempts=20, base_delay=1.0, max_delay=8.0, jitter=lambda low, high: high)
T0 = datetime(2026, 12, 7, 3, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """One sandbox for the module, on real time: the client's sleeps and the polls move its clock."""
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)
    config = SandboxConfig(seed=17, time_scale=1.0, orders_per_hour=0, validate_responses=True)
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
class Deadline:
    """The Lambda's remaining time as the client sees it: plenty, until `searches_left` searchListingsItems calls
    have been made, then none (the client's next call raises OutOfTimeError before sending)."""

    searches_left: int | None = None

    def remaining_ms(self) -> int:
        return 0 if self.searches_left is not None and self.searches_left <= 0 else 900_000


@dataclass
class CountingApi:
    """The real client, with its searchListingsItems calls counted down on the deadline."""

    client: Any
    deadline: Deadline
    searches: list[str | None] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def search_listings_items(
        self, seller_id: str, query: SearchListingsItemsQuery, page_token: str | None = None
    ) -> SearchListingsItemsResponse:
        page = self.client.search_listings_items(seller_id, query, page_token)
        self.searches.append(query.identifiers_type)
        if self.deadline.searches_left is not None:
            self.deadline.searches_left -= 1
        return page


@dataclass
class Sync:
    inspector: SandboxInspector
    seller_id: str
    api: CountingApi
    store: ListingsRepository
    context: JobContext
    continued: list[tuple[SyncJob, float]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def until_done(self, on_run: Callable[[dict[str, int]], None] = lambda _: None) -> list[dict[str, int]]:
        """Runs the sync, and its continuations (moving sandbox time past the report's processing), until one sends
        none."""
        time, context = SandboxTime(self.inspector), self.context
        runs = []
        while True:
            deps = CatalogSyncDeps(
                store=self.store,
                api_for=lambda _: self.api,
                publish=self.events.extend,
                bus_name="bus",
                metrics=self,
                continue_later=lambda job, delay: self.continued.append((job, delay)),
                clock=lambda: T0,
            )
            before = len(self.continued)
            runs.append(dict(run(context, deps).counts))
            on_run(runs[-1])
            if len(self.continued) == before:
                return runs
            context = replace(self.context, job=self.continued[-1][0])
            assert len(runs) < 20, runs
            time.advance(30)

    def add_metric(self, name: Any, unit: Any, value: float) -> None:
        pass


def moda_sync(server: SandboxServer, store: ListingsRepository, deadline: Deadline) -> Sync:
    inspector = SandboxInspector(server.url)
    inspector.reset()
    seller = inspector.seller("EU", 1)
    time = SandboxTime(inspector)
    limiter = InMemoryRateLimiter(clock=time, sleep=time.sleep)
    conn = connect(
        server.url,
        seller.selling_partner_id,
        seller.marketplace_ids[0],
        inspector.authorize(seller.selling_partner_id),
        Recorder().session(),
        limiter,
        clock=time,
        sleep=time.sleep,
        retry=RETRY,
        remaining_time_ms=deadline.remaining_ms,
    )
    connection = StoredConnection(
        selling_partner_id=seller.selling_partner_id,
        region=Region.EU,
        name="moda",
        marketplace_ids=tuple(seller.marketplace_ids),
        authorized_at=T0,
        created_at=T0,
        updated_at=T0,
    )
    job = SyncJob(sync_type="catalog", connection_id=connection.connection_id, requested_at=T0)
    context = JobContext(job=job, connection=connection, settings=ConnectionSettings())
    api: CatalogApi = CountingApi(conn.client, deadline)
    return Sync(inspector, seller.selling_partner_id, api, store, context)  # type: ignore[arg-type]


def assert_catalog_is_the_sandboxs(sync: Sync) -> None:
    cid = sync.context.connection.connection_id
    for marketplace_id in sync.context.connection.marketplace_ids:
        at_amazon = {row.sku: row for row in sync.inspector.listings(sync.seller_id, marketplace_id)}
        stored = {listing.sku: listing for listing in sync.store.list(cid, marketplace_id)}
        assert set(stored) == set(at_amazon), marketplace_id  # exact characters, garbled rows included
        for sku, held in at_amazon.items():
            listing, merchant = stored[sku], held.fulfillment_channel == "DEFAULT"
            where = (marketplace_id, sku)
            assert (listing.parent_sku, listing.is_parent) == (held.parent_sku, held.is_parent), where
            assert listing.handling_days == (held.handling_days if merchant and not held.is_parent else None), where
            assert listing.fulfillment_channel is (
                FulfillmentChannel.MERCHANT if merchant else FulfillmentChannel.AMAZON
            ), where
            if held.is_parent:
                assert (listing.quantity, listing.price) == (None, None), where
            assert listing.asin == held.asin, where
        for exact_sku, title in SEEDED_TEXT["MODA"].values():
            if exact_sku in stored:
                assert stored[exact_sku].title == title, where


def test_every_moda_listing_is_stored_exactly_with_its_family_and_handling_days(
    server: SandboxServer, store: ListingsRepository
) -> None:
    sync = moda_sync(server, store, Deadline())
    runs = sync.until_done()
    assert_catalog_is_the_sandboxs(sync)
    last = runs[-1]
    assert last["garbled"] == 0 and last["problems"] == 0 and last["added"] == last["rows"]
    # The report's re-reads by identifiers (the searches without identifiers are the hourly delta's).
    reads = [kind for kind in sync.api.searches if kind is not None]
    assert last["api_reads"] == len(reads) and "ASIN" in reads
    assert "MODA-MUG-ŁÓDŹ" in {x.sku for x in store.list(sync.context.connection.connection_id, "A1PA6795UKMFR9")}

    sync.api.searches.clear()
    sync.context = replace(sync.context, job=sync.context.job.model_copy(update={"trigger": "on_demand"}))
    again = sync.until_done()  # the next report (asked for on demand): nothing changed, nothing written
    assert again[-1]["unchanged"] == last["added"] and again[-1]["added"] == again[-1]["changed"] == 0
    assert again[-1]["removed"] == 0


def test_an_import_out_of_time_is_continued_and_ends_the_same(server: SandboxServer, store: ListingsRepository) -> None:
    deadline = Deadline(searches_left=1)
    sync = moda_sync(server, store, deadline)
    cid, marketplace_ids = sync.context.connection.connection_id, sync.context.connection.marketplace_ids
    interrupted: list[str] = []
    lambdas: list[int] = []

    def next_lambda(counts: dict[str, int]) -> None:
        # A new Lambda for each continuation, alternately out of time after one search (inside a marketplace's import:
        # its batch has garbled rows, so it needs two) and after three (its import, then its delta: between
        # marketplaces).
        interrupted.extend(m for m in marketplace_ids if "resume_entries" in store.sync_state(cid, m).counts)
        lambdas.append(1)
        deadline.searches_left = 1 if len(lambdas) % 2 else 3

    runs = sync.until_done(next_lambda)
    assert len(interrupted) >= 2 and sum(r.get("continued", 0) for r in runs) >= 4, runs
    assert sum(r.get("reports_requested", 0) for r in runs) == len(marketplace_ids)  # no report requested twice
    assert_catalog_is_the_sandboxs(sync)
    added = sum(len(list(store.list(cid, m))) for m in marketplace_ids)
    assert len([e for e in sync.events if e["DetailType"] == "ListingAdded"]) == added  # one event each, none twice
