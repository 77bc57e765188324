"""Listing writes that never lose their event: the event stored with the write, published, then cleared.

The way the orders table keeps `pending_events` (shared/orders/apply.py), for listings: a listing is classified
against what is stored (read by the batch, ListingsRepository.get_many), then written together with its event's
outbox item in one transaction conditioned on that stored content (shared/repositories/listings_import.py); a lost
race reads again and classifies again. Removals do the same with a conditional delete, so a ListingRemoved is kept
until published too (an outbox item, not a tombstone: readers of the listings never see removed SKUs).

The caller publishes the events and then clears them (`publish_and_clear`). A crash in between leaves them in the
outbox; `republish_pending`, run at the start of each catalog run and at the end of each report import, publishes
those older than HEAL_AFTER (younger ones may belong to a writer publishing right now) under their stable event_id,
which consumers de-duplicate (at-least-once).
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from shared.catalog.events import entry_event_id, put_entry, removed_entry
from shared.models.listings import Listing
from shared.repositories.listings import Added, Changed, PutResult, Unchanged
from shared.repositories.listings_import import OutboxEvent, StoredListing

# Outbox items older than this are assumed orphaned by a crashed writer and published by whoever sees them.
HEAL_AFTER = timedelta(seconds=60)
# Writers of one listing that keep losing the conditional write: give up (the job is retried).
MAX_WRITE_ATTEMPTS = 5
PUBLISH_BATCH = 100

Publish = Callable[[Sequence[dict[str, Any]]], None]


class OutboxStore(Protocol):
    """The parts of ListingsRepository the outbox writes use."""

    def get_many(  # noqa: D102
        self, connection_id: str, marketplace_id: str, skus: Sequence[str]
    ) -> dict[str, StoredListing]: ...

    def write_with_event(  # noqa: D102
        self, listing: Listing, expected: StoredListing | None, event: OutboxEvent
    ) -> bool: ...

    def remove_with_event(self, expected: StoredListing, event: OutboxEvent) -> bool: ...  # noqa: D102

    def pending_events(self, connection_id: str, marketplace_id: str) -> Iterable[OutboxEvent]: ...  # noqa: D102

    def clear_events(self, connection_id: str, marketplace_id: str, event_ids: Sequence[str]) -> None: ...  # noqa: D102


class ListingWriteContentionError(RuntimeError):
    """Other writers of the same listing kept winning; the caller's job is retried."""


def _event(entry: dict[str, Any], sku: str, now: datetime) -> OutboxEvent:
    return OutboxEvent(event_id=entry_event_id(entry), entry=entry, sku=sku, created_at=now)


def store_listing(
    store: OutboxStore, listing: Listing, stored: StoredListing | None, bus_name: str, now: datetime
) -> tuple[PutResult, OutboxEvent | None]:
    """Writes the listing unless `stored` has its content; the event of the write is in the outbox with it. Returns
    the outcome and the event to publish (None for Unchanged)."""
    cid, mkt, sku = listing.connection_id, listing.marketplace_id, listing.sku
    for _ in range(MAX_WRITE_ATTEMPTS):
        if stored is not None and stored.content_hash == listing.content_hash():
            return Unchanged(stored.listing), None
        result: Added | Changed
        if stored is None:
            result = Added(listing)
        else:
            result = Changed(listing.model_copy(update={"first_seen": stored.listing.first_seen}), stored.listing)
        entry = put_entry(result, bus_name)
        assert entry is not None
        event = _event(entry, sku, now)
        if store.write_with_event(result.listing, stored, event):
            return result, event
        stored = store.get_many(cid, mkt, [sku]).get(sku)
    raise ListingWriteContentionError(f"listing {sku!r} of {cid} in {mkt}: {MAX_WRITE_ATTEMPTS} writes lost")


def remove_listing(
    store: OutboxStore, connection_id: str, marketplace_id: str, sku: str, bus_name: str, now: datetime
) -> tuple[Listing, OutboxEvent] | None:
    """Removes the stored listing with its ListingRemoved in the outbox; None when nothing is stored (any more)."""
    for _ in range(MAX_WRITE_ATTEMPTS):
        stored = store.get_many(connection_id, marketplace_id, [sku]).get(sku)
        if stored is None:
            return None
        event = _event(removed_entry(stored.listing, now, bus_name), sku, now)
        if store.remove_with_event(stored, event):
            return stored.listing, event
    raise ListingWriteContentionError(f"listing {sku!r} of {connection_id} in {marketplace_id}: removal lost")


def publish_and_clear(
    store: OutboxStore, connection_id: str, marketplace_id: str, events: Sequence[OutboxEvent], publish: Publish
) -> None:
    """Publishes the events (PUBLISH_BATCH a call), each batch cleared from the outbox once PutEvents took it."""
    for start in range(0, len(events), PUBLISH_BATCH):
        chunk = events[start : start + PUBLISH_BATCH]
        publish([event.entry for event in chunk])
        store.clear_events(connection_id, marketplace_id, [event.event_id for event in chunk])


def republish_pending(
    store: OutboxStore,
    connection_id: str,
    marketplace_id: str,
    publish: Publish,
    now: datetime,
    older_than: timedelta = HEAL_AFTER,
) -> int:
    """Publishes and clears the pair's outbox items older than `older_than` (left by a crash); returns how many."""
    orphaned = [e for e in store.pending_events(connection_id, marketplace_id) if now - e.created_at >= older_than]
    orphaned.sort(key=lambda event: event.created_at)
    publish_and_clear(store, connection_id, marketplace_id, orphaned, publish)
    return len(orphaned)
