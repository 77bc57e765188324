"""Per-SKU state transitions, pure: a merchant's record arrives, a reconciliation recomputes.

Every function takes the current `SkuState` (None for a SKU never seen) and returns the next one plus what must be
sent; the repository writes the result conditionally on the version it read (shared/repositories/inventory.py), and
a lost race re-reads and applies again. Revisions (`MarketState.rev`) count desired-value changes per marketplace:
a change carries its revision, so anything older than the state's revision is stale and is never sent. Amazon's
answers to what was sent are recorded in answers.py.
"""

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from shared.inventory.rules import plan_for
from shared.inventory.seed import AMAZON_FULFILLED_REASON, SkuListings, amazon_fulfilled
from shared.inventory.source import merge_source, source_key
from shared.models.inventory import (
    DEFAULT_PRODUCT_TYPE,
    Change,
    InventoryRecord,
    MarketState,
    OfferPlan,
    OfferValues,
    SkuState,
)
from shared.models.settings import ConnectionSettings

# SKU states are hashed into this many buckets per connection (one DynamoDB item each): a bulk change of 100,000
# SKUs is ~4,096 conditional writes instead of 100,000, and a bucket stays far below DynamoDB's 400 KB item limit
# up to a few million SKUs per connection (README, "Inventory", decisions).
BUCKETS = 4096


def bucket_of(sku: str) -> int:
    """The bucket a SKU's state lives in (stable across processes and releases: CRC-32 of the UTF-8 SKU)."""
    return zlib.crc32(sku.encode()) % BUCKETS


class RecordStatus(StrEnum):
    """What became of one record."""

    APPLIED = "applied"  # newer than the held value; its changed marketplaces are queued
    UNCHANGED = "unchanged"  # newer, but every marketplace's offer stays the same: nothing is sent
    STALE = "stale"  # older than the held value (latest wins): ignored
    DUPLICATE = "duplicate"  # as old as the held value: ignored, but unanswered revisions are queued again (heal)
    # As old as the held value but another value, and not the safer one (tie_key): the held value stays (healed as a
    # duplicate is). The record that wins a tie is APPLIED (or UNCHANGED) with Transition.tie set.
    TIE_KEPT = "tie_kept"


@dataclass(frozen=True)
class QueuedChange:
    """A change for one marketplace; `stock_out` sends it through the fast lane too."""

    marketplace_id: str
    change: Change
    stock_out: bool = False


@dataclass(frozen=True)
class PriceRefusal:
    """The price guard refused a merchant's new price in one marketplace (rules.py, rule 6); the kept price stays."""

    marketplace_id: str
    sku: str
    price: Decimal
    kept_price: Decimal | None
    currency: str | None
    reason: str


@dataclass(frozen=True)
class Transition:
    """The next state of a SKU, what to send, and the prices the guard refused (a record with a price only)."""

    state: SkuState | None
    changes: tuple[QueuedChange, ...] = ()
    status: RecordStatus = RecordStatus.APPLIED
    refusals: tuple[PriceRefusal, ...] = ()
    # A tie (same `as_of`, another value) was resolved toward the safer value (tie_key), whichever side won.
    tie: bool = False
    # The marketplaces where nothing was queued because the listing is fulfilled by Amazon there (seed.py).
    amazon_fulfilled: tuple[str, ...] = ()


def unanswered(market: MarketState) -> bool:
    """Whether Amazon has not yet answered the market's current revision (a held one is never sent: answered)."""
    return market.hold is None and (market.verdict is None or market.verdict.rev < market.rev)


def change_of(sku: str, state: SkuState, market: MarketState, attempt: int = 0) -> Change:
    """The market's current revision as a change to send."""
    return Change(
        sku=sku,
        rev=market.rev,
        values=market.desired,
        product_type=state.source.product_type or DEFAULT_PRODUCT_TYPE,
        attempt=attempt,
    )


@dataclass(frozen=True)
class _Replanned:
    marketplace_id: str
    market: MarketState
    changed: bool
    plan: OfferPlan


def _replan(
    sku: str,
    state: SkuState,
    settings: ConnectionSettings,
    marketplace_ids: Sequence[str],
    now: datetime,
    listings: SkuListings | None = None,
) -> tuple[SkuState, list[_Replanned]]:
    """Recomputes every marketplace's offer; returns the state and, per marketplace, the market and its plan.

    `changed`: a new revision to send. A marketplace whose listing is fulfilled by Amazon (seed.amazon_fulfilled) is
    held: its values are planned and shown, with the reason, and never sent; becoming held (or no longer held, or
    leaving a seeded hold) takes a new revision, so a change queued before is superseded.
    """
    markets = dict(state.markets)
    out: list[_Replanned] = []
    for marketplace_id in marketplace_ids:
        market = markets.get(marketplace_id)
        previous = market.desired if market and market.hold != "seeded" else None
        plan: OfferPlan = plan_for(state.source, settings, marketplace_id, sku, previous)
        hold = "amazon_fulfilled" if amazon_fulfilled(listings, marketplace_id, market) else None
        reasons = (*plan.reasons, AMAZON_FULFILLED_REASON) if hold else plan.reasons
        retry_rejected = (
            market is not None
            and market.verdict is not None
            and market.verdict.status == "REJECTED"
            and market.verdict.rev == market.rev
        )
        if market is not None and plan.values == market.desired and not retry_rejected and market.hold == hold:
            if reasons != market.reasons:
                market = market.model_copy(update={"reasons": reasons})
                markets[marketplace_id] = market
            out.append(_Replanned(marketplace_id, market, False, plan))
            continue
        market = MarketState(
            rev=(market.rev if market else 0) + 1,
            desired=plan.values,
            reasons=reasons,
            desired_at=now,
            sent=market.sent if market else None,
            verdict=market.verdict if market else None,
            accepted=market.accepted if market else None,
            hold=hold,
        )
        markets[marketplace_id] = market
        out.append(_Replanned(marketplace_id, market, hold is None, plan))
    return state.model_copy(update={"markets": markets}), out


def _held_back(markets: Sequence[_Replanned]) -> tuple[str, ...]:
    return tuple(r.marketplace_id for r in markets if r.market.hold == "amazon_fulfilled")


def _is_stock_out(before: OfferValues | None, after: OfferValues) -> bool:
    return after.quantity == 0 and (before is None or before.quantity > 0)


def _heal(sku: str, state: SkuState, marketplace_ids: Sequence[str], status: RecordStatus) -> Transition:
    """Nothing new: the unanswered revisions are queued again (a lost message heals), the held value stays."""
    heal = tuple(
        QueuedChange(mp, change_of(sku, state, market))
        for mp, market in sorted(state.markets.items())
        if mp in marketplace_ids and unanswered(market)
    )
    return Transition(state, heal, status, tie=status is RecordStatus.TIE_KEPT)


def apply_record(
    sku: str,
    state: SkuState | None,
    record: InventoryRecord,
    settings: ConnectionSettings,
    marketplace_ids: Sequence[str],
    now: datetime,
    listings: SkuListings | None = None,
) -> Transition:
    """A merchant's record for the SKU: latest `as_of` wins; the changed marketplaces' offers are queued.

    A record as old as the held value is a duplicate when its key is the held one's; otherwise it is a tie, resolved
    toward the lower key (tie_key: the lower quantity first), whichever arrives first. A seeded value (Amazon's, not
    the merchant's: seed.py) is replaced by the merchant's first record whatever its `as_of`, keeping nothing of it
    but the seeded quantities as the quantities before (a first record of 0 is a stock-out). `listings`: the SKU's
    stored listings (None: not read), whose Amazon-fulfilled marketplaces are held, never sent.
    """
    tie = False
    seeded = state is not None and state.source.seeded
    if state is not None and not seeded and record.as_of < state.source.as_of:
        return Transition(state, status=RecordStatus.STALE)
    if state is not None and not seeded and record.as_of == state.source.as_of:
        # Compared as merged (what the record leaves out is kept): a record repeated after a fuller one is a duplicate.
        held, new = source_key(state.source), source_key(merge_source(state.source, record, now))
        if new == held:
            return _heal(sku, state, marketplace_ids, RecordStatus.DUPLICATE)
        if new > held:
            return _heal(sku, state, marketplace_ids, RecordStatus.TIE_KEPT)
        tie = True
    before = {mp: market.desired for mp, market in (state.markets.items() if state else ())}
    source = merge_source(state.source if state and not seeded else None, record, now)
    base = SkuState(source=source, markets=dict(state.markets) if state else {})
    new_state, markets = _replan(sku, base, settings, marketplace_ids, now, listings)
    changes = tuple(
        QueuedChange(
            r.marketplace_id,
            change_of(sku, new_state, r.market),
            _is_stock_out(before.get(r.marketplace_id), r.market.desired),
        )
        for r in markets
        if r.changed
    )
    status = RecordStatus.APPLIED if changes or seeded else RecordStatus.UNCHANGED
    refusals = _refusals(sku, record, [r for r in markets if r.market.hold is None])
    return Transition(new_state, changes, status, refusals, tie=tie, amazon_fulfilled=_held_back(markets))


def _refusals(sku: str, record: InventoryRecord, markets: Sequence[_Replanned]) -> tuple[PriceRefusal, ...]:
    """The guard's refusals of the record's own price (a record without a price refuses nothing new)."""
    if record.price is None:
        return ()
    return tuple(
        PriceRefusal(
            marketplace_id=r.marketplace_id,
            sku=sku,
            price=record.price,
            kept_price=r.plan.values.price,
            currency=r.plan.values.currency,
            reason=r.plan.refusal,
        )
        for r in markets
        if r.plan.refusal is not None
    )


def reconcile(
    sku: str,
    state: SkuState,
    settings: ConnectionSettings,
    marketplace_ids: Sequence[str],
    now: datetime,
    listings: SkuListings | None = None,
) -> Transition:
    """The daily repair: recompute with the current rules and queue every marketplace's offer, changed or not, but
    those held (Amazon-fulfilled: `listings`). A seeded state sends nothing: reconcile.py refreshes it (seed.py)."""
    if state.source.seeded:
        return Transition(state)
    new_state, markets = _replan(sku, state, settings, marketplace_ids, now, listings)
    changes = tuple(
        QueuedChange(r.marketplace_id, change_of(sku, new_state, r.market)) for r in markets if r.market.hold is None
    )
    return Transition(new_state, changes, amazon_fulfilled=_held_back(markets))


@dataclass
class BucketChanges:
    """What applying a batch to one bucket produced (accumulated across SKUs)."""

    changes: list[QueuedChange] = field(default_factory=list)
    statuses: dict[RecordStatus, int] = field(default_factory=dict)
    refusals: list[PriceRefusal] = field(default_factory=list)
    ties: int = 0

    def count(self, transition: Transition) -> None:
        """Counts one record's status (and its tie, if it was one)."""
        self.statuses[transition.status] = self.statuses.get(transition.status, 0) + 1
        self.ties += transition.tie
