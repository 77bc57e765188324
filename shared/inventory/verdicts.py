"""Recording Amazon's verdicts, whichever lane they came by: feed results, fast-lane patches, stock-out repairs.

Apart from results.py (checking a submitted feed: getFeed, its report, polling) because the fast lane records its
patches' answers the same way and needs none of the feed checking. Per bucket, apply_outcome for each SKU
(conditional bucket writes); transient failures and newer revisions Amazon may have lost are queued again; each
rejection becomes an InventoryRejected event; the counts go to metrics.
"""

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from aws_lambda_powertools import Logger

from shared.inventory.answers import Outcome, apply_outcome
from shared.inventory.events import rejected_entries
from shared.inventory.input import BucketStore, ConnectionsReader
from shared.inventory.queues import ChangeQueues
from shared.inventory.state import QueuedChange, bucket_of
from shared.models.inventory import Bucket, Change
from shared.sync.metrics import (
    INVENTORY_ACCEPT_LATENCY_SECONDS,
    INVENTORY_MESSAGES_ACCEPTED,
    INVENTORY_MESSAGES_REJECTED,
    MetricsSink,
    MetricUnit,
)

# Sends of one revision before a transient error is recorded as a rejection.
MAX_ATTEMPTS = 3
# A transient failure is sent again after this long.
RETRY_DELAY_SECONDS = 60


class Publisher(Protocol):
    """EventBusPublisher.publish."""

    def publish(self, entries: Sequence[dict[str, object]]) -> None:
        """PutEvents."""
        ...


@dataclass(frozen=True)
class VerdictDeps:
    """What recording Amazon's verdicts needs."""

    connections: ConnectionsReader
    buckets: BucketStore
    queues: ChangeQueues
    publisher: Publisher
    bus_name: str
    metrics: MetricsSink
    logger: Logger
    clock: Callable[[], datetime]


@dataclass
class Recorded:
    """What recording a set of outcomes did."""

    accepted: int = 0
    rejected: int = 0
    retried: int = 0
    ignored: int = 0
    # A patch-first message's changes the fast lane handed to the feed lane (shared/inventory/patch_first.py).
    handed_over: int = 0
    latency: float = 0.0
    rejections: list[Outcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """For the feed record and logs."""
        return {"accepted": self.accepted, "rejected": self.rejected, "retried": self.retried}


@dataclass
class _BucketResult:
    retries: list[QueuedChange] = field(default_factory=list)
    recorded: Recorded = field(default_factory=Recorded)


def _apply(bucket: Bucket, outcomes_: Sequence[Outcome], now: datetime) -> tuple[Bucket | None, _BucketResult]:
    """The outcomes of one bucket's SKUs recorded; the new bucket (None: nothing to write) and what followed."""
    skus = dict(bucket.skus)
    result = _BucketResult()
    for outcome in outcomes_:
        state = skus.get(outcome.change.sku)
        answered = apply_outcome(outcome.change.sku, state, outcome, now, MAX_ATTEMPTS)
        if answered.retry is not None:
            result.retries.append(answered.retry)
        if not answered.recorded:
            if answered.retry is not None:
                result.recorded.retried += 1
            else:
                result.recorded.ignored += 1
            continue
        if answered.state is not None:
            skus[outcome.change.sku] = answered.state
        if outcome.status == "ACCEPTED":
            result.recorded.accepted += 1
            if state is not None:
                waited = (now - state.source.received_at).total_seconds()
                result.recorded.latency = max(result.recorded.latency, waited)
        else:
            result.recorded.rejected += 1
            result.recorded.rejections.append(outcome)
    changed = result.recorded.accepted or result.recorded.rejected
    return (Bucket(skus=skus) if changed else None), result


def record_outcomes(
    connection_id: str,
    outcomes_: Sequence[Outcome],
    deps: VerdictDeps,
    repaired: Collection[tuple[str, str, int]] = (),
) -> Recorded:
    """Writes the verdicts, queues the retries, publishes the rejections, counts (see the module doc).

    `repaired`: (marketplace id, SKU, revision) the early repair already patched after Amazon finished the feed; a
    forced re-send of the same revision is not queued again.
    """
    now = deps.clock()
    by_bucket: dict[int, list[Outcome]] = defaultdict(list)
    for outcome in outcomes_:
        by_bucket[bucket_of(outcome.change.sku)].append(outcome)
    results = deps.buckets.update(connection_id, sorted(by_bucket), lambda b, bucket: _apply(bucket, by_bucket[b], now))
    total = Recorded()
    retries: dict[str, list[Change]] = defaultdict(list)
    for result in results.values():
        part = result.recorded
        total.accepted += part.accepted
        total.rejected += part.rejected
        total.retried += part.retried
        total.ignored += part.ignored
        total.latency = max(total.latency, part.latency)
        total.rejections.extend(part.rejections)
        for queued in result.retries:
            key = (queued.marketplace_id, queued.change.sku, queued.change.rev)
            if queued.change.force and key in repaired:
                continue
            retries[queued.marketplace_id].append(queued.change)
    for marketplace_id, changes in sorted(retries.items()):
        deps.queues.send_changes(connection_id, marketplace_id, changes, now, delay_seconds=RETRY_DELAY_SECONDS)
        stock_outs = [c for c in changes if c.values.quantity == 0]
        if stock_outs:
            deps.queues.send_stock_outs(connection_id, marketplace_id, stock_outs, now)
    if total.rejections:
        deps.publisher.publish(rejected_entries(connection_id, total.rejections, deps.bus_name))
    deps.metrics.add_metric(INVENTORY_MESSAGES_ACCEPTED, MetricUnit.Count, total.accepted)
    deps.metrics.add_metric(INVENTORY_MESSAGES_REJECTED, MetricUnit.Count, total.rejected)
    if total.accepted:
        deps.metrics.add_metric(INVENTORY_ACCEPT_LATENCY_SECONDS, MetricUnit.Seconds, total.latency)
    return total
