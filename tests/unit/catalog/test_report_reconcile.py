"""The cheaper daily reconciliation (enrich.report_agrees / needs_read, apply_report skip_unchanged) on the real
listings repository (moto in process) with a fake searchListingsItems: only new SKUs, garbled rows and rows that
differ are re-read; stored SKUs absent from the report are still removed; the first import reads everything."""

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest

from shared.catalog.enrich import ItemReader, needs_read, report_agrees
from shared.catalog.merge import merge
from shared.catalog.report import ReportListing
from shared.catalog.report_import import ImportCounts, apply_report
from shared.models.listings import FulfillmentChannel, ListingStatus
from shared.repositories.listings import ListingsRepository
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws
from tests.unit.catalog.listings_api import UK, FakeListingsApi, item

NOW = datetime(2026, 12, 7, 3, 15, tzinfo=UTC)
CID = "conn-1"


def row(sku: str, n: int, **kw: Any) -> ReportListing:
    """The report row of the fake API's item(sku, asin(n)) as the report spells it: agrees with the stored listing."""
    values: dict[str, Any] = {"price": Decimal("12.50"), "quantity": 7, "status": "Active", "title": f"{sku} title"}
    values |= {"fulfillment_channel": "MERCHANT", "asin": asin(n)} | kw
    return ReportListing(line=n + 2, seller_sku=sku, **values)


def asin(n: int) -> str:
    return f"B{n:09}"


class Sink:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def publish(self, entries: Any) -> None:
        self.events.extend(entries)

    def add_metric(self, name: Any, unit: Any, value: float) -> None:
        pass


@pytest.fixture
def store() -> Iterator[ListingsRepository]:
    with in_process_aws():
        client = boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        yield ListingsRepository(create_table(client, "listings", gsi1=True), client)


def apply(store: ListingsRepository, rows: list[ReportListing], api: FakeListingsApi, sink: Sink) -> ImportCounts:
    reader = ItemReader(api, "A1SELLER", UK)
    return apply_report(CID, UK, rows, store, sink.publish, "bus", NOW, sink, reader, skip_unchanged=True)


def stored_listing(**kw: Any) -> Any:
    return merge(CID, UK, NOW, item=item("MUG-1", asin(1), **kw))


def test_a_row_agrees_only_when_every_value_the_report_shows_is_stored() -> None:
    listing = stored_listing()
    assert report_agrees(row("MUG-1", 1), listing) and not needs_read(row("MUG-1", 1), listing)
    for differing in (
        {"quantity": 6},
        {"price": Decimal("12.49")},
        {"status": "Inactive"},
        {"title": "MUG-1 new title"},
        {"asin": "B000000099"},
        {"fulfillment_channel": "AMAZON"},
        {"quantity": None},
    ):
        assert not report_agrees(row("MUG-1", 1, **differing), listing), differing
        assert needs_read(row("MUG-1", 1, **differing), listing)
    # A column the report does not have (no status in IT/ES) says nothing; a garbled row and a new SKU are read.
    assert report_agrees(row("MUG-1", 1, status=None), listing)
    assert needs_read(row("MUG-1", 1, garbled=True), listing) and needs_read(row("MUG-1", 1), None)


def test_the_report_s_empty_quantity_of_an_amazon_fulfilled_listing_and_inactive_statuses_agree() -> None:
    fba = stored_listing(channel_code="AMAZON_EU", quantity=40)
    assert fba.fulfillment_channel is FulfillmentChannel.AMAZON
    assert report_agrees(row("MUG-1", 1, quantity=None, fulfillment_channel="AMAZON"), fba)
    discoverable = stored_listing(status=("DISCOVERABLE",))
    assert discoverable.status is ListingStatus.DISCOVERABLE
    assert report_agrees(row("MUG-1", 1, status="Inactive"), discoverable)
    assert not report_agrees(row("MUG-1", 1, status="Active"), discoverable)


def test_only_new_garbled_and_changed_rows_are_re_read_and_absent_skus_still_removed(store: ListingsRepository) -> None:
    skus = [f"SKU-{n:03}" for n in range(45)]
    api = FakeListingsApi([item(sku, asin(n)) for n, sku in enumerate(skus)])
    first = apply(store, [row(sku, n) for n, sku in enumerate(skus)], api, Sink())
    # The first import reads everything: nothing is stored to agree with.
    assert (first.added, first.reread, first.skipped_unchanged, first.api_reads) == (45, 45, 0, 3)

    api.calls.clear()
    sink = Sink()
    again = apply(store, [row(sku, n) for n, sku in enumerate(skus)], api, sink)
    assert (again.reread, again.skipped_unchanged, again.unchanged, again.api_reads) == (0, 45, 45, 0)
    assert api.calls == [] and sink.events == []

    exact = "MUG-ŁÓDŹ"
    api.items.append(item(exact, "B0MUG00001"))
    api.items[5] = item("SKU-005", asin(5), quantity=2)  # Amazon's quantity moved, and the report shows it
    rows = [row(sku, n) for n, sku in enumerate(skus) if sku != "SKU-044"]  # SKU-044 is gone from the report
    rows[5] = row("SKU-005", 5, quantity=2)
    rows.append(row("NEW-1", 90))  # a SKU we do not hold
    api.items.append(item("NEW-1", asin(90)))
    rows.append(row("MUG-?ÓD?", 91, asin="B0MUG00001", title="MUG-?ÓD? title", garbled=True))
    counts = apply(store, rows, api, sink)
    assert (counts.reread, counts.skipped_unchanged) == (3, 43)
    assert sorted(ids for _, ids, _ in api.calls) == [["B0MUG00001"], ["NEW-1"], ["SKU-005"]]
    assert (counts.added, counts.changed, counts.removed, counts.unchanged) == (2, 1, 1, 43)
    assert sorted(e["DetailType"] for e in sink.events) == ["ListingAdded"] * 2 + ["ListingChanged", "ListingRemoved"]
    assert store.get(CID, UK, "SKU-005").quantity == 2  # type: ignore[union-attr]
    assert store.get(CID, UK, "SKU-044") is None and store.get(CID, UK, exact) is not None


def test_without_skip_unchanged_every_row_is_re_read(store: ListingsRepository) -> None:
    api = FakeListingsApi([item("MUG-1", asin(1))])
    reader = ItemReader(api, "A1SELLER", UK)
    sink = Sink()
    for _ in range(2):
        counts = apply_report(CID, UK, [row("MUG-1", 1)], store, sink.publish, "bus", NOW, sink, reader)
    assert (counts.reread, counts.skipped_unchanged, counts.unchanged, len(api.calls)) == (1, 0, 1, 2)
