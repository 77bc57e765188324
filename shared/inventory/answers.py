"""Amazon's answers to sent changes, pure: a verdict is recorded on the revision it answers, never over a newer one.

Apart from state.py (how a merchant's record or a reconciliation moves a SKU's state) because the senders and
recorders (feeds, fast lane, patches, results) need only this side: what Amazon answered, whether a change still goes.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.inventory.state import QueuedChange, change_of
from shared.models.inventory import Accepted, Change, Channel, Sent, SkuState, Verdict

OutcomeStatus = Literal["ACCEPTED", "REJECTED"]


@dataclass(frozen=True)
class Outcome:
    """Amazon's answer to one sent change (a feed message or a patch)."""

    marketplace_id: str
    change: Change
    status: OutcomeStatus
    channel: Channel
    code: str | None = None
    message: str | None = None
    transient: bool = False
    feed_id: str | None = None
    # When the change went out (the feed's createFeed, the patch's call); None: unknown, the verdict's time is taken.
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class Answered:
    """The state after an outcome; `retry` re-sends (a transient error, or a newer revision Amazon may have lost)."""

    state: SkuState | None
    retry: QueuedChange | None = None
    recorded: bool = True
    gave_up: bool = False


def apply_outcome(sku: str, state: SkuState | None, outcome: Outcome, now: datetime, max_attempts: int) -> Answered:
    """Records Amazon's verdict on one revision; never lets an older verdict or acceptance replace a newer one.

    - A transient error is retried (same revision) while attempts remain; then it is recorded as REJECTED.
    - If a newer revision was already answered before this older one, Amazon may now hold the older values (the
      later-processed submission wins there), so the newest revision is queued again.
    """
    market = state.markets.get(outcome.marketplace_id) if state else None
    if state is None or market is None:
        return Answered(state, recorded=False)
    change = outcome.change
    if outcome.transient and outcome.status == "REJECTED" and change.attempt + 1 < max_attempts:
        if market.rev == change.rev:
            return Answered(
                state,
                QueuedChange(outcome.marketplace_id, change.model_copy(update={"attempt": change.attempt + 1})),
                recorded=False,
            )
        return Answered(state, recorded=False)
    # model_construct: every value comes from a validated Change, Amazon's parsed answer and the aware clock, and a
    # feed's result applies this 25,000 times (validating again cost a third of recording it).
    updates: dict[str, object] = {}
    submitted_at = outcome.submitted_at or now
    held = market.sent
    # The submission is recorded with its verdict, at the time it went out (the feed's createFeed, the patch's call;
    # until then an unanswered feed's is read from the feeds table: submissions.py), never over a later submission.
    if held is None or held.rev < change.rev or (held.rev == change.rev and held.at < submitted_at):
        updates["sent"] = Sent.model_construct(
            rev=change.rev, values=change.values, channel=outcome.channel, at=submitted_at, feed_id=outcome.feed_id
        )
    newer_answered = market.verdict is not None and market.verdict.rev > change.rev
    if not newer_answered:
        updates["verdict"] = Verdict.model_construct(
            rev=change.rev,
            status=outcome.status,
            channel=outcome.channel,
            at=now,
            feed_id=outcome.feed_id,
            code=outcome.code,
            message=outcome.message,
        )
    if outcome.status == "ACCEPTED" and (market.accepted is None or market.accepted.rev <= change.rev):
        updates["accepted"] = Accepted.model_construct(
            rev=change.rev, values=change.values, channel=outcome.channel, at=now
        )
    new_market = market.model_copy(update=updates)
    new_state = state.model_copy(update={"markets": {**state.markets, outcome.marketplace_id: new_market}})
    retry = None
    if newer_answered and market.rev > change.rev and market.hold is None:
        # Forced: Amazon accepted the newest revision before, but this older one was applied after it. (A held
        # revision is never sent: shared/inventory/seed.py.)
        repair = change_of(sku, new_state, new_market).model_copy(update={"force": True})
        retry = QueuedChange(outcome.marketplace_id, repair)
    gave_up = outcome.transient and outcome.status == "REJECTED"
    return Answered(new_state, retry, gave_up=gave_up)


def still_to_send(state: SkuState | None, marketplace_id: str, change: Change) -> bool:
    """Whether a queued change is still worth sending: it is the current revision, not held (seed.py: seeded, or
    Amazon-fulfilled), and Amazon has not accepted it (a forced change, the reconciliation's, is sent while it is the
    current revision)."""
    market = state.markets.get(marketplace_id) if state else None
    if market is None or market.rev != change.rev or market.hold is not None:
        return False
    return change.force or market.accepted is None or market.accepted.rev < change.rev


def patched_since(state: SkuState | None, marketplace_id: str, change: Change, since: datetime) -> bool:
    """Whether a fast-lane patch of the change's revision was accepted after `since` (a forced change queued then,
    the repair of a stock-out an older feed overwrote, is moot: Amazon holds the revision again)."""
    market = state.markets.get(marketplace_id) if state else None
    accepted = market.accepted if market else None
    return accepted is not None and accepted.channel == "patch" and accepted.rev == change.rev and accepted.at > since


def latest_per_sku(changes: Iterable[Change]) -> list[Change]:
    """One change per SKU, the highest revision (and, for equal revisions, the highest attempt)."""
    best: dict[str, Change] = {}
    for change in changes:
        held = best.get(change.sku)
        if held is None or (change.rev, change.attempt) > (held.rev, held.attempt):
            best[change.sku] = change
    return list(best.values())
