"""One feed per connection and window, crash safety of the claims, and Amazon's verdicts applied: the logic on the real
repository against moto's in-process DynamoDB, with a fake SP-API feed client."""

import json
from collections.abc import Iterator
from datetime import timedelta
from xml.etree import ElementTree

import boto3
import pytest

from shared.models.shipments import CancellationState
from shared.repositories.cancellations import CancellationsRepository
from shared.shipments.ack_feed import CONTENT_TYPE, FEED_TYPE
from shared.shipments.cancellation_metrics import CancellationMetric
from shared.shipments.cancellations import FeedNotDone, apply_report, request_cancellation, submit_pending
from shared.spapi.errors import RequestTimeoutError, ServerError
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws
from tests.unit.shipments.cancel_support import CONN, UK, Clock, FakeFeeds, Metrics, ask, order, report

A, B, C = "111-1111111-1111111", "222-2222222-2222222", "333-3333333-3333333"
WINDOW = timedelta(seconds=60)


@pytest.fixture
def repo() -> Iterator[CancellationsRepository]:
    """The repository on a fresh shipments table in moto's in-process DynamoDB."""
    with in_process_aws():
        client = boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        yield CancellationsRepository(create_table(client, "shipments", gsi1=True), client)


def requested(repo: CancellationsRepository, clock: Clock, *orders: str) -> None:
    for order_id in orders:
        request_cancellation(ask(order_id), order(order_id), repo, clock)


def state(repo: CancellationsRepository, order_id: str) -> CancellationState:
    record = repo.get(CONN, order_id)
    assert record is not None
    return record.state


def test_every_pending_cancellation_of_a_connection_goes_in_one_feed(repo: CancellationsRepository) -> None:
    clock, feeds, metrics = Clock(), FakeFeeds(), Metrics()
    requested(repo, clock, A, B, C)

    outcome = submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW, metrics=metrics)

    assert outcome.feed_id == "feed-1" and set(outcome.orders) == {A, B, C}
    [(content, content_type)] = feeds.uploads
    assert content_type == CONTENT_TYPE
    [created] = feeds.created
    assert (created.feed_type, created.marketplace_ids, created.input_feed_document_id) == (FEED_TYPE, [UK], "doc-1")
    sent = {m.findtext("OrderAcknowledgement/AmazonOrderID") for m in ElementTree.fromstring(content).iter("Message")}
    assert sent == {A, B, C}
    assert all(state(repo, o) == CancellationState.SUBMITTED for o in (A, B, C))
    assert repo.pending(CONN, 10) == []
    fed = repo.get_feed("feed-1")
    assert fed is not None and set(fed.messages.values()) == {A, B, C}
    assert all((r := repo.get(CONN, o)) and r.feed_id == "feed-1" for o in (A, B, C))
    assert metrics.count(CancellationMetric.CANCELLATION_FEEDS_SUBMITTED) == 1


def test_a_second_feed_within_the_window_waits_and_goes_once_the_window_has_passed(
    repo: CancellationsRepository,
) -> None:
    clock, feeds = Clock(), FakeFeeds()
    requested(repo, clock, A)
    submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW)
    clock.advance(20)
    requested(repo, clock, B)

    waiting = submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW)

    assert waiting.feed_id is None and waiting.wait_seconds == pytest.approx(40)
    assert state(repo, B) == CancellationState.PENDING and len(feeds.created) == 1
    clock.advance(40)
    later = submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW)
    assert later.feed_id == "feed-2" and later.orders == (B,)


def test_a_full_feed_says_more_may_wait_and_the_rest_goes_after_the_window(
    repo: CancellationsRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shared.shipments.cancellations.MAX_MESSAGES", 2)
    clock, feeds = Clock(), FakeFeeds()
    for order_id in (A, B, C):
        requested(repo, clock, order_id)
        clock.advance(1)

    first = submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW)
    clock.advance(60)
    second = submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW)

    assert (first.orders, first.more) == ((A, B), True)  # the oldest requests first
    assert (second.orders, second.more) == ((C,), False)


def test_nothing_pending_sends_nothing_and_leaves_the_gate_open(repo: CancellationsRepository) -> None:
    clock, feeds = Clock(), FakeFeeds()
    assert submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW).feed_id is None
    requested(repo, clock, A)
    assert submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW).feed_id == "feed-1"


@pytest.mark.parametrize("failure", [ServerError(503, "ServiceUnavailable", "down"), RequestTimeoutError(0, "T", "t")])
def test_a_failed_create_feed_puts_the_claims_back_and_the_next_run_sends_them(
    repo: CancellationsRepository, failure: Exception
) -> None:
    clock, feeds = Clock(), FakeFeeds(fail_create=failure)
    requested(repo, clock, A, B)

    with pytest.raises(type(failure)):
        submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW)

    assert {state(repo, A), state(repo, B)} == {CancellationState.PENDING}
    assert {r.order_id for r in repo.pending(CONN, 10)} == {A, B}
    feeds.fail_create = None
    retried = submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW)  # the gate was given back
    assert retried.feed_id == "feed-1" and set(retried.orders) == {A, B}


def test_a_feed_amazon_took_while_we_timed_out_goes_again_and_the_repeat_settles_as_cancelled(
    repo: CancellationsRepository,
) -> None:
    clock, feeds = Clock(), FakeFeeds(lose_answer=True)
    requested(repo, clock, A)

    with pytest.raises(RequestTimeoutError):
        submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW)

    # feed-1 reached Amazon (and cancels A there), but we never learnt its id: A is pending again and goes in feed-2.
    assert state(repo, A) == CancellationState.PENDING
    feeds.lose_answer = False
    assert submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW).feed_id == "feed-2"
    assert len(feeds.created) == 2
    feeds.status, feeds.report = "DONE", report(1, {1: f"Order {A} is CANCELLED and cannot be cancelled."})

    [outcome] = apply_report("feed-2", feeds, repo, clock, orders=lambda order_id: order(order_id, status="CANCELLED"))

    assert outcome.cancelled and outcome.record.feed_id == "feed-2"
    assert apply_report("feed-1", feeds, repo, clock) == []  # not a feed we know


def test_claims_a_crashed_run_left_are_put_back_only_once_they_are_stale(repo: CancellationsRepository) -> None:
    clock, feeds = Clock(), FakeFeeds()
    requested(repo, clock, A)
    # A run takes the gate, writes its intent, claims A, and dies before createFeed.
    assert repo.take_gate(CONN, clock(), WINDOW).taken
    repo.note_in_flight(CONN, "dead-run", clock(), [A])
    [pending] = repo.pending(CONN, 10)
    assert repo.claim(pending, "dead-run", clock()) is not None
    requested(repo, clock, B)

    clock.advance(61)  # past the window, not yet stale: B goes, A stays with the (maybe still running) run
    first = submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW, stale_after=timedelta(minutes=20))
    assert first.orders == (B,) and first.released == ()
    assert state(repo, A) == CancellationState.SUBMITTED

    clock.advance(20 * 60)
    second = submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW, stale_after=timedelta(minutes=20))
    assert second.released == (A,) and second.orders == (A,) and second.feed_id == "feed-2"


def submitted(repo: CancellationsRepository, clock: Clock, feeds: FakeFeeds, *orders: str) -> dict[int, str]:
    requested(repo, clock, *orders)
    feed_id = submit_pending(CONN, "A1SELLER", feeds, repo, clock, WINDOW).feed_id
    fed = repo.get_feed(feed_id or "")
    assert fed is not None
    return dict(fed.messages)


def test_the_report_settles_each_message_and_a_second_run_tells_the_same_outcomes(
    repo: CancellationsRepository,
) -> None:
    clock, feeds, metrics = Clock(), FakeFeeds(), Metrics()
    messages = submitted(repo, clock, feeds, A, B)
    rejected_id = next(m for m, o in messages.items() if o == B)

    with pytest.raises(FeedNotDone):
        apply_report("feed-1", feeds, repo, clock)
    feeds.status, feeds.report = "DONE", report(2, {rejected_id: "Order has shipped and cannot be cancelled."})
    clock.advance(90)
    outcomes = apply_report("feed-1", feeds, repo, clock, metrics=metrics)

    assert {o.record.order_id: (o.cancelled, o.changed) for o in outcomes} == {A: (True, True), B: (False, True)}
    assert state(repo, A) == CancellationState.CANCELLED and state(repo, B) == CancellationState.REJECTED
    verdict = repo.get(CONN, B)
    assert verdict is not None and verdict.verdict == "18028: Order has shipped and cannot be cancelled."
    entries = {json.loads(e["Detail"])["order_id"]: e for e in (o.event_entry("bus") for o in outcomes)}
    assert entries[A]["DetailType"] == "OrderCancelled" and entries[B]["DetailType"] == "OrderCancellationRejected"
    detail = json.loads(entries[B]["Detail"])
    assert detail["schema_version"] == 1 and detail["feed_id"] == "feed-1" and detail["reason"] == "NoInventory"
    assert metrics.count(CancellationMetric.CANCELLATIONS_CANCELLED) == 1
    assert metrics.count(CancellationMetric.CANCELLATIONS_REJECTED) == 1
    assert metrics.count(CancellationMetric.CANCELLATION_VERDICT_SECONDS) == 180  # 90 s each

    again = apply_report("feed-1", feeds, repo, clock, metrics=metrics)
    assert [(o.changed, o.event_entry("bus")) for o in again] == [(False, o.event_entry("bus")) for o in outcomes]
    assert metrics.count(CancellationMetric.CANCELLATIONS_CANCELLED) == 1


@pytest.mark.parametrize("status", ["FATAL", "CANCELLED"])
def test_a_feed_amazon_ended_without_processing_rejects_every_message(
    repo: CancellationsRepository, status: str
) -> None:
    clock, feeds = Clock(), FakeFeeds()
    submitted(repo, clock, feeds, A, B)
    feeds.status = status

    outcomes = apply_report("feed-1", feeds, repo, clock)

    assert {o.record.order_id for o in outcomes} == {A, B} and not any(o.cancelled for o in outcomes)
    assert all(status in (o.record.verdict or "") for o in outcomes)


def test_a_whole_document_error_and_an_unprocessed_message_reject(repo: CancellationsRepository) -> None:
    clock, feeds = Clock(), FakeFeeds()
    submitted(repo, clock, feeds, A, B)
    feeds.status, feeds.report = "DONE", report(0, {0: "XML parsing error"})
    assert {o.cancelled for o in apply_report("feed-1", feeds, repo, clock)} == {False}

    clock.advance(120)
    feeds2 = FakeFeeds()
    feeds2.created = [feeds.created[0]]  # the next feed id is feed-2
    submitted(repo, clock, feeds2, C)
    feeds2.status, feeds2.report = "DONE", report(0, {})
    [outcome] = apply_report("feed-2", feeds2, repo, clock)
    assert not outcome.cancelled and "not processed" in (outcome.record.verdict or "")


def test_a_refusal_for_an_order_already_cancelled_at_amazon_settles_as_cancelled(
    repo: CancellationsRepository,
) -> None:
    clock, feeds = Clock(), FakeFeeds()
    submitted(repo, clock, feeds, A)
    feeds.status, feeds.report = "DONE", report(1, {1: "Order is CANCELLED and cannot be cancelled."})
    cancelled_order = order(A, status="CANCELLED")

    [outcome] = apply_report("feed-1", feeds, repo, clock, orders=lambda order_id: cancelled_order)

    assert outcome.cancelled and "cancelled at Amazon" in (outcome.record.verdict or "")


def test_a_feed_that_is_not_ours_gives_no_outcome(repo: CancellationsRepository) -> None:
    assert apply_report("someone-elses", FakeFeeds(), repo, Clock()) == []
