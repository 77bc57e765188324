"""Stock-outs an older feed may overwrite: watched at fast-lane time, repaired as soon as that feed is done.

A fast-lane zero can reach Amazon while a bulk feed carrying the SKU's older, positive quantity is still in Amazon's
hands; when Amazon processes that feed after the patch, the older quantity wins there (oversell) until the zero is
sent again. So:
1. The fast lane, before its patches, adds the stock-out SKUs to the watch list of each feed of the connection still
   in flight (SUBMITTED) in that marketplace (shared/repositories/stock_out_watch.py, one item per feed id).
2. The results function, as soon as getFeed says the feed is DONE (after FEED_PROCESSING_FINISHED or a poll) and
   before it reads and records the feed's report, patches again the watched SKUs the feed carried at an older
   revision with a positive quantity and whose current desired quantity is still 0: the state is re-read then, and
   the current revision's values are sent, never the watched ones. The accepted repairs are marked on the watch
   list (sku#rev), so a duplicated notification or poll does not patch them again.
A repair that Amazon refuses or that fails (throttled) is left to the older path: recording the feed's result sees
the newer revision answered first and queues a forced repair (shared/inventory/state.apply_outcome).
"""

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.inventory.feeds import BucketReader
from shared.inventory.model import Change, SkuState
from shared.inventory.patches import Patched, patch_offers
from shared.inventory.state import bucket_of, change_of
from shared.repositories.feeds import FeedRecord, FeedStatus
from shared.repositories.stock_out_watch import Watch
from shared.spapi.client import SpApiClient
from shared.sync.metrics import MetricsSink


class InFlightFeeds(Protocol):
    """FeedsRepository.list_for_connection."""

    def list_for_connection(self, connection_id: str, status: FeedStatus, limit: int = 50) -> list[FeedRecord]:
        """A connection's feeds in one status, newest first."""
        ...


class WatchStore(Protocol):
    """StockOutWatchRepository."""

    def add_watched(self, feed_id: str, skus: Iterable[str]) -> None:
        """Watches the SKUs for the feed."""
        ...

    def mark_repaired(self, feed_id: str, skus: Iterable[str]) -> None:
        """Marks repairs done (entries `sku#rev`)."""
        ...

    def get_watch(self, feed_id: str) -> Watch:
        """The feed's watch list."""
        ...


@dataclass(frozen=True)
class WatchDeps:
    """What watching and repairing needs."""

    feeds: InFlightFeeds
    store: WatchStore
    # The SKU states, re-read before a repair (never a stale value).
    buckets: BucketReader


def repaired_entry(sku: str, rev: int) -> str:
    """A repaired-set entry (the revision last: a SKU may hold '#')."""
    return f"{sku}#{rev}"


def repaired_revisions(watch: Watch) -> set[tuple[str, int]]:
    """The (SKU, revision) pairs already repaired."""
    found = set()
    for entry in watch.repaired:
        sku, _, rev = entry.rpartition("#")
        found.add((sku, int(rev)))
    return found


def pending(watch: Watch) -> set[str]:
    """Watched SKUs with no repair recorded yet."""
    return set(watch.skus) - {sku for sku, _ in repaired_revisions(watch)}


def watch_stock_outs(
    connection_id: str, marketplace_id: str, skus: Collection[str], now: datetime, deps: WatchDeps
) -> list[str]:
    """Adds the stock-outs to the watch list of every feed in flight in the marketplace; returns those feed ids."""
    if not skus:
        return []
    watched = [
        record.feed_id
        for record in deps.feeds.list_for_connection(connection_id, "SUBMITTED")
        if record.marketplace_id == marketplace_id and record.submitted_at <= now
    ]
    for feed_id in watched:
        deps.store.add_watched(feed_id, skus)
    return watched


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
    watch = deps.store.get_watch(record.feed_id)
    done = repaired_revisions(watch)
    watched = pending(watch)
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
