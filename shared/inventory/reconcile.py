"""The `inventory` sync: the daily full reconciliation (and the run a new or re-authorized connection gets).

For every SKU of the connection, every marketplace's offer is computed again with the current settings (rules or
marketplaces may have changed since) and queued to the feed lane, changed or not: whatever drifted at Amazon
(edits in Seller Central, a lost message) is repaired by the next feeds. A changed offer gets a new revision; an
unchanged one is re-sent at its current revision, marked `force` so that the feed lane sends it although Amazon
accepted that revision before.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from shared.inventory import SYNC_TYPE
from shared.inventory.input import BucketStore
from shared.inventory.queues import ChangeQueues
from shared.inventory.state import QueuedChange, reconcile
from shared.models.inventory import Bucket, Change
from shared.repositories.inventory import StoredBucket
from shared.sync.dependencies import JobContext, RunReport, SyncDefinition
from shared.sync.metrics import INVENTORY_CHANGES_QUEUED, MetricsSink, MetricUnit


@dataclass(frozen=True)
class ReconcileDeps:
    """What the reconciliation needs."""

    buckets: BucketStore
    list_buckets: Callable[[str], Iterator[tuple[int, StoredBucket]]]
    queues: ChangeQueues
    metrics: MetricsSink
    clock: Callable[[], datetime]


def run_reconciliation(context: JobContext, deps: ReconcileDeps) -> RunReport:
    """Recomputes and re-queues every SKU's offers of the job's connection."""
    connection, settings, now = context.connection, context.settings, deps.clock()
    bucket_ids = [bucket_id for bucket_id, _ in deps.list_buckets(connection.connection_id)]

    def change(_: int, bucket: Bucket) -> tuple[Bucket | None, list[QueuedChange]]:
        skus = dict(bucket.skus)
        queued: list[QueuedChange] = []
        for sku, state in bucket.skus.items():
            transition = reconcile(sku, state, settings, connection.marketplace_ids, now)
            if transition.state is not None:
                skus[sku] = transition.state
            queued.extend(transition.changes)
        new = Bucket(skus=skus)
        return (new if new != bucket else None), queued

    results = deps.buckets.update(connection.connection_id, bucket_ids, change)
    per_marketplace: dict[str, list[Change]] = defaultdict(list)
    skus = 0
    for queued in results.values():
        for item in queued:
            per_marketplace[item.marketplace_id].append(item.change.model_copy(update={"force": True}))
        skus += len({q.change.sku for q in queued})
    for marketplace_id, changes in sorted(per_marketplace.items()):
        deps.queues.send_changes(connection.connection_id, marketplace_id, changes, now)
    queued_total = sum(len(c) for c in per_marketplace.values())
    deps.metrics.add_metric(INVENTORY_CHANGES_QUEUED, MetricUnit.Count, queued_total)
    counts = {"skus": skus, "changes_queued": queued_total, "marketplaces": len(connection.marketplace_ids)}
    return RunReport(counts=counts, details={"marketplaces": ", ".join(connection.marketplace_ids) or "none"})


def inventory_sync(deps: ReconcileDeps) -> SyncDefinition:
    """The `inventory` sync type's definition."""
    return SyncDefinition(name=SYNC_TYPE, run=lambda context: run_reconciliation(context, deps))
