"""What was submitted to Amazon, apart from Amazon's answer: a SKU waiting for its feed's result is visible.

`MarketState.sent` is the latest submission of a marketplace's offer: its revision and values, the lane (`feed` or
`patch`, the fast lane), the feed id and `at`, when it was submitted. The feed lane records it per SKU as soon as
createFeed has answered (`record_submissions`, one conditional write per bucket of the feed); Amazon's verdict comes
minutes later and is recorded apart (`MarketState.verdict`, its own `at`). A fast-lane patch is answered in the same
call, so its submission is recorded with its verdict (shared/inventory/state.apply_outcome, with the time the patch
went out). States written before submissions were recorded hold `sent.at` = the verdict's time; they still load.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from shared.inventory.input import BucketStore
from shared.inventory.model import Change, Channel, MarketState, Sent, SkuState
from shared.inventory.state import Bucket, bucket_of


def newer_submission(held: Sent | None, rev: int, at: datetime) -> bool:
    """Whether a submission of `rev` at `at` is later than the held one (an older one never replaces a newer one)."""
    return held is None or held.rev < rev or (held.rev == rev and held.at < at)


def record_submission(
    state: SkuState | None, marketplace_id: str, change: Change, channel: Channel, feed_id: str | None, at: datetime
) -> SkuState | None:
    """The state with the change's submission recorded; None when there is nothing to record (no such market, or a
    later submission is held)."""
    market = state.markets.get(marketplace_id) if state else None
    if state is None or market is None or not newer_submission(market.sent, change.rev, at):
        return None
    sent = Sent.model_construct(rev=change.rev, values=change.values, channel=channel, at=at, feed_id=feed_id)
    new_market = market.model_copy(update={"sent": sent})
    return state.model_copy(update={"markets": {**state.markets, marketplace_id: new_market}})


def awaiting_verdict(market: MarketState) -> bool:
    """Whether the latest submission has no answer yet (no verdict on its revision since it was submitted)."""
    sent, verdict = market.sent, market.verdict
    if sent is None:
        return False
    return verdict is None or verdict.rev < sent.rev or (verdict.rev == sent.rev and verdict.at < sent.at)


def _apply(
    bucket: Bucket, marketplace_id: str, changes: Sequence[Change], channel: Channel, feed_id: str | None, at: datetime
) -> tuple[Bucket | None, int]:
    skus = dict(bucket.skus)
    recorded = 0
    for change in changes:
        new_state = record_submission(skus.get(change.sku), marketplace_id, change, channel, feed_id, at)
        if new_state is not None:
            skus[change.sku] = new_state
            recorded += 1
    return (Bucket(skus=skus) if recorded else None), recorded


def record_submissions(
    buckets: BucketStore,
    connection_id: str,
    marketplace_id: str,
    changes: Sequence[Change],
    feed_id: str,
    at: datetime,
) -> int:
    """Records a submitted feed's changes on their SKUs' states (conditional bucket writes); returns how many."""
    by_bucket: dict[int, list[Change]] = defaultdict(list)
    for change in changes:
        by_bucket[bucket_of(change.sku)].append(change)
    results = buckets.update(
        connection_id,
        sorted(by_bucket),
        lambda b, bucket: _apply(bucket, marketplace_id, by_bucket[b], "feed", feed_id, at),
    )
    return sum(results.values())
