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
from shared.models.inventory import (
    DEFAULT_PRODUCT_TYPE,
    Change,
    InventoryRecord,
    MarketState,
    OfferPlan,
    OfferValues,
    SkuState,
    SourceValue,
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


def merge_source(previous: SourceValue | None, record: InventoryRecord, now: datetime) -> SourceValue:
    """The record as the SKU's new source value; price, handling days and product type it leaves out are kept."""
    priced = record if record.price is not None or previous is None else None
    return SourceValue(
        available=record.available,
        as_of=record.as_of,
        received_at=now,
        price=priced.price if priced else previous.price if previous else None,
        currency=priced.currency if priced else previous.currency if previous else None,
        price_as_of=(record.as_of if record.price is not None else None)
        if priced
        else previous.price_as_of
        if previous
        else None,
        handling_days=record.handling_days or (previous.handling_days if previous else None),
        product_type=record.product_type or (previous.product_type if previous else None),
    )


def unanswered(market: MarketState) -> bool:
    """Whether Amazon has not yet answered the market's current revision."""
    return market.verdict is None or market.verdict.rev < market.rev


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
    sku: str, state: SkuState, settings: ConnectionSettings, marketplace_ids: Sequence[str], now: datetime
) -> tuple[SkuState, list[_Replanned]]:
    """Recomputes every marketplace's offer; returns the state and, per marketplace, the market and its plan."""
    markets = dict(state.markets)
    out: list[_Replanned] = []
    for marketplace_id in marketplace_ids:
        market = markets.get(marketplace_id)
        previous = market.desired if market else None
        plan: OfferPlan = plan_for(state.source, settings, marketplace_id, sku, previous)
        retry_rejected = (
            market is not None
            and market.verdict is not None
            and market.verdict.status == "REJECTED"
            and market.verdict.rev == market.rev
        )
        if market is not None and plan.values == market.desired and not retry_rejected:
            if plan.reasons != market.reasons:
                market = market.model_copy(update={"reasons": plan.reasons})
                markets[marketplace_id] = market
            out.append(_Replanned(marketplace_id, market, False, plan))
            continue
        market = MarketState(
            rev=(market.rev if market else 0) + 1,
            desired=plan.values,
            reasons=plan.reasons,
            desired_at=now,
            sent=market.sent if market else None,
            verdict=market.verdict if market else None,
            accepted=market.accepted if market else None,
        )
        markets[marketplace_id] = market
        out.append(_Replanned(marketplace_id, market, True, plan))
    return state.model_copy(update={"markets": markets}), out


def _is_stock_out(before: OfferValues | None, after: OfferValues) -> bool:
    return after.quantity == 0 and (before is None or before.quantity > 0)


type TieKey = tuple[int, bool, Decimal, str, bool, int, bool, str]


def tie_key(
    available: int, price: Decimal | None, currency: str | None, handling_days: int | None, product_type: str | None
) -> TieKey:
    """Orders values of the same `as_of`: the lowest key wins a tie. The lower quantity first (overselling is the
    costly mistake); then, only to be deterministic, a value over none (a record leaving a field out keeps the held
    one, so presence must win for any arrival order to agree), the lower price, the shorter handling time. A total
    order: the order in which tied records arrive never changes the outcome."""
    return (
        available,
        price is None,
        price or Decimal(0),
        currency or "",
        handling_days is None,
        handling_days or 0,
        product_type is None,
        product_type or "",
    )


def _source_key(source: SourceValue) -> TieKey:
    return tie_key(source.available, source.price, source.currency, source.handling_days, source.product_type)


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
) -> Transition:
    """A merchant's record for the SKU: latest `as_of` wins; the changed marketplaces' offers are queued.

    A record as old as the held value is a duplicate when its key is the held one's; otherwise it is a tie, resolved
    toward the lower key (tie_key: the lower quantity first), whichever arrives first.
    """
    tie = False
    if state is not None and record.as_of < state.source.as_of:
        return Transition(state, status=RecordStatus.STALE)
    if state is not None and record.as_of == state.source.as_of:
        # Compared as merged (what the record leaves out is kept): a record repeated after a fuller one is a duplicate.
        held, new = _source_key(state.source), _source_key(merge_source(state.source, record, now))
        if new == held:
            return _heal(sku, state, marketplace_ids, RecordStatus.DUPLICATE)
        if new > held:
            return _heal(sku, state, marketplace_ids, RecordStatus.TIE_KEPT)
        tie = True
    before = {mp: market.desired for mp, market in (state.markets.items() if state else ())}
    source = merge_source(state.source if state else None, record, now)
    base = SkuState(source=source, markets=dict(state.markets) if state else {})
    new_state, markets = _replan(sku, base, settings, marketplace_ids, now)
    changes = tuple(
        QueuedChange(
            r.marketplace_id,
            change_of(sku, new_state, r.market),
            _is_stock_out(before.get(r.marketplace_id), r.market.desired),
        )
        for r in markets
        if r.changed
    )
    status = RecordStatus.APPLIED if changes else RecordStatus.UNCHANGED
    return Transition(new_state, changes, status, _refusals(sku, record, markets), tie=tie)


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
    sku: str, state: SkuState, settings: ConnectionSettings, marketplace_ids: Sequence[str], now: datetime
) -> Transition:
    """The daily repair: recompute with the current rules and queue every marketplace's offer, changed or not."""
    new_state, markets = _replan(sku, state, settings, marketplace_ids, now)
    changes = tuple(QueuedChange(r.marketplace_id, change_of(sku, new_state, r.market)) for r in markets)
    return Transition(new_state, changes)


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
