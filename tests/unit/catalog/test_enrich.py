"""A report applied with the Listings Items API re-reads (shared/catalog/enrich.py through report_import.apply_report),
on the real listings repository (moto) with a fake searchListingsItems: batches of 20, garbled rows by ASIN, the API's
values winning, families, counts, and an import that runs out of time going on where it stopped."""

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.catalog.enrich import ItemReader, match_garbled
from shared.catalog.report import ReportListing
from shared.catalog.report_import import ImportCounts, ImportInterruptedError, apply_report
from shared.models.listings import FulfillmentChannel, ListingStatus
from shared.repositories.listings import ListingsRepository
from shared.spapi.errors import ThrottledError
from shared.spapi.models.listings import ListingsPagination
from tests.dynamodb import create_table
from tests.unit.catalog.listings_api import UK, FakeListingsApi, item

NOW = datetime(2026, 12, 7, 3, 15, tzinfo=UTC)
CID = "conn-1"


def row(
    sku: str, asin: str, line: int = 1, *, title: str | None = None, garbled: bool = False, **kw: Any
) -> ReportListing:
    values: dict[str, Any] = {"price": Decimal("9.99"), "quantity": 3, "status": "Active"}
    values |= {"fulfillment_channel": FulfillmentChannel.MERCHANT} | kw
    return ReportListing(
        line=line, seller_sku=sku, asin=asin, title=title or f"{sku} report", garbled=garbled, **values
    )


class Sink:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.metrics: list[tuple[str, float]] = []

    def publish(self, entries: Any) -> None:
        self.events.extend(entries)

    def add_metric(self, name: Any, unit: Any, value: float) -> None:
        self.metrics.append((str(name), value))


@pytest.fixture
def store() -> Iterator[ListingsRepository]:
    with mock_aws():
        client = boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        yield ListingsRepository(create_table(client, "listings", gsi1=True), client)


def apply(
    store: ListingsRepository, rows: list[ReportListing], api: FakeListingsApi, sink: Sink, **kw: Any
) -> ImportCounts:
    reader = ItemReader(api, "A1SELLER", UK)
    return apply_report(CID, UK, rows, store, sink.publish, "bus", NOW, sink, reader, **kw)


def stored(store: ListingsRepository) -> dict[str, Any]:
    return {listing.sku: listing for listing in store.list(CID, UK)}


def test_clean_rows_are_read_by_sku_twenty_a_call_and_the_api_values_win(store: ListingsRepository) -> None:
    rows = [row(f"SKU-{n:03}", f"B{n:09}", n) for n in range(45)]
    api = FakeListingsApi([item(f"SKU-{n:03}", f"B{n:09}", handling=n % 5, issues=("W1",)) for n in range(45)])
    sink = Sink()
    counts = apply(store, rows, api, sink)
    assert [(kind, len(ids)) for kind, ids, _ in api.calls] == [("SKU", 20), ("SKU", 20), ("SKU", 5)]
    assert (counts.rows, counts.added, counts.api_reads, counts.garbled) == (45, 45, 3, 0)
    assert sum(v for name, v in sink.metrics if name == "CatalogApiReads") == 3
    listing = stored(store)["SKU-007"]
    # quantity, price, title and handling days from the API, not the report's 3 / 9.99 / "... report"
    assert (listing.quantity, listing.price, listing.handling_days) == (7, Decimal("12.5"), 2)
    assert listing.title == "SKU-007 title" and [i.code for i in listing.issues] == ["W1"]
    assert listing.status is ListingStatus.BUYABLE


def test_a_row_the_api_does_not_return_is_written_from_the_report(store: ListingsRepository) -> None:
    counts = apply(store, [row("GONE-1", "B000000001")], FakeListingsApi(), Sink())
    assert counts.added == 1 and stored(store)["GONE-1"].quantity == 3 and stored(store)["GONE-1"].handling_days is None


def test_garbled_rows_are_read_by_asin_and_stored_with_the_exact_sku_and_title(store: ListingsRepository) -> None:
    exact = "MODA-MUG-ŁÓDŹ"
    reported = exact.encode("cp1252", errors="replace").decode("cp1252")
    assert reported == "MODA-MUG-?ÓD?"
    rows = [row("CLEAN-1", "B000000001"), row(reported, "B0MUG00001", 2, title="????", garbled=True)]
    api = FakeListingsApi([item("CLEAN-1", "B000000001"), item(exact, "B0MUG00001", title="保温マグカップ 450ml")])
    counts = apply(store, rows, api, Sink())
    assert [(kind, ids) for kind, ids, _ in api.calls] == [("SKU", ["CLEAN-1"]), ("ASIN", ["B0MUG00001"])]
    assert (counts.added, counts.garbled, counts.api_reads) == (2, 0, 2)
    assert stored(store)[exact].title == "保温マグカップ 450ml" and stored(store)[exact].handling_days == 2


def test_a_garbled_title_with_a_clean_sku_is_read_by_sku(store: ListingsRepository) -> None:
    api = FakeListingsApi([item("LANTERN", "B000000009", title="Laterne ✓")])
    counts = apply(store, [row("LANTERN", "B000000009", title="Laterne ?", garbled=True)], api, Sink())
    assert api.calls == [("SKU", ["LANTERN"], None)] and counts.garbled == 0
    assert stored(store)["LANTERN"].title == "Laterne ✓"


def test_an_unresolved_garbled_row_stays_counted_and_its_stored_listing_is_kept(store: ListingsRepository) -> None:
    exact = "MUG-Ł"
    api = FakeListingsApi([item(exact, "B0MUG00001")])
    apply(store, [row("MUG-?", "B0MUG00001", garbled=True)], api, Sink())
    assert list(stored(store)) == [exact]
    api.items = []  # the API no longer answers for it: nothing to take exact characters from
    counts = apply(store, [row("MUG-?", "B0MUG00001", garbled=True)], api, Sink())
    assert (counts.garbled, counts.removed, counts.added) == (1, 0, 0) and list(stored(store)) == [exact]


def test_an_asin_naming_many_skus_is_paged_and_the_garbled_row_matched_by_spelling(store: ListingsRepository) -> None:
    api = FakeListingsApi(
        [item(f"OTHER-{n}", "B0SHARED01") for n in range(4)] + [item("X-Ź", "B0SHARED01")], page_cap=2
    )
    apply(store, [row("X-?", "B0SHARED01", garbled=True)], api, Sink())
    assert [token for _, _, token in api.calls] == [None, "2", "4"]
    assert list(stored(store)) == ["X-Ź"]


def test_match_garbled_takes_the_rows_asin_when_spellings_collide_and_refuses_a_tie() -> None:
    first, second = item("A-Ł", "B000000001"), item("A-Ź", "B000000002")
    assert match_garbled(row("A-?", "B000000002", garbled=True), [first, second], UK) is second
    assert match_garbled(row("A-?", "B000000003", garbled=True), [first, second], UK) is None
    assert match_garbled(row("B-?", "B000000001", garbled=True), [first, second], UK) is None


def test_families_come_from_the_api_and_parents_have_no_offer(store: ListingsRepository) -> None:
    rows = [row("TEE", "B0TEE00000", 1, quantity=None, price=None, status="Inactive")]
    rows += [row(f"TEE-{s}", f"B0TEE0000{n}", n + 2) for n, s in enumerate("SM")]
    api = FakeListingsApi(
        [item("TEE", "B0TEE00000", children=("TEE-M", "TEE-S"), theme="SIZE", status=("DISCOVERABLE",))]
        + [item(f"TEE-{s}", f"B0TEE0000{n}", parent="TEE", theme="SIZE") for n, s in enumerate("SM")]
    )
    apply(store, rows, api, Sink())
    listings = stored(store)
    parent = listings["TEE"]
    assert parent.is_parent and parent.parent_sku is None and (parent.quantity, parent.price) == (None, None)
    assert parent.status is ListingStatus.DISCOVERABLE and parent.variation_theme == "SIZE"
    for sku in ("TEE-S", "TEE-M"):
        assert (listings[sku].parent_sku, listings[sku].variation_theme, listings[sku].is_parent) == (
            "TEE",
            "SIZE",
            False,
        )


def test_amazon_fulfilled_rows_are_read_too_for_their_family(store: ListingsRepository) -> None:
    fba = row("FBA-1", "B0FBA00001", fulfillment_channel=FulfillmentChannel.AMAZON, quantity=None)
    api = FakeListingsApi([item("FBA-1", "B0FBA00001", parent="FBA", theme="COLOR", channel_code="AMAZON_EU")])
    apply(store, [fba], api, Sink())
    listing = stored(store)["FBA-1"]
    assert listing.fulfillment_channel is FulfillmentChannel.AMAZON and listing.parent_sku == "FBA"


def test_out_of_time_stops_between_batches_and_the_same_report_goes_on_from_there(store: ListingsRepository) -> None:
    rows = [row(f"SKU-{n:03}", f"B{n:09}", n) for n in range(50)]
    api = FakeListingsApi([item(f"SKU-{n:03}", f"B{n:09}") for n in range(50)], out_of_time_at=2)
    sink = Sink()
    with pytest.raises(ImportInterruptedError) as stopped:
        apply(store, rows, api, sink)
    resume = stopped.value.resume
    assert (resume.entries, resume.counts.rows, resume.counts.added, resume.counts.api_reads) == (20, 20, 20, 1)
    assert stopped.value.retry_after == 1.5
    assert len(stored(store)) == 20 and len(sink.events) == 20  # the first batch's events were published
    counts = apply(store, rows, api, sink, resume=resume)
    assert [ids[0] for _, ids, _ in api.calls] == ["SKU-000", "SKU-020", "SKU-040"]  # no batch read twice
    assert (counts.rows, counts.added, counts.unchanged, counts.removed, counts.api_reads) == (50, 50, 0, 0, 3)
    assert len(stored(store)) == 50 and len(sink.events) == 50


def test_an_api_failure_publishes_the_events_of_the_listings_already_written(store: ListingsRepository) -> None:
    class Failing(FakeListingsApi):
        def search_listings_items(self, seller_id: str, query: Any, page_token: str | None = None) -> Any:
            if len(self.calls) == 1:
                raise ThrottledError(429, "QuotaExceeded", "slow down")
            return super().search_listings_items(seller_id, query, page_token)

    sink = Sink()
    with pytest.raises(ThrottledError):
        apply(store, [row(f"SKU-{n:03}", f"B{n:09}", n) for n in range(25)], Failing(), sink)
    assert len(stored(store)) == 20 and len(sink.events) == 20


def test_a_sku_with_a_comma_is_read_by_its_asin(store: ListingsRepository) -> None:
    api = FakeListingsApi([item("MUG,BLUE", "B0MUG00002", handling=5)])
    apply(store, [row("MUG,BLUE", "B0MUG00002")], api, Sink())
    assert api.calls == [("ASIN", ["B0MUG00002"], None)] and stored(store)["MUG,BLUE"].handling_days == 5
    apply(store, [row("MUG,BLUE", "B0MUG00002")], FakeListingsApi(), Sink())  # not found: the report's row stands
    assert stored(store)["MUG,BLUE"].handling_days is None


def test_a_page_token_served_twice_ends_the_paging(store: ListingsRepository) -> None:
    class Stuck(FakeListingsApi):
        def search_listings_items(self, seller_id: str, query: Any, page_token: str | None = None) -> Any:
            page = super().search_listings_items(seller_id, query, None)
            return page.model_copy(update={"pagination": ListingsPagination(next_token="same")})

    api = Stuck([item("A", "B000000001"), item("B", "B000000001")], page_cap=1)
    reader = ItemReader(api, "A1SELLER", UK)
    assert [i.sku for i in reader.read("ASIN", ["B000000001"])] == ["A", "A"] and reader.reads == 2
