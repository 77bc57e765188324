"""The submission of a SKU's offer, recorded apart from Amazon's verdict (shared/inventory/submissions.py, state.py)."""

from datetime import UTC, datetime, timedelta

from shared.inventory.model import Change, MarketState, OfferValues, Sent, SkuState, SourceValue, Verdict
from shared.inventory.state import Outcome, apply_outcome
from shared.inventory.submissions import awaiting_verdict, record_submission

UK = "A1F83G8C2ARO7P"
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
OFFER = OfferValues(quantity=4, handling_days=2)


def state(rev: int = 1, sent: Sent | None = None, verdict: Verdict | None = None) -> SkuState:
    market = MarketState(rev=rev, desired=OFFER, desired_at=T0, sent=sent, verdict=verdict)
    return SkuState(source=SourceValue(available=4, as_of=T0, received_at=T0), markets={UK: market})


def change(rev: int = 1) -> Change:
    return Change(sku="A-1", rev=rev, values=OFFER)


def market(held: SkuState | None) -> MarketState:
    assert held is not None
    return held.markets[UK]


def test_a_feed_submission_is_recorded_and_awaits_its_verdict() -> None:
    submitted = record_submission(state(), UK, change(), "feed", "F1", T0)

    sent = market(submitted).sent
    assert sent is not None and (sent.rev, sent.channel, sent.feed_id, sent.at) == (1, "feed", "F1", T0)
    assert market(submitted).verdict is None and awaiting_verdict(market(submitted))


def test_the_verdict_is_recorded_at_its_own_time_and_keeps_the_submission_time() -> None:
    # Given revision 1 submitted in feed F1 at T0, its result processed five minutes later
    submitted = record_submission(state(), UK, change(), "feed", "F1", T0)
    outcome = Outcome(UK, change(), "ACCEPTED", "feed", feed_id="F1", submitted_at=T0)

    answered = apply_outcome("A-1", submitted, outcome, T0 + timedelta(minutes=5), max_attempts=3).state

    sent, verdict = market(answered).sent, market(answered).verdict
    assert sent is not None and verdict is not None
    assert (sent.at, verdict.at, verdict.status) == (T0, T0 + timedelta(minutes=5), "ACCEPTED")
    assert not awaiting_verdict(market(answered))


def test_a_newer_revision_submitted_awaits_while_the_older_verdict_stands() -> None:
    answered_1 = state(
        rev=2,
        sent=Sent(rev=1, values=OFFER, channel="feed", at=T0, feed_id="F1"),
        verdict=Verdict(rev=1, status="ACCEPTED", channel="feed", at=T0 + timedelta(minutes=5), feed_id="F1"),
    )

    submitted = record_submission(answered_1, UK, change(2), "feed", "F2", T0 + timedelta(minutes=6))

    assert market(submitted).sent == Sent(
        rev=2, values=OFFER, channel="feed", at=T0 + timedelta(minutes=6), feed_id="F2"
    )
    verdict = market(submitted).verdict
    assert verdict is not None and verdict.rev == 1 and awaiting_verdict(market(submitted))


def test_an_older_submission_never_replaces_a_newer_one() -> None:
    newer = state(rev=2, sent=Sent(rev=2, values=OFFER, channel="feed", at=T0, feed_id="F2"))

    assert record_submission(newer, UK, change(1), "feed", "F1", T0 + timedelta(minutes=1)) is None
    assert record_submission(newer, UK, change(2), "feed", "F2", T0) is None  # the same submission again
    assert record_submission(newer, "A1PA6795UKMFR9", change(2), "feed", "F3", T0) is None  # no such marketplace


def test_a_revision_submitted_again_after_a_transient_failure_awaits_again() -> None:
    # Given revision 1 answered REJECTED at T0 + 5 min, then submitted again in feed F2
    rejected = state(
        sent=Sent(rev=1, values=OFFER, channel="feed", at=T0, feed_id="F1"),
        verdict=Verdict(rev=1, status="REJECTED", channel="feed", at=T0 + timedelta(minutes=5), feed_id="F1"),
    )

    again = record_submission(rejected, UK, change(1), "feed", "F2", T0 + timedelta(minutes=10))

    sent = market(again).sent
    assert sent is not None and sent.feed_id == "F2" and awaiting_verdict(market(again))


def test_a_fast_lane_patch_records_when_it_went_out_with_its_verdict() -> None:
    outcome = Outcome(UK, change(), "ACCEPTED", "patch", submitted_at=T0)

    answered = apply_outcome("A-1", state(), outcome, T0 + timedelta(seconds=1), max_attempts=3).state

    sent, verdict = market(answered).sent, market(answered).verdict
    assert sent is not None and verdict is not None
    assert (sent.channel, sent.feed_id, sent.at, verdict.at) == ("patch", None, T0, T0 + timedelta(seconds=1))


def test_a_feed_result_does_not_replace_a_later_patch_as_the_submission() -> None:
    # Given a stock-out in feed F1 at T0, patched through the fast lane at T0 + 1 min and answered
    patched = state(
        sent=Sent(rev=1, values=OFFER, channel="patch", at=T0 + timedelta(minutes=1)),
        verdict=Verdict(rev=1, status="ACCEPTED", channel="patch", at=T0 + timedelta(minutes=1)),
    )
    outcome = Outcome(UK, change(), "ACCEPTED", "feed", feed_id="F1", submitted_at=T0)

    answered = apply_outcome("A-1", patched, outcome, T0 + timedelta(minutes=5), max_attempts=3).state

    sent = market(answered).sent
    assert sent is not None and (sent.channel, sent.at) == ("patch", T0 + timedelta(minutes=1))


def test_a_state_stored_before_submissions_were_recorded_loads_and_awaits_nothing() -> None:
    # Given a market as older versions stored it: `sent` written with the verdict, at the verdict's time
    stored = {
        "rev": 1,
        "desired": {"quantity": 4, "handling_days": 2},
        "desired_at": "2026-05-01T12:00:00Z",
        "sent": {
            "rev": 1,
            "values": {"quantity": 4, "handling_days": 2},
            "channel": "feed",
            "at": "2026-05-01T12:05:00Z",
        },
        "verdict": {"rev": 1, "status": "ACCEPTED", "channel": "feed", "at": "2026-05-01T12:05:00Z"},
    }

    loaded = MarketState.model_validate(stored)

    assert loaded.sent is not None and loaded.sent.feed_id is None and not awaiting_verdict(loaded)
