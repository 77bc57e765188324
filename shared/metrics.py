"""The convention every custom metric follows: one namespace, and each metric declared with the dimensions it carries.

A capability declares its metric names once, as a `StrEnum` (a member is a `str`, so Powertools takes it as the name),
and maps each to its `MetricKey` with `declare`: shared/sync/metrics.py (the sync, orders and inventory functions) and
shared/oauth/metrics.py (the OAuth endpoints). The code that emits a metric and the alarms and widgets in infra/ import
the same member; tests/infra/test_metric_contract.py checks that every metric an alarm or widget reads is one of the
declared metrics that some code emits. CloudWatch matches a metric by namespace, name and the full set of dimension
names, so a dimension added at emission (Powertools' default `service`, say) hides the metric from every alarm.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# The namespace of every custom metric (the functions read it from POWERTOOLS_METRICS_NAMESPACE, which infra sets).
NAMESPACE = "SellerSync"


@dataclass(frozen=True)
class MetricKey:
    """What identifies a metric to CloudWatch: namespace, name and the names of its dimensions."""

    namespace: str
    name: str
    dimensions: frozenset[str]


def declare(names: Iterable[StrEnum], *dimensions: str) -> dict[str, MetricKey]:
    """The key of each named metric, emitted in NAMESPACE with exactly these dimension names."""
    return {str(name): MetricKey(NAMESPACE, str(name), frozenset(dimensions)) for name in names}
