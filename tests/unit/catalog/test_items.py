"""API items applied as stored listings (shared/catalog/items.py) on the real listings repository (moto in process):
added, changed and unchanged with their events, idempotent re-application, invalid items skipped, and a refresh of
named SKUs that removes only what it read exactly."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from shared.catalog.enrich import ItemReader
from shared.catalog.items import ListingWriter, apply_items, emit, exact_identifier, refresh_skus
from shared.repositories.listings import ListingsRepository
from shared.spapi.errors import OutOfTimeError
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws
from tests.unit.catalog.listings_api import UK, FakeListingsApi, item

T0 = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
CID = "conn-1"


@dataclass
class World:
    store: ListingsRepository
    events: list[dict[str, Any]] = field(default_factory=list)
    publishes: int = 0

    def publish(self, entries: Any) -> None:
        self.publishes += 1
        self.events.extend(entries)

    @property
    def writer(self) -> ListingWriter:
        return ListingWriter(self.store, self.publish, "bus")

    def types(self) -> list[str]:
        return [e["DetailType"] for e in self.events]


@pytest.fixture
def world() -> Iterator[World]:
    with in_process_aws():
        client = boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        yield World(ListingsRepository(create_table(client, "listings", gsi1=True), client))


def test_items_are_added_then_a_change_is_written_and_the_same_items_again_write_nothing(world: World) -> None:
    items = [item("MUG-1", "B000000001", quantity=3), item("TEE-1", "B000000002", handling=5)]
    counts = apply_items(CID, UK, items, world.writer, T0)
    assert (counts.added, counts.changed, counts.unchanged) == (2, 0, 0)
    assert world.types() == ["ListingAdded", "ListingAdded"] and world.publishes == 1
    mug = world.store.get(CID, UK, "MUG-1")
    assert mug is not None and (mug.quantity, mug.title, mug.first_seen) == (3, "MUG-1 title", T0)
    assert world.store.get(CID, UK, "TEE-1").handling_days == 5  # type: ignore[union-attr]

    world.events.clear()
    again = apply_items(CID, UK, items, world.writer, T0 + timedelta(hours=1))
    assert (again.added, again.changed, again.unchanged, again.written()) == (0, 0, 2, 0)
    assert world.events == [] and world.publishes == 1  # nothing to publish: no PutEvents call at all

    changed = apply_items(CID, UK, [item("MUG-1", "B000000001", quantity=9)], world.writer, T0 + timedelta(hours=2))
    assert changed.changed == 1 and world.types() == ["ListingChanged"]
    detail = json.loads(world.events[0]["Detail"])
    assert detail["previous"] == {"quantity": 3} and detail["listing"]["quantity"] == 9
    stored = world.store.get(CID, UK, "MUG-1")
    assert stored is not None and (stored.quantity, stored.first_seen) == (9, T0)


def test_an_item_that_makes_no_valid_listing_is_skipped_and_the_rest_written(world: World) -> None:
    counts = apply_items(CID, UK, [item("S" * 41, "B000000001"), item("OK-1", "B000000002")], world.writer, T0)
    assert (counts.invalid, counts.added) == (1, 1)
    assert [x.sku for x in world.store.list(CID, UK)] == ["OK-1"]


def test_a_refresh_applies_what_amazon_returns_and_removes_a_sku_it_no_longer_has(world: World) -> None:
    apply_items(CID, UK, [item("GONE-1", "B000000003"), item("MUG-1", "B000000001")], world.writer, T0)
    world.events.clear()
    api = FakeListingsApi([item("MUG-1", "B000000001", quantity=1)])
    reader = ItemReader(api, "A1SELLER", UK)
    counts = refresh_skus(reader, CID, ["MUG-1", "GONE-1", "NEVER-1", "MUG-1"], world.writer, T0)
    assert (counts.changed, counts.removed, counts.api_reads, counts.unreadable) == (1, 1, 1, 0)
    assert api.calls == [("SKU", ["MUG-1", "GONE-1", "NEVER-1"], None)]  # duplicates asked once
    assert sorted(world.types()) == ["ListingChanged", "ListingRemoved"]
    assert [x.sku for x in world.store.list(CID, UK)] == ["MUG-1"]
    # Refreshing again: the same content, nothing left to remove.
    world.events.clear()
    again = refresh_skus(reader, CID, ["MUG-1", "GONE-1"], world.writer, T0)
    assert (again.unchanged, again.removed, again.written()) == (1, 0, 0) and world.events == []


def test_a_sku_that_cannot_be_read_exactly_is_never_removed(world: World) -> None:
    apply_items(CID, UK, [item("A,B", "B000000004")], world.writer, T0)
    api = FakeListingsApi([])
    counts = refresh_skus(ItemReader(api, "A1SELLER", UK), CID, ["A,B"], world.writer, T0)
    assert (counts.unreadable, counts.removed, counts.api_reads) == (1, 0, 0) and api.calls == []
    assert world.store.get(CID, UK, "A,B") is not None
    assert [exact_identifier(s) for s in ("A-1", "A,B", " A", "")] == [True, False, False, False]


def test_a_refresh_out_of_time_writes_and_removes_nothing(world: World) -> None:
    apply_items(CID, UK, [item("MUG-1", "B000000001")], world.writer, T0)
    world.events.clear()
    skus = ["MUG-1"] + [f"X-{n}" for n in range(25)]  # two reads; the second runs out of time
    api = FakeListingsApi([item("MUG-1", "B000000001", quantity=2)], out_of_time_at=2)
    with pytest.raises(OutOfTimeError):
        refresh_skus(ItemReader(api, "A1SELLER", UK), CID, skus, world.writer, T0)
    stored = world.store.get(CID, UK, "MUG-1")
    assert stored is not None and stored.quantity == 7 and world.events == []


def test_emit_reports_the_counts_as_declared_metrics(world: World) -> None:
    counts = apply_items(CID, UK, [item("MUG-1", "B000000001")], world.writer, T0)
    seen: list[tuple[str, float]] = []

    class Sink:
        def add_metric(self, name: Any, unit: Any, value: float) -> None:
            seen.append((str(name), value))

    emit(counts, Sink())
    assert ("ListingsAdded", 1) in seen and ("ListingsUnchanged", 0) in seen


def test_a_failed_write_still_publishes_the_events_of_the_writes_before_it(world: World) -> None:
    class Failing:
        """The repository, but the second listing's write (TEE-1) fails (the outbox writes around it work); by SKU,
        since a batch's writes go out in parallel."""

        def __init__(self, store: ListingsRepository) -> None:
            self.store = store

        def __getattr__(self, name: str) -> Any:
            return getattr(self.store, name)

        def write_listing(self, listing: Any, expected: Any, event_id: str) -> bool:
            if listing.sku == "TEE-1":
                raise RuntimeError("DynamoDB is down")
            return self.store.write_listing(listing, expected, event_id)

    writer = ListingWriter(Failing(world.store), world.publish, "bus")
    with pytest.raises(RuntimeError):
        apply_items(CID, UK, [item("MUG-1", "B000000001"), item("TEE-1", "B000000002")], writer, T0)
    assert world.types() == ["ListingAdded"] and json.loads(world.events[0]["Detail"])["sku"] == "MUG-1"
    # The batch's outbox item went with MUG-1's publication: TEE-1's write never happened, its event is not owed.
    assert list(world.store.pending_events(CID, UK)) == [] and world.store.get(CID, UK, "TEE-1") is None
