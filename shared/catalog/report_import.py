"""A complete All Listings Report applied to the stored catalog of one (connection, marketplace).

Every row that reads cleanly becomes a listing (shared/catalog/merge.py), written only if something a consumer sees
changed (ListingsRepository.put_if_changed: one conditional write) and announced (ListingAdded / ListingChanged).
A row whose SKU or title may hold "?" substitutions for characters outside Cp1252 is not written from the report (its
exact characters must come from the Listings Items API: counted as `garbled`, kept as listed). Afterwards every stored
SKU the report no longer lists is removed and announced (ListingRemoved): the report is the complete list.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from shared.catalog.events import put_entry, removed_entry
from shared.catalog.merge import merge, missing_skus
from shared.catalog.metrics import CatalogMetric, CatalogMetricsSink, MetricUnit
from shared.catalog.report import ReportListing, ReportProblem
from shared.models.listings import Listing
from shared.repositories.listings import Added, Changed, PutResult, Unchanged

# Events go out in batches of this many (PutEvents takes 10 an entry call; the publisher splits).
PUBLISH_BATCH = 100


class CatalogStore(Protocol):
    """The parts of ListingsRepository the import uses."""

    def put_if_changed(self, listing: Listing) -> PutResult: ...  # noqa: D102

    def remove(self, connection_id: str, marketplace_id: str, sku: str) -> Listing | None: ...  # noqa: D102

    def skus(self, connection_id: str, marketplace_id: str) -> Iterable[str]: ...  # noqa: D102


@dataclass
class ImportCounts:
    """What one report did to the stored catalog."""

    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    garbled: int = 0
    problems: int = 0
    problem_lines: list[int] = field(default_factory=list)

    def as_counts(self) -> dict[str, int]:
        """The counts of the sync status item."""
        keys = ("rows", "added", "changed", "unchanged", "removed", "garbled", "problems")
        return {key: getattr(self, key) for key in keys}


def apply_report(
    connection_id: str,
    marketplace_id: str,
    rows: Iterable[ReportListing | ReportProblem],
    store: CatalogStore,
    publish: Callable[[Sequence[dict[str, Any]]], None],
    bus_name: str,
    now: datetime,
    metrics: CatalogMetricsSink,
) -> ImportCounts:
    """Applies a complete report (see the module doc); events are published as the writes land."""
    counts, reported, pending = ImportCounts(), set[str](), list[dict[str, Any]]()

    def announce(entry: dict[str, Any] | None) -> None:
        if entry is not None:
            pending.append(entry)
        if len(pending) >= PUBLISH_BATCH:
            publish(list(pending))
            pending.clear()

    for row in rows:
        if isinstance(row, ReportProblem):
            counts.problems += 1
            counts.problem_lines.append(row.line)
            continue
        counts.rows += 1
        reported.add(row.seller_sku)
        if row.garbled:
            counts.garbled += 1
            continue
        result = store.put_if_changed(merge(connection_id, marketplace_id, now, row=row))
        _count(result, counts)
        announce(put_entry(result, bus_name))
    for sku in list(missing_skus(store.skus(connection_id, marketplace_id), reported)):
        removed = store.remove(connection_id, marketplace_id, sku)
        if removed is not None:
            counts.removed += 1
            announce(removed_entry(removed, now, bus_name))
    if pending:
        publish(pending)
    _emit(counts, metrics)
    return counts


def _count(result: PutResult, counts: ImportCounts) -> None:
    if isinstance(result, Added):
        counts.added += 1
    elif isinstance(result, Changed):
        counts.changed += 1
    elif isinstance(result, Unchanged):
        counts.unchanged += 1


def _emit(counts: ImportCounts, metrics: CatalogMetricsSink) -> None:
    metrics.add_metric(CatalogMetric.CATALOG_REPORT_ROWS, MetricUnit.Count, counts.rows)
    metrics.add_metric(CatalogMetric.CATALOG_REPORT_PROBLEMS, MetricUnit.Count, counts.problems)
    metrics.add_metric(CatalogMetric.CATALOG_GARBLED_ROWS, MetricUnit.Count, counts.garbled)
    metrics.add_metric(CatalogMetric.LISTINGS_ADDED, MetricUnit.Count, counts.added)
    metrics.add_metric(CatalogMetric.LISTINGS_CHANGED, MetricUnit.Count, counts.changed)
    metrics.add_metric(CatalogMetric.LISTINGS_UNCHANGED, MetricUnit.Count, counts.unchanged)
    metrics.add_metric(CatalogMetric.LISTINGS_REMOVED, MetricUnit.Count, counts.removed)
