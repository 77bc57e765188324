"""The metrics of seller-initiated cancellations (shared/metrics.py's convention: names declared once, one dimension).

Every metric carries the single dimension `sync_type` (value `shipments` in the functions), like the sync metrics
(shared/sync/metrics.py), so infra's alarms and widgets match them by exactly that dimension set.
"""

from enum import StrEnum
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit

from shared.metrics import MetricKey, declare

DIMENSION = "sync_type"


class CancellationMetric(StrEnum):
    """Metric names of the cancellation path."""

    # Requests recorded pending, and requests we refused before anything went to Amazon.
    CANCELLATIONS_REQUESTED = "CancellationsRequested"
    CANCELLATIONS_REFUSED = "CancellationsRefused"
    # Order acknowledgement feeds submitted (each carries every pending cancellation of one connection).
    CANCELLATION_FEEDS_SUBMITTED = "CancellationFeedsSubmitted"
    # Amazon's verdicts: the order cancelled, or the message rejected (the alarm watches this one).
    CANCELLATIONS_CANCELLED = "CancellationsCancelled"
    CANCELLATIONS_REJECTED = "CancellationsRejected"
    # Seconds from the request to Amazon's verdict (the target: at most 5 minutes).
    CANCELLATION_VERDICT_SECONDS = "CancellationVerdictSeconds"


DECLARED: dict[str, MetricKey] = declare(CancellationMetric, DIMENSION)


class CancellationMetricsSink(Protocol):
    """Where cancellation metrics go: Powertools' Metrics in the functions, a list in tests."""

    def add_metric(self, name: CancellationMetric, unit: MetricUnit, value: float) -> None:
        """Adds one data point of a declared metric."""
        ...


class NoMetrics:
    """A sink that drops everything (callers that do not measure)."""

    def add_metric(self, name: CancellationMetric, unit: MetricUnit, value: float) -> None:
        """Drops the data point."""


__all__ = ["DECLARED", "DIMENSION", "CancellationMetric", "CancellationMetricsSink", "MetricUnit", "NoMetrics"]
