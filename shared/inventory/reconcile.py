"""The `inventory` sync: the daily full reconciliation (and the run a new or re-authorized connection gets).

For every SKU of the connection, every marketplace's offer is computed again with the current settings (rules or
marketplaces may have changed since) and queued to the feed lane, changed or not: whatever drifted at Amazon
(edits in Seller Central, a lost message) is repaired by the next feeds. A changed offer gets a new revision; an
unchanged one is re-sent at its current revision, marked `force` so that the feed lane sends it although Amazon
accepted that revision before.

With the stored catalog (`catalog`, shared/inventory/seed.py): a marketplace whose listing is fulfilled by Amazon is
held, never re-sent (SKUs counted: `amazon_fulfilled`); every listed SKU the merchant never sent gets a seeded state
(`seeded`: its Amazon-fulfilled marketplaces held and, with `seed_inventory_from_amazon`, Amazon's quantity in the
others; nothing sent), which each run refreshes from the catalog and the setting, or drops when there is nothing left
to hold (`seeds_dropped`). The catalog is read once per run, as ListingFacts only (a few dozen bytes per listing).

When the connection's catalog sync is on (its hourly delta keeps Amazon's side of every listing current), an offer
already in step is not re-sent (`in_step`): Amazon accepted its very revision and the stored listing, as the catalog
last read it, carries its quantity and handling time. Drift (a Seller Central edit, a lost message, Amazon's own
decrement after an order the merchant has not counted yet) shows there as another value and is re-sent. A priced
offer is always re-sent (the catalog does not hold the minimum price). Without the catalog sync, every offer is.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from shared.inventory import SYNC_TYPE
from shared.inventory.input import BucketStore
from shared.inventory.queues import ChangeQueues
from shared.inventory.seed import CatalogReader, ListingFacts, reseed, seeded_state
from shared.inventory.state import QueuedChange, bucket_of, reconcile
from shared.models.inventory import Bucket, Change, SkuState
from shared.models.settings import ConnectionSettings
from shared.repositories.inventory import StoredBucket
from shared.sync.dependencies import JobContext, RunReport, SyncDefinition
from shared.sync.metrics import INVENTORY_CHANGES_QUEUED, MetricsSink, MetricUnit

# The catalog sync type's name (shared/catalog: a capability inventory does not import).
CATALOG_SYNC = "catalog"


@dataclass(frozen=True)
class ReconcileDeps:
    """What the reconciliation needs."""

    buckets: BucketStore
    list_buckets: Callable[[str], Iterator[tuple[int, StoredBucket]]]
    queues: ChangeQueues
    metrics: MetricsSink
    clock: Callable[[], datetime]
    # The stored catalog (None: not read; no marketplace is held as Amazon-fulfilled anew, nothing is seeded).
    catalog: CatalogReader | None = None


@dataclass
class _Reconciled:
    """What reconciling one bucket did."""

    queued: list[QueuedChange] = field(default_factory=list)
    amazon_fulfilled: int = 0
    seeded: int = 0
    seeds_dropped: int = 0
    in_step: int = 0


@dataclass(frozen=True)
class _Run:
    settings: ConnectionSettings
    marketplace_ids: list[str]
    now: datetime
    # Per SKU, its stored listings per marketplace (None: the catalog was not read).
    catalog: dict[str, dict[str, ListingFacts]] | None
    # The catalog sync is on: the stored listings hold Amazon's current offer (within the hour).
    trust_catalog: bool = False

    def bucket(self, bucket: Bucket, to_seed: list[str]) -> tuple[Bucket | None, _Reconciled]:
        skus: dict[str, SkuState] = {}
        done = _Reconciled()
        for sku, state in bucket.skus.items():
            listings = None if self.catalog is None else self.catalog.get(sku, {})
            if state.source.seeded:
                if listings is None:
                    skus[sku] = state  # the catalog was not read: the seed stays as it is
                    continue
                kept = reseed(state, listings, self.settings, self.marketplace_ids, self.now)
                if kept is None:
                    done.seeds_dropped += 1
                else:
                    skus[sku] = kept
                continue
            transition = reconcile(sku, state, self.settings, self.marketplace_ids, self.now, listings)
            skus[sku] = transition.state or state
            queued = list(transition.changes)
            if listings is not None and self.trust_catalog:
                queued = [q for q in queued if not in_step(skus[sku], q, listings.get(q.marketplace_id))]
                done.in_step += len(transition.changes) - len(queued)
            done.queued.extend(queued)
            done.amazon_fulfilled += bool(transition.amazon_fulfilled)
        for sku in to_seed:
            if sku in skus or self.catalog is None:
                continue
            seeded = seeded_state(self.catalog[sku], self.settings, self.marketplace_ids, self.now)
            if seeded is not None:
                skus[sku] = seeded
                done.seeded += 1
        new = Bucket(skus=skus)
        return (new if new != bucket else None), done


def in_step(state: SkuState, queued: QueuedChange, facts: ListingFacts | None) -> bool:
    """Whether a reconciled offer needs no re-send: Amazon accepted this very revision, and Amazon's listing as the
    catalog last read it (merchant-fulfilled) carries its quantity and handling time; never for a priced offer."""
    market = state.markets.get(queued.marketplace_id)
    accepted = market.accepted if market is not None else None
    values = queued.change.values
    if accepted is None or accepted.rev != queued.change.rev or facts is None or facts.amazon_fulfilled:
        return False
    same_offer = facts.starting_quantity == values.quantity and facts.handling_days == values.handling_days
    return values.price is None and same_offer


def run_reconciliation(context: JobContext, deps: ReconcileDeps) -> RunReport:
    """Recomputes and re-queues every SKU's offers of the job's connection (and seeds: see the module doc)."""
    connection, settings, now = context.connection, context.settings, deps.clock()
    marketplace_ids = list(connection.marketplace_ids)
    catalog = None if deps.catalog is None else deps.catalog.listings(connection.connection_id, marketplace_ids)
    run = _Run(settings, marketplace_ids, now, catalog, trust_catalog=CATALOG_SYNC in settings.enabled_syncs)
    to_seed: dict[int, list[str]] = defaultdict(list)
    if catalog is not None:
        for sku in catalog:
            to_seed[bucket_of(sku)].append(sku)
    bucket_ids = {bucket_id for bucket_id, _ in deps.list_buckets(connection.connection_id)} | set(to_seed)
    results = deps.buckets.update(
        connection.connection_id, sorted(bucket_ids), lambda b, bucket: run.bucket(bucket, to_seed.get(b, []))
    )
    per_marketplace: dict[str, list[Change]] = defaultdict(list)
    skus = amazon_fulfilled = seeded = dropped = in_step_total = 0
    for done in results.values():
        for item in done.queued:
            per_marketplace[item.marketplace_id].append(item.change.model_copy(update={"force": True}))
        skus += len({q.change.sku for q in done.queued})
        amazon_fulfilled, seeded, dropped = (
            amazon_fulfilled + done.amazon_fulfilled,
            seeded + done.seeded,
            dropped + done.seeds_dropped,
        )
        in_step_total += done.in_step
    for marketplace_id, changes in sorted(per_marketplace.items()):
        deps.queues.send_changes(connection.connection_id, marketplace_id, changes, now)
    queued_total = sum(len(c) for c in per_marketplace.values())
    deps.metrics.add_metric(INVENTORY_CHANGES_QUEUED, MetricUnit.Count, queued_total)
    counts = {"skus": skus, "changes_queued": queued_total, "marketplaces": len(marketplace_ids)}
    if catalog is not None:
        counts |= {"amazon_fulfilled": amazon_fulfilled, "seeded": seeded, "seeds_dropped": dropped}
    if run.trust_catalog:
        counts["in_step"] = in_step_total
    return RunReport(counts=counts, details={"marketplaces": ", ".join(marketplace_ids) or "none"})


def inventory_sync(deps: ReconcileDeps) -> SyncDefinition:
    """The `inventory` sync type's definition."""
    return SyncDefinition(name=SYNC_TYPE, run=lambda context: run_reconciliation(context, deps))
