"""A complete All Listings Report applied to the stored catalog of one (connection, marketplace).

Rows are taken 20 at a time. The batch's stored listings are read (one BatchGetItem); with `skip_unchanged` (the
daily reconciliation once the hourly delta keeps listings current) a row whose SKU is stored and whose report values
agree with it is left alone (counted `skipped_unchanged`, and `unchanged`); the others (every row of a first import)
are re-read from the Listings Items API (shared/catalog/enrich.py; counted `reread`). Each becomes a listing from its
row and its item (shared/catalog/merge.py: the API's values win), written only if something a consumer sees changed,
together with its event in the outbox (shared/catalog/outbox.py: one transaction conditioned on the stored content),
then announced (ListingAdded / ListingChanged) and cleared from the outbox. A row whose SKU or title holds "?"
substitutions for characters outside Cp1252 takes its exact SKU and title from the item it matches; one no item
matches is not written (counted `garbled`, kept as listed). Afterwards every stored SKU the report no longer lists is
removed and announced (ListingRemoved, through the outbox too): the report is the complete list. Outbox items a
crashed run left behind are published again at the end (`republished`). The entries done are noted for the CLI's
progress bar (shared/catalog/progress.py).

Out of time: the client raises OutOfTimeError before a call it cannot finish. The reads of a batch come before its
writes, so the import stops between batches: the events of the writes made are published and ImportInterrupted
carries how many report entries are done and the counts so far. The caller keeps them with the report id and applies
the same report again later from there (`resume`): the entries before are only noted as listed, nothing is counted
twice, and deletions happen once, after the last row. Applying an entry again is harmless anyway (an unchanged listing
is not written).
"""

from collections.abc import Callable, Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from shared.catalog.enrich import BATCH, ItemReader, needs_read, read_items
from shared.catalog.merge import merge, missing_skus
from shared.catalog.metrics import CatalogMetric, CatalogMetricsSink, MetricUnit, count_put, emit_listing_counts
from shared.catalog.outbox import OutboxStore, publish_and_clear, remove_listing, republish_pending, store_listings
from shared.catalog.progress import ProgressWriter
from shared.catalog.report import ReportListing, ReportProblem
from shared.models.listings import Listing
from shared.repositories.listings_import import OutboxEvent, StoredListing
from shared.spapi.errors import OutOfTimeError
from shared.spapi.models.listings import ListingsItem

# Events go out in batches of this many (PutEvents takes 10 an entry call; the publisher splits).
PUBLISH_BATCH = 100


class CatalogStore(OutboxStore, Protocol):
    """The parts of ListingsRepository the import uses."""

    def skus(self, connection_id: str, marketplace_id: str) -> Iterable[str]: ...  # noqa: D102


@dataclass
class ImportCounts:
    """What one report did to the stored catalog (`unchanged` includes the rows not re-read, `skipped_unchanged`)."""

    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    garbled: int = 0
    problems: int = 0
    api_reads: int = 0
    reread: int = 0
    skipped_unchanged: int = 0
    republished: int = 0
    problem_lines: list[int] = field(default_factory=list)

    def as_counts(self) -> dict[str, int]:
        """The counts of the sync status item."""
        return {key: getattr(self, key) for key in COUNT_KEYS}

    @classmethod
    def from_counts(cls, counts: dict[str, int]) -> "ImportCounts":
        """Counts kept by an interrupted import (as_counts), to go on from."""
        found = cls()
        for key in COUNT_KEYS:
            setattr(found, key, counts.get(key, 0))
        return found


COUNT_KEYS = (
    "rows",
    "added",
    "changed",
    "unchanged",
    "removed",
    "garbled",
    "problems",
    "api_reads",
    "reread",
    "skipped_unchanged",
    "republished",
)


@dataclass(frozen=True)
class Resume:
    """Where an interrupted import of a report stopped: entries (rows, unreadable rows) done, the counts so far."""

    entries: int = 0
    counts: ImportCounts = field(default_factory=ImportCounts)


class ImportInterruptedError(Exception):
    """The Lambda's time ran out between two batches; apply the same report again with `resume`."""

    def __init__(self, resume: Resume, retry_after: float) -> None:
        super().__init__(f"out of time after {resume.entries} report entries")
        self.resume = resume
        self.retry_after = retry_after


def apply_report(
    connection_id: str,
    marketplace_id: str,
    rows: Iterable[ReportListing | ReportProblem],
    store: CatalogStore,
    publish: Callable[[Sequence[dict[str, Any]]], None],
    bus_name: str,
    now: datetime,
    metrics: CatalogMetricsSink,
    reader: ItemReader | None = None,
    resume: Resume | None = None,
    *,
    skip_unchanged: bool = False,
    progress: ProgressWriter | None = None,
) -> ImportCounts:
    """Applies a complete report (see the module doc); events are published as the writes land. Without a reader the
    rows are written from the report alone (garbled ones not at all). `skip_unchanged`: rows whose report values agree
    with the stored listing are not re-read (the daily reconciliation once the delta runs); `progress`: where the
    entries done are noted.

    Raises ImportInterruptedError when the client runs out of time (the writes before it stand, their events sent).
    """
    resume = resume or Resume()
    run = _Import(connection_id, marketplace_id, store, publish, bus_name, now, metrics, reader, resume)
    run.skip_unchanged, run.progress = skip_unchanged, progress
    if progress is not None:
        progress.note(resume.entries)
    reported, entries = set[str](), 0
    for entries, row in enumerate(rows, start=1):
        if isinstance(row, ReportListing):
            reported.add(row.seller_sku)
        if entries <= resume.entries:
            continue
        if isinstance(row, ReportProblem):
            run.counts.problems += 1
            run.counts.problem_lines.append(row.line)
            continue
        run.counts.rows += 1
        run.batch.append(row)
        if len(run.batch) >= BATCH:
            run.write(entries)
    if run.batch:
        run.write(entries)
    run.finish(reported, entries)
    _emit(run.counts, metrics)
    return run.counts


@dataclass
class _Import:
    """One report being applied: its batch of rows to read and write, the events not yet published, the counts, and
    the last point it could go on from (`done`)."""

    connection_id: str
    marketplace_id: str
    store: CatalogStore
    publish: Callable[[Sequence[dict[str, Any]]], None]
    bus_name: str
    now: datetime
    metrics: CatalogMetricsSink
    reader: ItemReader | None
    done: Resume
    skip_unchanged: bool = False
    progress: ProgressWriter | None = None
    counts: ImportCounts = field(init=False)
    batch: list[ReportListing] = field(default_factory=list)
    pending: list[OutboxEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.counts = deepcopy(self.done.counts)

    def announce(self, event: OutboxEvent | None, *, whole: bool = True) -> None:
        """Queues an event (already in the outbox), publishing a full batch; `whole=False` while the events of one
        outbox item are still coming (an item is cleared once all of its events went out)."""
        if event is not None:
            self.pending.append(event)
        if whole and len(self.pending) >= PUBLISH_BATCH:
            self.flush()

    def flush(self) -> None:
        """Publishes the queued events and clears them from the outbox."""
        if self.pending:
            publish_and_clear(self.store, self.connection_id, self.marketplace_id, self.pending, self.publish)
            self.pending.clear()

    def write(self, entries: int) -> None:
        """Reads the batch's items (the rows that need it), then writes its listings with their events; `entries`
        report entries are done afterwards."""
        stored = self.store.get_many(self.connection_id, self.marketplace_id, [r.seller_sku for r in self.batch])
        to_read = self.batch
        if self.skip_unchanged:
            to_read = [row for row in self.batch if needs_read(row, _listing(stored.get(row.seller_sku)))]
            skipped = len(self.batch) - len(to_read)
            self.counts.skipped_unchanged += skipped
            self.counts.unchanged += skipped
        if self.reader is not None:
            self.counts.reread += len(to_read)
        pairs = self._read(to_read) if self.reader else [(row, None) for row in to_read]
        exact = [i.sku for r, i in pairs if i is not None and i.sku != r.seller_sku and i.sku not in stored]
        if exact:  # a garbled row's exact SKU, or a case the report spelled differently
            stored |= self.store.get_many(self.connection_id, self.marketplace_id, exact)
        listings: list[tuple[Listing, StoredListing | None]] = []
        for row, item in pairs:
            if row.garbled and item is None:
                self.counts.garbled += 1
                continue
            listing = merge(self.connection_id, self.marketplace_id, self.now, row=row, item=item)
            listings.append((listing, stored.get(listing.sku)))
        for result, event in store_listings(self.store, listings, self.bus_name, self.now):
            count_put(result, self.counts)
            self.announce(event, whole=False)
        self.announce(None)
        self.batch.clear()
        self.done = Resume(entries, deepcopy(self.counts))
        if self.progress is not None:
            self.progress.note(entries)

    def finish(self, reported: set[str], entries: int) -> None:
        """After the last row: the stored SKUs the report no longer lists removed and announced, the outbox swept,
        the progress noted as complete."""
        cid, mkt = self.connection_id, self.marketplace_id
        for sku in list(missing_skus(self.store.skus(cid, mkt), reported)):
            removed = remove_listing(self.store, cid, mkt, sku, self.bus_name, self.now)
            if removed is not None:
                self.counts.removed += 1
                self.announce(removed[1])
        self.flush()
        self.counts.republished += republish_pending(self.store, cid, mkt, self.publish, self.now)
        if self.progress is not None:
            self.progress.note(entries, final=True)

    def _read(self, rows: list[ReportListing]) -> list[tuple[ReportListing, ListingsItem | None]]:
        assert self.reader is not None
        if not rows:
            return []
        before = self.reader.reads
        try:
            return read_items(self.reader, rows)
        except OutOfTimeError as exc:
            self.flush()
            raise ImportInterruptedError(self.done, exc.retry_after) from exc
        except Exception:
            self.flush()  # the listings written stand: their events must not wait for a retry that writes nothing
            raise
        finally:
            made = self.reader.reads - before
            self.counts.api_reads += made
            self.metrics.add_metric(CatalogMetric.CATALOG_API_READS, MetricUnit.Count, made)


def _listing(stored: StoredListing | None) -> Listing | None:
    return stored.listing if stored is not None else None


def _emit(counts: ImportCounts, metrics: CatalogMetricsSink) -> None:
    metrics.add_metric(CatalogMetric.CATALOG_REPORT_ROWS, MetricUnit.Count, counts.rows)
    metrics.add_metric(CatalogMetric.CATALOG_REPORT_PROBLEMS, MetricUnit.Count, counts.problems)
    metrics.add_metric(CatalogMetric.CATALOG_GARBLED_ROWS, MetricUnit.Count, counts.garbled)
    emit_listing_counts(counts, metrics)
