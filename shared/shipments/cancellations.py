"""Seller-initiated cancellations: checked against the stored order, batched per connection, settled from Amazon's
verdicts. Plain functions; the repository, the Canceller (shared/shipments/cancellation_port.py) and the clock are
injected.

- `request_cancellation`: refuses, with a reason, what Amazon must not be sent (a shipped order refunds the whole
  order; BuyerCanceled without the buyer's request counts against the seller; partial cancellation is unsupported),
  else records it pending. The same request again is `unchanged`, not an error.
- `submit_pending`: at most one feed per connection per window (the gate); claims every pending cancellation and
  sends them in one batch. Crash safety: the claimed orders are written on the gate item before the claims
  (write-ahead); a failure before Amazon took the feed puts them back at once, and a run that died leaves them
  there for the next run to put back once `stale_after` has passed (longer than a Lambda lives). If Amazon took
  the feed but we never learnt it (a createFeed timeout, a crash before the record), the orders go again in a
  later feed; Amazon then refuses the repeat as already cancelled, which `apply_report` settles as cancelled when
  the stored order (`orders`) says so.
- `apply_report`: each message's verdict settles its cancellation (conditional: a second run changes nothing, and
  returns the same outcomes, whose events have stable ids).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.models.orders import CANCELLED, ImportedOrder
from shared.models.shipments import CancellationRecord, CancellationState, CancelReason, OrderCancellationRequested
from shared.repositories.cancellations import CancellationsRepository, OrderPackages, RequestResult, SubmittedFeed
from shared.shipments.ack_feed import MAX_MESSAGES
from shared.shipments.cancellation_checks import PACKAGE_ACTIVE, RefusalCode, items_problem, order_problem
from shared.shipments.cancellation_events import CancellationOutcome, FeedNotDone, refusal_entry
from shared.shipments.cancellation_metrics import CancellationMetric, CancellationMetricsSink, MetricUnit, NoMetrics
from shared.shipments.cancellation_port import Canceller, FeedCanceller, FeedClient

Clock = Callable[[], datetime]
OrderLookup = Callable[[str], ImportedOrder | None]
DEFAULT_WINDOW = timedelta(seconds=60)
STALE_AFTER = timedelta(minutes=20)
# Tries at recording a request while other writers change the order's packages or cancellation.
ATTEMPTS = 5


@dataclass(frozen=True)
class Accepted:
    """The cancellation as recorded; `unchanged`: the same request had been recorded before."""

    record: CancellationRecord
    unchanged: bool = False


@dataclass(frozen=True)
class Refusal:
    """A request we refused, and why (for the CLI, the input DLQ and an OrderCancellationRejected event)."""

    connection_id: str
    order_id: str
    reason: CancelReason
    code: RefusalCode
    message: str

    def event_entry(self, bus_name: str) -> dict[str, Any]:
        """The OrderCancellationRejected entry (no feed: we refused it ourselves)."""
        return refusal_entry(self.connection_id, self.order_id, self.reason, self.code.value, self.message, bus_name)


def request_cancellation(
    event: OrderCancellationRequested,
    order: ImportedOrder | None,
    repo: CancellationsRepository,
    clock: Clock,
    *,
    metrics: CancellationMetricsSink | None = None,
) -> Accepted | Refusal:
    """Records a pending cancellation of the whole order, or refuses it with a reason (see the module doc)."""
    for _ in range(ATTEMPTS):
        result = _request(event, order, repo, clock)
        if result is not None:
            break
    else:
        raise ConcurrentChangeError(f"order {event.order_id} kept changing while its cancellation was recorded")
    sink = metrics or NoMetrics()
    if isinstance(result, Refusal):
        sink.add_metric(CancellationMetric.CANCELLATIONS_REFUSED, MetricUnit.Count, 1)
    elif not result.unchanged:
        sink.add_metric(CancellationMetric.CANCELLATIONS_REQUESTED, MetricUnit.Count, 1)
    return result


class ConcurrentChangeError(RuntimeError):
    """The order's packages or cancellation kept changing under us: let the message be retried."""


@dataclass(frozen=True)
class _Write:
    """A request that passed every check: what recording it is conditioned on."""

    order: ImportedOrder
    packages: OrderPackages
    version: int


def precheck(
    event: OrderCancellationRequested, order: ImportedOrder | None, repo: CancellationsRepository
) -> Accepted | Refusal | None:
    """What `request_cancellation` would answer, without writing: a Refusal, Accepted(unchanged) for a request already
    recorded, or None when it would be recorded (the CLI checks before it sends; the function checks again)."""
    result = _classify(event, order, repo)
    return None if isinstance(result, _Write) else result


def _classify(
    event: OrderCancellationRequested, order: ImportedOrder | None, repo: CancellationsRepository
) -> Accepted | Refusal | _Write:
    def refuse(code: RefusalCode, message: str) -> Refusal:
        return Refusal(event.connection_id, event.order_id, event.reason, code, message)

    if order is None or order.connection_id != event.connection_id:
        return refuse(RefusalCode.NOT_IMPORTED, f"order {event.order_id} has not been imported for this connection")
    if (named := items_problem(event, order)) is not None:
        return refuse(*named)  # not the same request as any recorded one, whatever exists
    existing, version = repo.get_versioned(event.connection_id, event.order_id)
    if existing is not None and existing.state != CancellationState.REJECTED:
        if existing.reason == event.reason:
            return Accepted(existing, unchanged=True)
        state = f"{existing.reason.value}, {existing.state.value}"
        return refuse(RefusalCode.ALREADY_REQUESTED, f"the order already has a cancellation ({state})")
    if (problem := order_problem(event, order)) is not None:
        return refuse(*problem)
    packages = repo.order_packages(event.connection_id, event.order_id)
    if packages.units > 0:
        return refuse(RefusalCode.PACKAGE_ACTIVE, PACKAGE_ACTIVE)
    return _Write(order, packages, version if existing is not None else 0)


def _request(
    event: OrderCancellationRequested, order: ImportedOrder | None, repo: CancellationsRepository, clock: Clock
) -> Accepted | Refusal | None:
    """One attempt; None when another writer came first (the caller classifies again against what it wrote)."""
    checked = _classify(event, order, repo)
    if not isinstance(checked, _Write):
        return checked
    now = clock()
    record = CancellationRecord(
        connection_id=event.connection_id,
        order_id=event.order_id,
        marketplace_id=checked.order.marketplace_id,
        reason=event.reason,
        order_item_ids=tuple(line.order_item_id for line in checked.order.items),
        requested_at=now,
        updated_at=now,
    )
    created = repo.request(record, checked.packages, checked.version) == RequestResult.CREATED
    return Accepted(record) if created else None


@dataclass(frozen=True)
class SubmitOutcome:
    """What one run did: submitted a feed, found the gate closed (`wait_seconds`: re-queue with that delay), or
    found nothing pending. `released`: orders a crashed run had left claimed, put back to pending. `more`: a full
    feed went and more may wait (re-queue after the window)."""

    feed_id: str | None = None
    orders: tuple[str, ...] = ()
    wait_seconds: float | None = None
    released: tuple[str, ...] = ()
    more: bool = False


def submit_pending(
    connection_id: str,
    merchant_id: str,
    client: FeedClient,
    repo: CancellationsRepository,
    clock: Clock,
    window: timedelta = DEFAULT_WINDOW,
    *,
    canceller: Canceller | None = None,
    stale_after: timedelta = STALE_AFTER,
    metrics: CancellationMetricsSink | None = None,
) -> SubmitOutcome:
    """Sends every pending cancellation of the connection in one batch, at most once per window (module doc)."""
    canceller = canceller or FeedCanceller(client)
    now = clock()
    gate = repo.take_gate(connection_id, now, window)
    if not gate.taken:
        return SubmitOutcome(wait_seconds=gate.wait_seconds)
    released: list[str] = []
    for token, (claimed_at, orders) in gate.in_flight.items():
        if now - claimed_at >= stale_after:
            released += [o for o in orders if repo.release(connection_id, o, token, now)]
            repo.clear_in_flight(connection_id, token)
    pending = repo.pending(connection_id, MAX_MESSAGES)
    if not pending:
        repo.reopen_gate(connection_id, now)
        return SubmitOutcome(released=tuple(released))
    token = uuid.uuid4().hex
    repo.note_in_flight(connection_id, token, now, [record.order_id for record in pending])
    claimed = [c for record in pending if (c := repo.claim(record, token, now)) is not None]
    try:
        submission = canceller.submit(merchant_id, claimed) if claimed else None
    except Exception:
        # Nothing was submitted, or Amazon may have taken it without our knowing (a timeout): put them back (the
        # module doc says why a repeat is safe) and let the retry go at once.
        _put_back(repo, connection_id, token, claimed, now)
        raise
    if submission is None:  # every one was claimed by another run first
        _put_back(repo, connection_id, token, claimed, now)
        return SubmitOutcome(released=tuple(released))
    repo.record_feed(SubmittedFeed(submission.submission_id, connection_id, submission.messages, now))
    by_order = {record.order_id: record for record in claimed}
    for message_id, order_id in submission.messages.items():
        repo.mark_fed(by_order[order_id], token, submission.submission_id, message_id, now)
    repo.clear_in_flight(connection_id, token)
    (metrics or NoMetrics()).add_metric(CancellationMetric.CANCELLATION_FEEDS_SUBMITTED, MetricUnit.Count, 1)
    more = len(pending) >= MAX_MESSAGES
    return SubmitOutcome(submission.submission_id, tuple(by_order), released=tuple(released), more=more)


def _put_back(
    repo: CancellationsRepository, connection_id: str, token: str, claimed: list[CancellationRecord], now: datetime
) -> None:
    for record in claimed:
        repo.release(connection_id, record.order_id, token, now)
    repo.clear_in_flight(connection_id, token)
    repo.reopen_gate(connection_id, now)


def apply_report(
    feed_id: str,
    client: FeedClient,
    repo: CancellationsRepository,
    clock: Clock,
    *,
    canceller: Canceller | None = None,
    orders: OrderLookup | None = None,
    metrics: CancellationMetricsSink | None = None,
) -> list[CancellationOutcome]:
    """Settles each cancellation of one of our feeds from Amazon's verdict; FeedNotDone while Amazon processes it.

    A feed that is not a cancellation feed of ours gives no outcome.
    """
    feed = repo.get_feed(feed_id)
    if feed is None:
        return []
    verdicts = (canceller or FeedCanceller(client)).verdicts(feed_id, feed.messages)
    if verdicts is None:
        raise FeedNotDone(feed_id)
    sink = metrics or NoMetrics()
    now = clock()
    outcomes: list[CancellationOutcome] = []
    for verdict in verdicts:
        record = repo.get(feed.connection_id, verdict.order_id)
        if record is None or record.feed_id != feed_id:
            continue  # put back after a crash and sent again in a later feed: that feed's verdict counts
        cancelled, text = verdict.cancelled, verdict.description
        stored = orders(verdict.order_id) if orders and not cancelled else None
        if stored is not None and stored.status == CANCELLED:
            cancelled, text = True, f"the order is cancelled at Amazon (this feed's message: {text})"
        state = CancellationState.CANCELLED if cancelled else CancellationState.REJECTED
        settled = repo.settle(record, feed_id, state, text, now)
        if settled is not None:
            outcomes.append(CancellationOutcome(settled, changed=True))
            if cancelled:
                sink.add_metric(CancellationMetric.CANCELLATIONS_CANCELLED, MetricUnit.Count, 1)
            else:
                sink.add_metric(CancellationMetric.CANCELLATIONS_REJECTED, MetricUnit.Count, 1)
            seconds = (now - settled.requested_at).total_seconds()
            sink.add_metric(CancellationMetric.CANCELLATION_VERDICT_SECONDS, MetricUnit.Seconds, seconds)
        elif record.state in (CancellationState.CANCELLED, CancellationState.REJECTED):
            outcomes.append(CancellationOutcome(record, changed=False))
    return outcomes


__all__ = [
    "Accepted",
    "CancellationOutcome",
    "ConcurrentChangeError",
    "FeedNotDone",
    "Refusal",
    "RefusalCode",
    "SubmitOutcome",
    "apply_report",
    "request_cancellation",
    "submit_pending",
]
