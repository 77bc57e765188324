"""The data behind `sellersync inventory plan|status` (tables and `--json`), from stored SKU states; pure."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cli.views import country, iso
from shared.inventory.rules import plan_for
from shared.inventory.seed import HOLD_REASONS
from shared.inventory.submissions import Submission, awaiting_verdict, latest_submission
from shared.models.inventory import Hold, MarketState, OfferValues, SkuState
from shared.models.settings import ConnectionSettings
from shared.repositories.feeds import FeedRecord


def offer_json(values: OfferValues | None) -> dict[str, Any] | None:
    """Offer values as JSON (None for none)."""
    return None if values is None else values.model_dump(mode="json", exclude_none=True)


def offer_text(values: OfferValues | None) -> str:
    """`qty 4, 2 d, 9.99 GBP (min 5.00)` for tables ('-' for none)."""
    if values is None:
        return "-"
    text = f"qty {values.quantity}, {values.handling_days} d"
    if values.price is not None:
        text += f", {values.price} {values.currency or ''}".rstrip()
        if values.minimum_price is not None:
            text += f" (min {values.minimum_price})"
    return text


def send_reasons(market: MarketState | None, planned: OfferValues) -> list[str]:
    """Why the SKU would be sent to the marketplace now (empty: it would not)."""
    if market is None:
        return ["never planned for this marketplace"]
    if planned != market.desired:
        return ["the rules now compute other values than the desired ones"]
    verdict = market.verdict
    if verdict is not None and verdict.rev == market.rev and verdict.status == "REJECTED":
        return [f"Amazon rejected revision {market.rev}: {verdict.code or '-'} {verdict.message or ''}".rstrip()]
    if market.accepted is None or market.accepted.rev < market.rev:
        return [f"revision {market.rev} is not accepted yet"]
    return []


def plan_rows(
    states: Mapping[str, SkuState | None], settings: ConnectionSettings, marketplace_ids: Iterable[str]
) -> list[dict[str, Any]]:
    """Per SKU and marketplace: the rules' values now against desired/sent/accepted, and whether it would be sent."""
    rows: list[dict[str, Any]] = []
    for sku, state in sorted(states.items()):
        if state is None:
            rows.append({"sku": sku, "received": False})
            continue
        for marketplace_id in marketplace_ids:
            market = state.markets.get(marketplace_id)
            plan = plan_for(state.source, settings, marketplace_id, sku, market.desired if market else None)
            # A seeded value is never sent, nor a held marketplace (shared/inventory/seed.py).
            held: Hold | None = "seeded" if state.source.seeded else market.hold if market else None
            why = [] if held else send_reasons(market, plan.values)
            rules = [*plan.reasons, HOLD_REASONS[held]] if held else list(plan.reasons)
            rows.append(
                {
                    "sku": sku,
                    "received": True,
                    "marketplace_id": marketplace_id,
                    "marketplace": country(marketplace_id),
                    "available": state.source.available,
                    "as_of": iso(state.source.as_of),
                    "planned": offer_json(plan.values),
                    "rules": rules,
                    "price_refused": plan.price_refused,
                    "desired": offer_json(market.desired if market else None),
                    "sent": offer_json(market.sent.values if market and market.sent else None),
                    "accepted": offer_json(market.accepted.values if market and market.accepted else None),
                    "held": held,
                    "would_send": bool(why),
                    "send_reasons": why,
                }
            )
    return rows


LANES = {"feed": "feed", "patch": "fast lane"}


def market_state(market: MarketState, submission: Submission | None = None) -> str:
    """The current revision's standing: accepted, rejected, submitted (awaiting Amazon's answer) or pending; or why it
    is never sent: `seeded` (Amazon's quantity, until the merchant sends the SKU), `amazon_fulfilled`."""
    if market.hold is not None:
        return market.hold
    verdict, accepted = market.verdict, market.accepted
    held = accepted is not None and accepted.rev >= market.rev
    if not held and submission is not None and submission.rev == market.rev and awaiting_verdict(market, submission):
        return "submitted"
    if verdict is not None and verdict.rev == market.rev and verdict.status == "REJECTED":
        return "rejected"
    return "accepted" if held else "pending"


def status_row(sku: str, marketplace_id: str, market: MarketState, pending: Submission | None = None) -> dict[str, Any]:
    """One SKU in one marketplace: desired, the latest submission (`pending`: an unanswered feed's), Amazon's verdict
    and the accepted values."""
    submission = latest_submission(market, pending)
    verdict, accepted = market.verdict, market.accepted
    return {
        "sku": sku,
        "marketplace_id": marketplace_id,
        "marketplace": country(marketplace_id),
        "state": market_state(market, submission),
        "rev": market.rev,
        "desired": offer_json(market.desired),
        "reasons": list(market.reasons),
        "submitted": None
        if submission is None
        else {
            "rev": submission.rev,
            "lane": LANES[submission.lane],
            "feed_id": submission.feed_id,
            "submitted_at": iso(submission.submitted_at),
            "values": offer_json(submission.values),
        },
        "awaiting_verdict": awaiting_verdict(market, submission),
        "verdict": None
        if verdict is None
        else {
            "rev": verdict.rev,
            "status": verdict.status,
            "at": iso(verdict.at),
            "code": verdict.code,
            "message": verdict.message,
        },
        "accepted": None if accepted is None else {"rev": accepted.rev, **(offer_json(accepted.values) or {})},
    }


def status_rows(
    states: Mapping[str, SkuState | None], pending: Mapping[tuple[str, str], Submission] | None = None
) -> list[dict[str, Any]]:
    """status_row for every SKU and marketplace held (`pending`: the unanswered feeds' submissions, from
    shared.inventory.submissions.in_flight); a SKU never received is one row saying so."""
    rows: list[dict[str, Any]] = []
    for sku, state in sorted(states.items()):
        if state is None:
            rows.append({"sku": sku, "state": "never received"})
            continue
        rows.extend(
            status_row(sku, mp, market, (pending or {}).get((sku, mp))) for mp, market in sorted(state.markets.items())
        )
    return rows


def state_counts(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """How many rows are accepted, rejected, submitted, pending (and never received)."""
    counts = {"accepted": 0, "rejected": 0, "submitted": 0, "pending": 0}
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + 1
    return counts


@dataclass(frozen=True)
class FeedView:
    """A submitted feed for `inventory status`."""

    feed_id: str
    marketplace: str
    status: str
    submitted_at: str | None
    completed_at: str | None
    messages: int
    accepted: int
    rejected: int
    retried: int


def feed_views(feeds: Iterable[FeedRecord], limit: int) -> list[FeedView]:
    """The latest `limit` feeds, newest first."""
    latest = sorted(feeds, key=lambda f: (f.submitted_at, f.feed_id), reverse=True)[:limit]
    return [
        FeedView(
            f.feed_id,
            country(f.marketplace_id),
            f.status,
            iso(f.submitted_at),
            iso(f.completed_at),
            f.message_count,
            f.accepted,
            f.rejected,
            f.retried,
        )
        for f in latest
    ]
