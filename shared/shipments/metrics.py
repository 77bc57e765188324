"""The custom metrics of the shipments capability (shipments and cancellations functions, and their alarms).

Declared once here (shared/metrics.py convention) with the single dimension `sync_type` (value `shipments`), the
dimension set of the other sync functions' metrics, so infra/constructs builds widgets and alarms on the same set.
`ShipmentMetricsSink` only takes a `ShipmentMetric`, so mypy refuses an undeclared name.
"""

from enum import StrEnum
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit

from shared.metrics import MetricKey, declare

SYNC_DIMENSION = "sync_type"
SYNC_TYPE = "shipments"


class ShipmentMetric(StrEnum):
    """Metric names of the shipments capability."""

    # ShipmentCreated requests received (events, CSV rows grouped per package, CLI).
    SHIPMENTS_RECEIVED = "ShipmentsReceived"
    # Packages Amazon answered 204 for; those its order then showed (confirmed); those it refused (4xx, final).
    SHIPMENTS_SENT = "ShipmentsSent"
    SHIPMENTS_CONFIRMED = "ShipmentsConfirmed"
    SHIPMENTS_REJECTED = "ShipmentsRejected"
    # Requests we refused before sending (order missing, not ours to ship, over-shipment...).
    SHIPMENTS_REFUSED = "ShipmentsRefused"
    # Redelivered packages already at Amazon with the same content: nothing sent.
    SHIPMENTS_UNCHANGED = "ShipmentsUnchanged"
    # 204s Amazon's order never reflected (reported).
    SHIPMENTS_UNVERIFIED = "ShipmentsUnverified"
    # Orders not fully confirmed within the margin of (or past) their latest ship date.
    SHIPMENTS_AT_RISK = "ShipmentsAtRisk"
    # Seconds from recording a package to its confirmation.
    SHIPMENT_CONFIRM_LATENCY_SECONDS = "ShipmentConfirmLatencySeconds"
    # Cancellations: requests received, refused before sending, cancelled and rejected by Amazon, feeds submitted.
    CANCELLATIONS_RECEIVED = "CancellationsReceived"
    CANCELLATIONS_REFUSED = "CancellationsRefused"
    CANCELLATIONS_CANCELLED = "CancellationsCancelled"
    CANCELLATIONS_REJECTED = "CancellationsRejected"
    CANCELLATION_FEEDS_SUBMITTED = "CancellationFeedsSubmitted"


DECLARED: dict[str, MetricKey] = declare(ShipmentMetric, SYNC_DIMENSION)


class ShipmentMetricsSink(Protocol):
    """Where metrics go: Powertools' Metrics in the functions (dimension sync_type=shipments set there), a list in
    tests."""

    def add_metric(self, name: ShipmentMetric, unit: MetricUnit, value: float) -> None:
        """Adds one data point of a declared metric."""
        ...


__all__ = ["DECLARED", "SYNC_DIMENSION", "SYNC_TYPE", "MetricUnit", "ShipmentMetric", "ShipmentMetricsSink"]
