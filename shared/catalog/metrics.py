"""The custom metrics of the catalog import and sync, declared once (shared/metrics.py convention).

One dimension, `sync_type` (value `catalog`), the dimension set of the other sync functions' metrics, so infra/ builds
widgets and alarms on the same set. `CatalogMetricsSink` only takes a `CatalogMetric`, so mypy refuses an undeclared
name.
"""

from enum import StrEnum
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit

from shared.metrics import MetricKey, declare
from shared.repositories.listings import Added, Changed, PutResult, Unchanged

SYNC_DIMENSION = "sync_type"
SYNC_TYPE = "catalog"


class CatalogMetric(StrEnum):
    """Metric names of the catalog capability."""

    # Listings stored for the first time; whose visible content changed; deleted (missing from a complete report or
    # deleted at Amazon); re-imported with the same content (the conditional write refused: nothing written).
    LISTINGS_ADDED = "ListingsAdded"
    LISTINGS_CHANGED = "ListingsChanged"
    LISTINGS_REMOVED = "ListingsRemoved"
    LISTINGS_UNCHANGED = "ListingsUnchanged"
    # Rows of the All Listings Report read; rows that could not be read; rows whose SKU or title came back with "?"
    # substitutions (re-read from the Listings Items API).
    CATALOG_REPORT_ROWS = "CatalogReportRows"
    CATALOG_REPORT_PROBLEMS = "CatalogReportProblems"
    CATALOG_GARBLED_ROWS = "CatalogGarbledRows"
    # Listings Items API calls (searchListingsItems pages and re-reads by identifiers).
    CATALOG_API_READS = "CatalogApiReads"
    # Items the hourly delta read; its one-second windows still over Amazon's 1,000-item cap (a report is asked for).
    CATALOG_DELTA_ITEMS = "CatalogDeltaItems"
    CATALOG_DELTA_CAPPED = "CatalogDeltaCapped"


DECLARED: dict[str, MetricKey] = declare(CatalogMetric, SYNC_DIMENSION)


class CatalogMetricsSink(Protocol):
    """Where metrics go: Powertools' Metrics in the functions (dimension sync_type=catalog set there), a list in
    tests."""

    def add_metric(self, name: CatalogMetric, unit: MetricUnit, value: float) -> None:
        """Adds one data point of a declared metric."""
        ...


class ListingTally(Protocol):
    """Counts of listing writes (the report import's ImportCounts, the items' ItemsApplied)."""

    added: int
    changed: int
    unchanged: int
    removed: int


def count_put(result: PutResult, counts: ListingTally) -> None:
    """Counts one conditional listing write by what it did."""
    if isinstance(result, Added):
        counts.added += 1
    elif isinstance(result, Changed):
        counts.changed += 1
    elif isinstance(result, Unchanged):
        counts.unchanged += 1


def emit_listing_counts(counts: ListingTally, metrics: CatalogMetricsSink) -> None:
    """The listings metrics of one run's writes (once per run: Powertools keeps every data point)."""
    metrics.add_metric(CatalogMetric.LISTINGS_ADDED, MetricUnit.Count, counts.added)
    metrics.add_metric(CatalogMetric.LISTINGS_CHANGED, MetricUnit.Count, counts.changed)
    metrics.add_metric(CatalogMetric.LISTINGS_UNCHANGED, MetricUnit.Count, counts.unchanged)
    metrics.add_metric(CatalogMetric.LISTINGS_REMOVED, MetricUnit.Count, counts.removed)


__all__ = [
    "DECLARED",
    "SYNC_DIMENSION",
    "SYNC_TYPE",
    "CatalogMetric",
    "CatalogMetricsSink",
    "ListingTally",
    "MetricUnit",
    "count_put",
    "emit_listing_counts",
]
