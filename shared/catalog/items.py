"""Listings Items API items written as stored listings, without a report row: the hourly delta
(shared/catalog/delta.py) and the re-read of named SKUs (a listings notification, an operator's refresh).

`apply_items` merges each item alone (merge.merge with no row: the API's values only), writes it only if something a
consumer sees changed and announces it (ListingAdded / ListingChanged), so applying the same items again writes and
publishes nothing. Writes and removals go through the outbox (shared/catalog/outbox.py: the stored listings read by
the batch, each event stored before its conditional write, published then cleared), so neither a crash nor a later
write that fails loses the events of the writes made: the next catalog run publishes them. An item that makes no
valid Listing (a SKU over 40 characters, say) is counted `invalid` and skipped: one odd item never blocks the rest.

`refresh_skus` reads named SKUs of one marketplace by identifiers (shared/catalog/enrich.py ItemReader: 20 a call,
pages followed) and applies what comes back. A named SKU Amazon does not return is removed (ListingRemoved) only
when the read was exact: the SKU travelled as one identifier (no comma, which would split it; no surrounding
whitespace, which a query string may lose) and every read of the call succeeded (an error raises before anything is
written or removed). A SKU that cannot be read exactly is counted `unreadable` and left as stored: the daily report
reconciliation (shared/catalog/report_import.py) decides about it.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Protocol

from shared.catalog.enrich import ItemReader
from shared.catalog.merge import merge
from shared.catalog.metrics import CatalogMetric, CatalogMetricsSink, MetricUnit, count_put, emit_listing_counts
from shared.catalog.outbox import OutboxStore, publish_and_clear, remove_listing, store_listings
from shared.models.listings import Listing
from shared.repositories.listings_import import OutboxEvent
from shared.spapi.models.listings import ListingsItem


class ItemsStore(OutboxStore, Protocol):
    """The parts of ListingsRepository that items are written with (the outbox writes)."""


@dataclass(frozen=True)
class ListingWriter:
    """Where applied items go: the listings table and the bus (the events of one call published together)."""

    store: ItemsStore
    publish: Callable[[Sequence[dict[str, Any]]], None]
    bus_name: str


@dataclass
class ItemsApplied:
    """What applying items did: listings added, changed, unchanged (nothing written), removed (a refresh only),
    invalid (skipped), unreadable (a refresh's SKUs that cannot be read exactly) and the API calls made."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    invalid: int = 0
    unreadable: int = 0
    api_reads: int = 0

    def add(self, other: "ItemsApplied") -> None:
        """Adds another call's counts to these."""
        for name in _NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_counts(self) -> dict[str, int]:
        """The counts for a sync status item."""
        return {name: getattr(self, name) for name in _NAMES}

    def written(self) -> int:
        """Listings written or removed (what a consumer saw change)."""
        return self.added + self.changed + self.removed


_NAMES = tuple(f.name for f in fields(ItemsApplied))


def apply_items(
    connection_id: str,
    marketplace_id: str,
    items: Iterable[ListingsItem],
    writer: ListingWriter,
    now: datetime,
) -> ItemsApplied:
    """Writes each item as a listing when its content changed and publishes the events (see the module doc)."""
    counts = ItemsApplied()
    listings: list[Listing] = []
    for item in items:
        try:
            listings.append(merge(connection_id, marketplace_id, now, item=item))
        except ValueError:  # pydantic's ValidationError is one
            counts.invalid += 1
    stored = writer.store.get_many(connection_id, marketplace_id, [listing.sku for listing in listings])
    pairs = [(listing, stored.get(listing.sku)) for listing in listings]
    events: list[OutboxEvent] = []
    try:
        for result, event in store_listings(writer.store, pairs, writer.bus_name, now):
            count_put(result, counts)
            if event is not None:
                events.append(event)
    finally:  # also when a write failed: the listings written stand, a retry would find them unchanged
        publish_and_clear(writer.store, connection_id, marketplace_id, events, writer.publish)
    return counts


def exact_identifier(sku: str) -> bool:
    """Whether a SKU can be asked for by identifiers exactly: non-empty, no comma, no surrounding whitespace."""
    return bool(sku) and "," not in sku and sku == sku.strip()


def refresh_skus(
    reader: ItemReader,
    connection_id: str,
    skus: Iterable[str],
    writer: ListingWriter,
    now: datetime,
) -> ItemsApplied:
    """Re-reads the named SKUs of the reader's marketplace, applies what Amazon returns, and removes each SKU it read
    exactly and Amazon no longer returns (see the module doc). All reads come before any write.

    Raises what the reads raise (OutOfTimeError near the Lambda's deadline, an SpApiError): nothing is written then.
    """
    unique = list(dict.fromkeys(skus))
    readable = [sku for sku in unique if exact_identifier(sku)]
    before = reader.reads
    items = reader.read("SKU", readable) if readable else []
    counts = apply_items(connection_id, reader.marketplace_id, items, writer, now)
    counts.api_reads = reader.reads - before
    counts.unreadable = len(unique) - len(readable)
    returned = {item.sku for item in items}
    removals: list[OutboxEvent] = []
    for sku in readable:
        if sku in returned:
            continue
        removed = remove_listing(writer.store, connection_id, reader.marketplace_id, sku, writer.bus_name, now)
        if removed is not None:
            counts.removed += 1
            removals.append(removed[1])
    publish_and_clear(writer.store, connection_id, reader.marketplace_id, removals, writer.publish)
    return counts


def emit(counts: ItemsApplied, metrics: CatalogMetricsSink) -> None:
    """The listings metrics of applied items (once per run: Powertools keeps every data point)."""
    emit_listing_counts(counts, metrics)
    metrics.add_metric(CatalogMetric.CATALOG_API_READS, MetricUnit.Count, counts.api_reads)
