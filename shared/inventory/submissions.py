"""What was submitted to Amazon, apart from Amazon's answer: a SKU waiting for its feed's result is visible.

A submission is a revision of one SKU's offer handed to Amazon: the lane (`feed`, or `patch` for the fast lane), the
feed id and when it went out. Two records hold it, each written once, where the pipeline writes anyway:
- while a feed is unanswered, the feeds table: the feed lane records each feed (FEED_ID, submitted at, status
  SUBMITTED) and its changes (SKU, revision, values) as soon as createFeed answers (shared/repositories/feeds.py);
- once Amazon has answered, the SKU's state: `MarketState.sent` holds the submission (its `at` is when it was
  submitted: the feed's createFeed, the patch's call) and `MarketState.verdict` the answer, with its own `at`
  (shared/inventory/answers.apply_outcome). A fast-lane patch is answered in the same call.
`latest_submission` joins the two for one SKU in one marketplace. The feed lane does not write the SKU states at
submission: one conditional write per bucket of a 25,000-message feed would delay the next feed (README, decisions).
States written before submissions had their own time hold `sent.at` = the verdict's time; they load as they are.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.models.inventory import Change, Channel, MarketState, OfferValues
from shared.repositories.feeds import FeedRecord


@dataclass(frozen=True)
class Submission:
    """A revision handed to Amazon: through which lane, in which feed, when."""

    rev: int
    lane: Channel
    feed_id: str | None
    submitted_at: datetime
    values: OfferValues


def in_flight(feeds: Iterable[tuple[FeedRecord, Sequence[Change]]]) -> dict[tuple[str, str], Submission]:
    """Per (SKU, marketplace id), the latest submission in the feeds Amazon has not answered yet (status SUBMITTED)."""
    found: dict[tuple[str, str], Submission] = {}
    for record, changes in feeds:
        if record.status != "SUBMITTED":
            continue
        for change in changes:
            key = (change.sku, record.marketplace_id)
            held = found.get(key)
            if held is None or (change.rev, record.submitted_at) > (held.rev, held.submitted_at):
                found[key] = Submission(change.rev, "feed", record.feed_id, record.submitted_at, change.values)
    return found


def latest_submission(market: MarketState, pending: Submission | None) -> Submission | None:
    """The later of the submission the state holds (answered) and an unanswered feed's (`pending`)."""
    sent = market.sent
    answered = None if sent is None else Submission(sent.rev, sent.channel, sent.feed_id, sent.at, sent.values)
    if pending is None or (
        answered is not None and (answered.rev, answered.submitted_at) >= (pending.rev, pending.submitted_at)
    ):
        return answered
    return pending


def awaiting_verdict(market: MarketState, submission: Submission | None) -> bool:
    """Whether Amazon has not answered the submission yet (no verdict on its revision since it went out)."""
    verdict = market.verdict
    if submission is None:
        return False
    if verdict is None or verdict.rev < submission.rev:
        return True
    return verdict.rev == submission.rev and verdict.at < submission.submitted_at
