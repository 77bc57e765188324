"""Stock-outs an older feed may overwrite: logged at fast-lane time, repaired as soon as that feed is done.

A fast-lane zero can reach Amazon while a bulk feed carrying the SKU's older, positive quantity is in Amazon's hands
(or about to be: a feed's content is read up to one feed-lane invocation before its createFeed); when Amazon
processes that feed after the patch, the older quantity wins there (oversell) until the zero is sent again. So:
1. The fast lane, before its patches, logs its stock-outs per connection, marketplace and minute
   (shared/repositories/stock_out_watch.py).
2. The results function, as soon as getFeed says a feed is DONE (after FEED_PROCESSING_FINISHED or a poll) and
   before it reads and records the feed's report, takes as the feed's watch list the SKUs logged from
   FEED_READ_SECONDS before its submission until now, and patches again those the feed carried at an older revision
   with a positive quantity whose current desired quantity is still 0: the state is re-read then, and the current
   revision's values are sent, never the logged or the feed's ones. The accepted repairs are marked for the feed id
   (`sku#rev`), so a duplicated notification or poll does not patch them again.
A repair that Amazon refuses or that fails (throttled) is left to the older path: recording the feed's result sees
the newer revision answered first and queues a forced repair (shared/inventory/answers.apply_outcome).
"""

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from shared.inventory.feed_contents import BucketReader
from shared.inventory.patches import Patched, patch_offers
from shared.inventory.state import bucket_of, change_of
from shared.models.inventory import Change, SkuState
from shared.repositories.feeds import FeedRecord
from shared.spapi.client import SpApiClient
from shared.sync.metrics import MetricsSink

# A feed's content is read within the feed-lane invocation that submits it (its timeout: 900 s), so a stock-out
# logged this long before the feed's submission may postdate the feed's read.
FEED_READ_SECONDS = 900


class WatchStore(Protocol):
    """StockOutWatchRepository."""

    def add_stock_outs(self, connection_id: str, marketplace_id: str, at: datetime, skus: Iterable[str]) -> None:
        """Logs the SKUs zeroed at `at`."""
        ...

    def stock_outs_between(self, connection_id: str, marketplace_id: str, since: datetime, until: datetime) -> set[str]:
        """The SKUs zeroed from `since` to `until`."""
        ...

    def get_repaired(self, feed_id: str) -> frozenset[str]:
        """The feed's repairs done (`sku#rev`)."""
        ...

    def mark_repaired(self, feed_id: str, entries: Iterable[str]) -> None:
        """Marks repairs done for the feed."""
        ...


@dataclass(frozen=True)
class WatchDeps:
    """What logging stock-outs and repairing them needs."""

    store: WatchStore
    # The SKU states, re-read before a repair (never a stale value).
    buckets: BucketReader


def repaired_entry(sku: str, rev: int) -> str:
    """A repaired-set entry (the revision last: a SKU may hold '#')."""
    return f"{sku}#{rev}"


def repaired_revisions(entries: Iterable[str]) -> set[tuple[str, int]]:
    """The (SKU, revision) pairs of repaired-set entries."""
    found = set()
    for entry in entries:
        sku, _, rev = entry.rpartition("#")
        found.add((sku, int(rev)))
    return found


def watch_stock_outs(
    connection_id: str, marketplace_id: str, skus: Collection[str], now: datetime, deps: WatchDeps
) -> None:
    """Logs the stock-outs about to be patched, for the feeds that may overwrite them."""
    if skus:
        deps.store.add_stock_outs(connection_id, marketplace_id, now, skus)


def watch_list(record: FeedRecord, now: datetime, deps: WatchDeps) -> set[str]:
    """The SKUs zeroed since the feed's content may have been read: those it may have overwritten, not yet repaired."""
    since = record.submitted_at - timedelta(seconds=FEED_READ_SECONDS)
    zeroed = deps.store.stock_outs_between(record.connection_id, record.marketplace_id, since, now)
    return zeroed - {sku for sku, _ in repaired_revisions(deps.store.get_repaired(record.feed_id))}


def overwritten(
    watched: Collection[str], feed_changes: Iterable[Change], states: Mapping[str, SkuState | None], marketplace_id: str
) -> list[Change]:
    """The repairs a done feed calls for: each watched SKU it carried at an older revision with a positive quantity,
    whose current desired quantity is 0, as a change of its current revision and values (SKU order)."""
    carried: dict[str, Change] = {}
    for change in feed_changes:
        if change.sku in watched and change.values.quantity > 0:
            carried[change.sku] = change
    repairs = []
    for sku, change in sorted(carried.items()):
        state = states.get(sku)
        market = state.markets.get(marketplace_id) if state else None
        if state is None or market is None or market.rev <= change.rev or market.desired.quantity != 0:
            continue
        if market.hold is not None:  # never sent (seed.py): an Amazon-fulfilled offer is not ours to zero
            continue
        repairs.append(change_of(sku, state, market))
    return repairs


@dataclass(frozen=True)
class Repaired:
    """A done feed's repairs: Amazon's answers (recorded by the caller) and every (SKU, revision) repaired so far."""

    patched: Patched
    settled: frozenset[tuple[str, int]]


def repair_overwritten(
    record: FeedRecord,
    feed_changes: Sequence[Change],
    seller_id: str,
    api: SpApiClient,
    deps: WatchDeps,
    clock: Callable[[], datetime],
    metrics: MetricsSink,
) -> Repaired:
    """Patches the watched stock-outs the done feed overwrote (see the module doc), before its result is recorded."""
    done = repaired_revisions(deps.store.get_repaired(record.feed_id))
    watched = watch_list(record, clock(), deps)
    carried = [c for c in feed_changes if c.sku in watched]
    if not carried:
        return Repaired(Patched(), frozenset(done))
    stored = deps.buckets.get_buckets(record.connection_id, {bucket_of(c.sku) for c in carried})
    states = {c.sku: stored[bucket_of(c.sku)].bucket.skus.get(c.sku) for c in carried}
    repairs = overwritten(watched, carried, states, record.marketplace_id)
    patched = patch_offers(api, seller_id, record.marketplace_id, repairs, clock, metrics)
    accepted = [(o.change.sku, o.change.rev) for o in patched.answered if o.status == "ACCEPTED"]
    deps.store.mark_repaired(record.feed_id, [repaired_entry(sku, rev) for sku, rev in accepted])
    return Repaired(patched, frozenset(done | set(accepted)))
