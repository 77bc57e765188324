"""The submission of a SKU's offer, apart from Amazon's verdict (shared/inventory/submissions.py, state.py)."""

from datetime import UTC, datetime, timedelta

from shared.inventory.answers import Outcome, apply_outcome
from shared.inventory.submissions import Submission, awaiting_verdict, in_flight, latest_submission
from shared.models.inventory import Change, MarketState, OfferValues, Sent, SkuState, SourceValue, Verdict
from shared.repositories.feeds import FeedRecord

UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
OFFER = OfferValues(quantity=4, handling_days=2)


def market(rev: int = 1, sent: Sent | None = None, verdict: Verdict | None = None) -> MarketState:
    return MarketState(rev=rev, desired=OFFER, desired_at=T0, sent=sent, verdict=verdict)


def state(held: MarketState) -> SkuState:
    return SkuState(source=SourceValue(available=4, as_of=T0, received_at=T0), markets={UK: held})


def change(rev: int = 1, sku: str = "A-1") -> Change:
    return Change(sku=sku, rev=rev, values=OFFER)


def feed(feed_id: str, at: datetime, status: str = "SUBMITTED", marketplace_id: str = UK) -> FeedRecord:
    return FeedRecord(feed_id, "eu-a1", marketplace_id, status, at, 1)  # type: ignore[arg-type]


def answered(held: MarketState, outcome: Outcome, at: datetime) -> MarketState:
    new_state = apply_outcome("A-1", state(held), outcome, at, max_attempts=3).state
    assert new_state is not None
    return new_state.markets[UK]


def test_an_unanswered_feed_is_the_submission_and_awaits_its_verdict() -> None:
    pending = in_flight([(feed("F1", T0), [change()])])[("A-1", UK)]

    submission = latest_submission(market(), pending)

    assert submission == Submission(1, "feed", "F1", T0, OFFER)
    assert awaiting_verdict(market(), submission)


def test_answered_feeds_are_not_in_flight_and_the_latest_unanswered_one_wins() -> None:
    feeds = [
        (feed("F1", T0, status="DONE"), [change(1)]),
        (feed("F2", T0 + timedelta(minutes=1)), [change(2)]),
        (feed("F3", T0 + timedelta(minutes=2)), [change(3), change(3, "B-2")]),
        (feed("F4", T0 + timedelta(minutes=3), marketplace_id=DE), [change(4)]),
    ]

    found = in_flight(feeds)

    assert {key: s.feed_id for key, s in found.items()} == {("A-1", UK): "F3", ("B-2", UK): "F3", ("A-1", DE): "F4"}


def test_the_verdict_is_recorded_at_its_own_time_and_keeps_the_submission_time() -> None:
    # Given revision 1 submitted in feed F1 at T0, its result processed five minutes later
    outcome = Outcome(UK, change(), "ACCEPTED", "feed", feed_id="F1", submitted_at=T0)

    after = answered(market(), outcome, T0 + timedelta(minutes=5))

    sent, verdict = after.sent, after.verdict
    assert sent is not None and verdict is not None
    assert (sent.at, sent.feed_id, verdict.at, verdict.status) == (T0, "F1", T0 + timedelta(minutes=5), "ACCEPTED")
    # and, the feed answered (DONE, so no longer in flight), nothing awaits
    assert not awaiting_verdict(after, latest_submission(after, None))


def test_a_newer_revision_in_an_unanswered_feed_awaits_while_the_older_verdict_stands() -> None:
    held = market(
        rev=2,
        sent=Sent(rev=1, values=OFFER, channel="feed", at=T0, feed_id="F1"),
        verdict=Verdict(rev=1, status="ACCEPTED", channel="feed", at=T0 + timedelta(minutes=5), feed_id="F1"),
    )
    pending = Submission(2, "feed", "F2", T0 + timedelta(minutes=6), OFFER)

    submission = latest_submission(held, pending)

    assert submission == pending and awaiting_verdict(held, submission)


def test_a_rejected_revision_sent_again_awaits_again() -> None:
    rejected = market(
        sent=Sent(rev=1, values=OFFER, channel="feed", at=T0, feed_id="F1"),
        verdict=Verdict(rev=1, status="REJECTED", channel="feed", at=T0 + timedelta(minutes=5), feed_id="F1"),
    )
    again = Submission(1, "feed", "F2", T0 + timedelta(minutes=10), OFFER)

    assert latest_submission(rejected, again) == again and awaiting_verdict(rejected, again)


def test_an_answered_later_submission_wins_over_an_older_unanswered_feed() -> None:
    # Given a stock-out patched (and answered) after the feed that also carries it was submitted
    patched = market(
        sent=Sent(rev=1, values=OFFER, channel="patch", at=T0 + timedelta(minutes=1)),
        verdict=Verdict(rev=1, status="ACCEPTED", channel="patch", at=T0 + timedelta(minutes=1, seconds=1)),
    )
    older_feed = Submission(1, "feed", "F1", T0, OFFER)

    submission = latest_submission(patched, older_feed)

    assert submission is not None and submission.lane == "patch" and not awaiting_verdict(patched, submission)


def test_a_fast_lane_patch_records_when_it_went_out_with_its_verdict() -> None:
    outcome = Outcome(UK, change(), "ACCEPTED", "patch", submitted_at=T0)

    after = answered(market(), outcome, T0 + timedelta(seconds=1))

    assert after.sent is not None and after.verdict is not None
    assert (after.sent.channel, after.sent.feed_id, after.sent.at, after.verdict.at) == (
        "patch",
        None,
        T0,
        T0 + timedelta(seconds=1),
    )


def test_a_feed_result_does_not_replace_a_later_patch_as_the_submission() -> None:
    patched = market(
        sent=Sent(rev=1, values=OFFER, channel="patch", at=T0 + timedelta(minutes=1)),
        verdict=Verdict(rev=1, status="ACCEPTED", channel="patch", at=T0 + timedelta(minutes=1)),
    )
    outcome = Outcome(UK, change(), "ACCEPTED", "feed", feed_id="F1", submitted_at=T0)

    after = answered(patched, outcome, T0 + timedelta(minutes=5))

    assert after.sent is not None and (after.sent.channel, after.sent.at) == ("patch", T0 + timedelta(minutes=1))


def test_a_state_stored_before_submissions_had_their_own_time_loads_and_awaits_nothing() -> None:
    # Given a market as older versions stored it: `sent` written with the verdict, at the verdict's time
    values = {"quantity": 4, "handling_days": 2}
    stored = {
        "rev": 1,
        "desired": values,
        "desired_at": "2026-05-01T12:00:00Z",
        "sent": {"rev": 1, "values": values, "channel": "feed", "at": "2026-05-01T12:05:00Z"},
        "verdict": {"rev": 1, "status": "ACCEPTED", "channel": "feed", "at": "2026-05-01T12:05:00Z"},
    }

    loaded = MarketState.model_validate(stored)

    assert not awaiting_verdict(loaded, latest_submission(loaded, None))
