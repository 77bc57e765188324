"""The custom metrics the sync functions emit (and the notifications and inventory functions), and the seam they go
through.

Every metric carries the single dimension `sync_type` in namespace shared.metrics.NAMESPACE (`DECLARED`; the
functions set both once per container, and infra/constructs/observability.py builds its widgets and alarms on exactly
that dimension set; CloudWatch matches the full set, so an extra dimension would hide a metric from them). Names are
`SyncMetric` members, declared once here; the module-level constants below are the same members, for the emitting
code's imports. `MetricsSink` only takes a `SyncMetric`, so mypy refuses an undeclared name.
"""

from enum import StrEnum
from typing import Protocol

from shared.metrics import MetricKey, declare

SYNC_DIMENSION = "sync_type"


class MetricUnit(StrEnum):
    """The units our sync metrics use, spelled as Powertools' MetricUnit (which takes them as strings): declared here
    so that importing these names (infra/config.py does, and so `sellersync status`) loads no Powertools."""

    Count = "Count"
    Seconds = "Seconds"


class SyncMetric(StrEnum):
    """Metric names of the sync, orders (polling and notifications) and inventory functions."""

    # Runs that reached an outcome (OK or ERROR), and those of them that ended in ERROR.
    SYNC_RUNS = "SyncRuns"
    SYNC_FAILURES = "SyncFailures"
    # The heartbeat the stall alarm watches (shared/models/schedule.py): 1 per run that succeeded, and 1 per dispatch
    # that found no connection due (a stack without connections has nothing to sync, which is no stall).
    SYNC_HEARTBEATS = "SyncHeartbeats"
    # Per connection run: 1 when the connection has now failed FAILING_AFTER_RUNS runs or more in a row, else 0. No
    # connection dimension (connections are unbounded; a dimension each would be a custom metric each): the alarm
    # takes the Maximum, and the status items' `consecutive_failures` name the connections.
    CONNECTIONS_FAILING = "ConnectionsFailing"
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
    # Inventory (every inventory function emits them with sync_type=inventory). Records: values received from the
    # merchant (events, CSV, `inventory set`); invalid ones went to the input DLQ; stale ones were older than the value
    # already held (latest wins). Changes: (SKU, marketplace) values queued towards Amazon. Messages: feed messages and
    # fast-lane patches with Amazon's verdict. Latency: seconds from receiving a value to Amazon's acceptance of it.
    INVENTORY_RECORDS_RECEIVED = "InventoryRecordsReceived"
    INVENTORY_RECORDS_INVALID = "InventoryRecordsInvalid"
    INVENTORY_RECORDS_STALE = "InventoryRecordsStale"
    # Records of the same asOf as the held value but another value, resolved toward the lower quantity.
    INVENTORY_TIES_RESOLVED = "InventoryTiesResolved"
    INVENTORY_CHANGES_QUEUED = "InventoryChangesQueued"
    INVENTORY_PRICES_REFUSED = "InventoryPricesRefused"
    INVENTORY_FEEDS_SUBMITTED = "InventoryFeedsSubmitted"
    INVENTORY_FEEDS_FAILED = "InventoryFeedsFailed"
    INVENTORY_MESSAGES_ACCEPTED = "InventoryMessagesAccepted"
    INVENTORY_MESSAGES_REJECTED = "InventoryMessagesRejected"
    INVENTORY_STOCK_OUT_PATCHES = "InventoryStockOutPatches"
    # Stock-outs an older feed overwrote at Amazon, patched again once that feed was done (shared/inventory/watch.py).
    INVENTORY_STOCK_OUT_REPAIRS = "InventoryStockOutRepairs"
    INVENTORY_ACCEPT_LATENCY_SECONDS = "InventoryAcceptLatencySeconds"


DECLARED: dict[str, MetricKey] = declare(SyncMetric, SYNC_DIMENSION)

SYNC_RUNS = SyncMetric.SYNC_RUNS
SYNC_FAILURES = SyncMetric.SYNC_FAILURES
SYNC_HEARTBEATS = SyncMetric.SYNC_HEARTBEATS
CONNECTIONS_FAILING = SyncMetric.CONNECTIONS_FAILING
CONNECTIONS_NEEDING_REAUTHORIZATION = SyncMetric.CONNECTIONS_NEEDING_REAUTHORIZATION
DAYS_UNTIL_REAUTHORIZATION = SyncMetric.DAYS_UNTIL_REAUTHORIZATION
ORDER_IMPORT_LAG_SECONDS = SyncMetric.ORDER_IMPORT_LAG_SECONDS
ORDERS_IMPORTED = SyncMetric.ORDERS_IMPORTED
ORDERS_CHANGED = SyncMetric.ORDERS_CHANGED
ORDER_EVENTS_PUBLISHED = SyncMetric.ORDER_EVENTS_PUBLISHED
NOTIFICATIONS_PROCESSED = SyncMetric.NOTIFICATIONS_PROCESSED
NOTIFICATIONS_DEAD_LETTERED = SyncMetric.NOTIFICATIONS_DEAD_LETTERED
INVENTORY_RECORDS_RECEIVED = SyncMetric.INVENTORY_RECORDS_RECEIVED
INVENTORY_RECORDS_INVALID = SyncMetric.INVENTORY_RECORDS_INVALID
INVENTORY_RECORDS_STALE = SyncMetric.INVENTORY_RECORDS_STALE
INVENTORY_TIES_RESOLVED = SyncMetric.INVENTORY_TIES_RESOLVED
INVENTORY_CHANGES_QUEUED = SyncMetric.INVENTORY_CHANGES_QUEUED
INVENTORY_PRICES_REFUSED = SyncMetric.INVENTORY_PRICES_REFUSED
INVENTORY_FEEDS_SUBMITTED = SyncMetric.INVENTORY_FEEDS_SUBMITTED
INVENTORY_FEEDS_FAILED = SyncMetric.INVENTORY_FEEDS_FAILED
INVENTORY_MESSAGES_ACCEPTED = SyncMetric.INVENTORY_MESSAGES_ACCEPTED
INVENTORY_MESSAGES_REJECTED = SyncMetric.INVENTORY_MESSAGES_REJECTED
INVENTORY_STOCK_OUT_PATCHES = SyncMetric.INVENTORY_STOCK_OUT_PATCHES
INVENTORY_STOCK_OUT_REPAIRS = SyncMetric.INVENTORY_STOCK_OUT_REPAIRS
INVENTORY_ACCEPT_LATENCY_SECONDS = SyncMetric.INVENTORY_ACCEPT_LATENCY_SECONDS


class MetricsSink(Protocol):
    """Where metrics go: Powertools' Metrics in the functions (dimension sync_type set there), a list in tests."""

    def add_metric(self, name: SyncMetric, unit: MetricUnit, value: float) -> None:
        """Adds one data point of a declared metric."""
        ...


__all__ = [
    "CONNECTIONS_FAILING",
    "CONNECTIONS_NEEDING_REAUTHORIZATION",
    "DAYS_UNTIL_REAUTHORIZATION",
    "DECLARED",
    "SYNC_DIMENSION",
    "SYNC_FAILURES",
    "SYNC_HEARTBEATS",
    "SYNC_RUNS",
    "MetricUnit",
    "MetricsSink",
    "SyncMetric",
]
