"""The listings outbox (shared/catalog/outbox.py, shared/repositories/listings_import.py) on the real listings
repository (moto in process): an event is stored with its write and cleared once published; a crash between the write
and the publish is healed by the next run with the same event id, for additions, changes and removals; a writer that
lost a race classifies again."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from shared.catalog.merge import merge
from shared.catalog.outbox import HEAL_AFTER, classify, republish_pending, store_listing
from shared.catalog.report import ReportListing
from shared.catalog.report_import import apply_report
from shared.repositories import listings_import
from shared.repositories.listings import Changed, ListingsRepository
from shared.repositories.listings_import import OutboxEvent, StoredListing
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws
from tests.unit.catalog.listings_api import UK, item

T0 = datetime(2026, 12, 7, 3, 15, tzinfo=UTC)
LATER = T0 + HEAL_AFTER + timedelta(seconds=1)
CID = "conn-1"


class Crash(Exception):
    """The function dying between the write and PutEvents."""


class Bus:
    def __init__(self, crash: bool = False) -> None:
        self.crash = crash
        self.tried: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def publish(self, entries: Any) -> None:
        if self.crash:
            self.tried.extend(entries)
            raise Crash
        self.events.extend(entries)

    def add_metric(self, name: Any, unit: Any, value: float) -> None:
        pass


def ids(entries: list[dict[str, Any]]) -> list[str]:
    return [json.loads(e["Detail"])["event_id"] for e in entries]


def row(sku: str, quantity: int = 3) -> ReportListing:
    return ReportListing(
        line=2, seller_sku=sku, asin="B000000001", title=f"{sku} report", price=Decimal("9.99"), quantity=quantity
    )


@pytest.fixture
def store() -> Iterator[ListingsRepository]:
    with in_process_aws():
        client = boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        yield ListingsRepository(create_table(client, "listings", gsi1=True), client)


def apply(store: ListingsRepository, rows: list[ReportListing], bus: Bus, now: datetime = T0) -> Any:
    return apply_report(CID, UK, rows, store, bus.publish, "bus", now, bus)


def test_events_are_cleared_from_the_outbox_once_published(store: ListingsRepository) -> None:
    bus = Bus()
    apply(store, [row("MUG-1"), row("CAP-1")], bus)
    assert len(bus.events) == 2 and list(store.pending_events(CID, UK)) == []
    assert [x.sku for x in store.list(CID, UK)] == ["CAP-1", "MUG-1"]  # outbox items are not listings


def test_a_crash_between_write_and_publish_is_healed_by_the_next_run_with_the_same_event_id(
    store: ListingsRepository,
) -> None:
    crashing = Bus(crash=True)
    with pytest.raises(Crash):
        apply(store, [row("MUG-1")], crashing)
    assert store.get(CID, UK, "MUG-1") is not None  # written, its ListingAdded never published
    pending = list(store.pending_events(CID, UK))
    assert [e.event_id for e in pending] == ids(crashing.tried)

    bus = Bus()
    soon = apply(store, [row("MUG-1")], bus, now=T0 + timedelta(seconds=5))
    # The retry finds the same content (nothing written) and leaves a young outbox item to its writer...
    assert (soon.unchanged, soon.republished, bus.events) == (1, 0, [])
    later = apply(store, [row("MUG-1")], bus, now=LATER)
    # ...and publishes it once it is old enough to be an orphan: the same event, the same id.
    assert later.republished == 1 and ids(bus.events) == ids(crashing.tried)
    assert bus.events[0]["DetailType"] == "ListingAdded" and list(store.pending_events(CID, UK)) == []
    assert apply(store, [row("MUG-1")], bus, now=LATER).republished == 0


def test_a_removal_and_a_change_lost_in_a_crash_are_published_by_the_next_run(store: ListingsRepository) -> None:
    apply(store, [row("MUG-1"), row("CAP-1")], Bus())
    crashing = Bus(crash=True)
    with pytest.raises(Crash):
        apply(store, [row("MUG-1", quantity=8)], crashing)  # MUG-1 changed, CAP-1 gone from the report
    assert store.get(CID, UK, "CAP-1") is None and store.get(CID, UK, "MUG-1").quantity == 8  # type: ignore[union-attr]
    bus = Bus()
    assert republish_pending(store, CID, UK, bus.publish, LATER) == 2
    assert sorted(e["DetailType"] for e in bus.events) == ["ListingChanged", "ListingRemoved"]
    assert sorted(ids(bus.events)) == sorted(ids(crashing.tried))
    changed = next(json.loads(e["Detail"]) for e in bus.events if e["DetailType"] == "ListingChanged")
    assert changed["previous"] == {"quantity": 3}
    assert list(store.pending_events(CID, UK)) == []


def test_a_writer_that_lost_a_race_classifies_again_against_what_won(store: ListingsRepository) -> None:
    first = merge(CID, UK, T0, item=item("MUG-1", "B000000001", quantity=3))
    store_listing(store, first, None, "bus", T0)
    won = merge(CID, UK, T0, item=item("MUG-1", "B000000001", quantity=5))
    store_listing(store, won, store.get_many(CID, UK, ["MUG-1"])["MUG-1"], "bus", T0)
    late = merge(CID, UK, T0, item=item("MUG-1", "B000000001", quantity=9))
    stale = StoredListing(first, first.content_hash())  # read before the other writer won
    result, event = store_listing(store, late, stale, "bus", T0)
    assert isinstance(result, Changed) and result.previous.quantity == 5 and event is not None
    assert json.loads(event.entry["Detail"])["previous"] == {"quantity": 5}
    assert store.get(CID, UK, "MUG-1").quantity == 9  # type: ignore[union-attr]
    # Writing what is stored again is Unchanged: no write, no event.
    again, none = store_listing(store, late, store.get_many(CID, UK, ["MUG-1"])["MUG-1"], "bus", T0)
    assert none is None and type(again).__name__ == "Unchanged"


def test_an_orphaned_event_whose_write_never_happened_or_was_replaced_is_dropped(store: ListingsRepository) -> None:
    mug = merge(CID, UK, T0, item=item("MUG-1", "B000000001", quantity=3))
    added = store_listing(store, mug, None, "bus", T0)[1]  # written; its ListingAdded never published (a crash)
    stored = store.get_many(CID, UK, ["MUG-1"])["MUG-1"]
    never = classify(merge(CID, UK, T0, item=item("MUG-1", "B000000001", quantity=9)), stored, "bus", T0)[1]
    gone = classify(mug, None, "bus", T0)[1]
    assert added is not None and never is not None and gone is not None
    removal = OutboxEvent("conn-1:removal", {"DetailType": "ListingRemoved", "Detail": "{}"}, "MUG-1", T0)
    store.put_events(CID, UK, [never, removal])  # both crashed before their writes: MUG-1 still holds quantity 3
    bus = Bus()
    assert republish_pending(store, CID, UK, bus.publish, LATER) == 1
    assert ids(bus.events) == [added.event_id] and list(store.pending_events(CID, UK)) == []

    later = merge(CID, UK, T0, item=item("MUG-1", "B000000001", quantity=4))
    replaced = store_listing(store, later, store.get_many(CID, UK, ["MUG-1"])["MUG-1"], "bus", T0)[1]
    assert replaced is not None
    store.put_events(CID, UK, [added])  # an older event whose version a later write replaced
    store.clear_events(CID, UK, [replaced.chunk])
    assert republish_pending(store, CID, UK, Bus().publish, LATER) == 0
    assert list(store.pending_events(CID, UK)) == []


def test_a_batch_s_events_share_one_outbox_item_split_where_it_would_grow_too_large(
    store: ListingsRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashing = Bus(crash=True)
    with pytest.raises(Crash):
        apply(store, [row(f"SKU-{n}") for n in range(5)], crashing)
    pending = list(store.pending_events(CID, UK))
    assert sorted(e.event_id for e in pending) == sorted(ids(crashing.tried)) and len({e.chunk for e in pending}) == 1

    monkeypatch.setattr(listings_import, "CHUNK_BYTES", 2 * len(json.dumps(pending[0].entry)))
    stored = store.put_events(CID, "A1PA6795UKMFR9", pending)
    assert len({e.chunk for e in stored}) == 3  # 2 + 2 + 1 entries of about the same size
    assert sorted(e.event_id for e in store.pending_events(CID, "A1PA6795UKMFR9")) == sorted(ids(crashing.tried))
