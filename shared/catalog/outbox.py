"""Listing writes that never lose their event: the event stored before the write, published, then cleared.

The way the orders table keeps `pending_events` (shared/orders/apply.py), for listings: a listing is classified
against what is stored (read by the batch, ListingsRepository.get_many); the batch's events go into the outbox (one
`OUTBOX#` item, shared/repositories/listings_import.py), then each listing is written conditioned on the stored
content it was classified against, recording its event's id. A lost race reads again and classifies again (its first
event, never published, goes when the batch's item is cleared). Removals do the same with a conditional delete, so a
ListingRemoved waits in the outbox too (an outbox item, not a tombstone: readers of the listings never see removed
SKUs).

The caller publishes the events and then clears them (`publish_and_clear`). A crash leaves them in the outbox;
`republish_pending`, run at the start of each catalog run's marketplace and at the end of each report import, takes
those older than HEAL_AFTER (younger ones may belong to a writer publishing right now) and publishes each whose write
stands: the stored listing still carries its event_id, or, for a removal, the SKU is still gone. The others are
dropped: their write never happened (the crash came first), or a later write with its own event (whose `previous`
holds the values) replaced it. Republished events keep their stable event_id, which consumers de-duplicate
(at-least-once).
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol

from shared.catalog.events import ListingEventType, entry_event_id, put_entry, removed_entry
from shared.models.listings import Listing
from shared.repositories.listings import Added, Changed, PutResult, Unchanged
from shared.repositories.listings_import import OutboxEvent, StoredListing

# Outbox items older than this are assumed orphaned by a crashed writer and published by whoever sees them.
HEAL_AFTER = timedelta(seconds=60)
# Writers of one listing that keep losing the conditional write: give up (the job is retried).
MAX_WRITE_ATTEMPTS = 5
PUBLISH_BATCH = 100
# A batch's conditional writes (20 listings, distinct SKUs) go out this many at a time: one after another they cost
# 20 round trips per searchListingsItems call, as long as the 200 ms the call's rate limit allows (docs/catalog.md).
WRITERS = 8

Publish = Callable[[Sequence[dict[str, Any]]], None]


class OutboxStore(Protocol):
    """The parts of ListingsRepository the outbox writes use."""

    def get_many(  # noqa: D102
        self, connection_id: str, marketplace_id: str, skus: Sequence[str]
    ) -> dict[str, StoredListing]: ...

    def put_events(  # noqa: D102
        self, connection_id: str, marketplace_id: str, events: Sequence[OutboxEvent]
    ) -> list[OutboxEvent]: ...

    def write_listing(self, listing: Listing, expected: StoredListing | None, event_id: str) -> bool: ...  # noqa: D102

    def delete_listing(self, expected: StoredListing) -> bool: ...  # noqa: D102

    def pending_events(self, connection_id: str, marketplace_id: str) -> Iterable[OutboxEvent]: ...  # noqa: D102

    def clear_events(self, connection_id: str, marketplace_id: str, chunks: Sequence[str]) -> None: ...  # noqa: D102


class ListingWriteContentionError(RuntimeError):
    """Other writers of the same listing kept winning; the caller's job is retried."""


def _event(entry: dict[str, Any], sku: str, now: datetime) -> OutboxEvent:
    return OutboxEvent(event_id=entry_event_id(entry), entry=entry, sku=sku, created_at=now)


def classify(
    listing: Listing, stored: StoredListing | None, bus_name: str, now: datetime
) -> tuple[PutResult, OutboxEvent | None]:
    """What writing the listing over `stored` is (Unchanged when it holds the same content) and its event."""
    if stored is not None and stored.content_hash == listing.content_hash():
        return Unchanged(stored.listing), None
    result: Added | Changed
    if stored is None:
        result = Added(listing)
    else:
        result = Changed(listing.model_copy(update={"first_seen": stored.listing.first_seen}), stored.listing)
    entry = put_entry(result, bus_name)
    assert entry is not None
    return result, _event(entry, listing.sku, now)


def _write(store: OutboxStore, result: PutResult, stored: StoredListing | None, event: OutboxEvent) -> bool:
    assert not isinstance(result, Unchanged)
    return store.write_listing(result.listing, stored, event.event_id)


def store_listings(
    store: OutboxStore,
    pairs: Sequence[tuple[Listing, StoredListing | None]],
    bus_name: str,
    now: datetime,
) -> Iterator[tuple[PutResult, OutboxEvent | None]]:
    """Writes each listing of one (connection, marketplace) unless its stored one has its content, the events put in
    the outbox first (one item for the batch); yields each outcome as its write lands, with the event to publish
    (None for Unchanged), so a caller stopped by a failing write still has the events of the writes before it. The
    caller publishes them together and clears their outbox item (`publish_and_clear`)."""
    planned = [classify(listing, stored, bus_name, now) for listing, stored in pairs]
    events = [event for _, event in planned if event is not None]
    if events:
        stored_events = store.put_events(pairs[0][0].connection_id, pairs[0][0].marketplace_id, events)
        by_id = {event.event_id: event for event in stored_events}
        planned = [(result, by_id[event.event_id] if event else None) for result, event in planned]
    writes = [(result, stored, event) for (_, stored), (result, event) in zip(pairs, planned, strict=True)]
    # In parallel, yielded in order: a failing write raises where it stands, the outcomes before it yielded (a write
    # after it that landed left its event in the batch's outbox item, published by the next run's sweep).
    landed = _writers().map(lambda w: w[2] is None or _write(store, w[0], w[1], w[2]), writes)
    for (listing, _), (result, event), ok in zip(pairs, planned, landed, strict=True):
        if ok:
            yield result, event
            continue
        # Lost a race: that write did not happen (its event, left in the batch's item, is never published).
        cid, mkt = listing.connection_id, listing.marketplace_id
        yield store_listing(store, listing, store.get_many(cid, mkt, [listing.sku]).get(listing.sku), bus_name, now)


@cache
def _writers() -> ThreadPoolExecutor:
    """The container's listing writers, made on first use (none at import time), kept across invocations."""
    return ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="listing-writer")


def store_listing(
    store: OutboxStore, listing: Listing, stored: StoredListing | None, bus_name: str, now: datetime
) -> tuple[PutResult, OutboxEvent | None]:
    """One listing written as `store_listings` does, read again and classified again after each lost race."""
    cid, mkt, sku = listing.connection_id, listing.marketplace_id, listing.sku
    for _ in range(MAX_WRITE_ATTEMPTS):
        result, event = classify(listing, stored, bus_name, now)
        if event is None:
            return result, None
        (event,) = store.put_events(cid, mkt, [event])
        if _write(store, result, stored, event):
            return result, event
        store.clear_events(cid, mkt, [event.chunk])
        stored = store.get_many(cid, mkt, [sku]).get(sku)
    raise ListingWriteContentionError(f"listing {sku!r} of {cid} in {mkt}: {MAX_WRITE_ATTEMPTS} writes lost")


def remove_listing(
    store: OutboxStore, connection_id: str, marketplace_id: str, sku: str, bus_name: str, now: datetime
) -> tuple[Listing, OutboxEvent] | None:
    """Removes the stored listing, its ListingRemoved in the outbox first; None when nothing is stored (any more)."""
    for _ in range(MAX_WRITE_ATTEMPTS):
        stored = store.get_many(connection_id, marketplace_id, [sku]).get(sku)
        if stored is None:
            return None
        event = _event(removed_entry(stored.listing, now, bus_name), sku, now)
        (event,) = store.put_events(connection_id, marketplace_id, [event])
        if store.delete_listing(stored):
            return stored.listing, event
        store.clear_events(connection_id, marketplace_id, [event.chunk])
    raise ListingWriteContentionError(f"listing {sku!r} of {connection_id} in {marketplace_id}: removal lost")


def publish_and_clear(
    store: OutboxStore, connection_id: str, marketplace_id: str, events: Sequence[OutboxEvent], publish: Publish
) -> None:
    """Publishes the events (PUBLISH_BATCH a call), then clears their outbox items. Pass every event of an outbox item
    together (the import publishes whole batches), else clearing the item would drop the ones not yet published."""
    for start in range(0, len(events), PUBLISH_BATCH):
        publish([event.entry for event in events[start : start + PUBLISH_BATCH]])
    store.clear_events(connection_id, marketplace_id, [event.chunk for event in events])


def _stands(event: OutboxEvent, stored: StoredListing | None) -> bool:
    """Whether the write an orphaned event announces happened and still stands."""
    if event.entry.get("DetailType") == ListingEventType.REMOVED:
        return stored is None
    return stored is not None and stored.event_id == event.event_id


def republish_pending(
    store: OutboxStore,
    connection_id: str,
    marketplace_id: str,
    publish: Publish,
    now: datetime,
    older_than: timedelta = HEAL_AFTER,
) -> int:
    """Publishes the pair's orphaned outbox events whose writes stand, drops the others (see the module doc); returns
    how many were published."""
    orphaned = [e for e in store.pending_events(connection_id, marketplace_id) if now - e.created_at >= older_than]
    if not orphaned:
        return 0
    orphaned.sort(key=lambda event: event.created_at)
    stored = store.get_many(connection_id, marketplace_id, [event.sku for event in orphaned])
    standing = [event for event in orphaned if _stands(event, stored.get(event.sku))]
    for start in range(0, len(standing), PUBLISH_BATCH):
        publish([event.entry for event in standing[start : start + PUBLISH_BATCH]])
    store.clear_events(connection_id, marketplace_id, [event.chunk for event in orphaned])
    return len(standing)
