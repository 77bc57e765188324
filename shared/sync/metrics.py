"""Names of the custom metrics the sync functions emit, and the seam through which they emit them.

Every metric carries the single dimension `sync_type` (infra/constructs/observability.py builds its widgets and alarms
on exactly that dimension set; CloudWatch matches the full set, so an extra dimension would hide a metric from them).
"""

from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit

SYNC_DIMENSION = "sync_type"
# Runs that reached an outcome (OK or ERROR), and those of them that ended in ERROR.
SYNC_RUNS = "SyncRuns"
SYNC_FAILURES = "SyncFailures"
# Connections needing re-authorization: 1 when a run finds a revoked authorization, and the authorization sync's
# hourly dispatch publishes how many connections are in NEEDS_REAUTHORIZATION (0 when none).
CONNECTIONS_NEEDING_REAUTHORIZATION = "ConnectionsNeedingReauthorization"
# Per ACTIVE connection checked by the authorization sync: whole days until its refresh token expires.
DAYS_UNTIL_REAUTHORIZATION = "DaysUntilReauthorization"
# Order import (polling and notifications both emit them with sync_type=orders). The lag is measured per published
# order version: seconds from Amazon's lastUpdatedTime to its event on our bus.
ORDER_IMPORT_LAG_SECONDS = "OrderImportLagSeconds"
ORDERS_IMPORTED = "OrdersImported"
ORDERS_CHANGED = "OrdersChanged"
ORDER_EVENTS_PUBLISHED = "OrderEventsPublished"
NOTIFICATIONS_PROCESSED = "NotificationsProcessed"
NOTIFICATIONS_DEAD_LETTERED = "NotificationsDeadLettered"


class MetricsSink(Protocol):
    """Where metrics go: Powertools' Metrics in the functions (dimension sync_type set there), a list in tests."""

    def add_metric(self, name: str, unit: MetricUnit, value: float) -> None:
        """Adds one data point."""
        ...


__all__ = [
    "CONNECTIONS_NEEDING_REAUTHORIZATION",
    "DAYS_UNTIL_REAUTHORIZATION",
    "SYNC_DIMENSION",
    "SYNC_FAILURES",
    "SYNC_RUNS",
    "MetricUnit",
    "MetricsSink",
]
