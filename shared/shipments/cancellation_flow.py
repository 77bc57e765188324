"""What the shipments functions do with cancellations, with every AWS and Amazon dependency injected.

Input queue, an `OrderCancellationRequested`: recorded pending (or refused: the request goes to the input DLQ with
the reason and `OrderCancellationRejected` says why), then a flush of its connection is queued. Cancellations queue:
a flush sends every pending cancellation of the connection in one order acknowledgement feed, at most one feed per
window (a closed gate re-queues the flush for when it opens) and queues a report read (after 10 s, then doubling up to
the window: the fallback for FEED_PROCESSING_FINISHED); a report read settles each cancellation from Amazon's
processing report and publishes `OrderCancelled` / `OrderCancellationRejected` (a feed still processing is read
again later). A paused connection (whole, or `shipments`) submits nothing: its cancellations stay pending, and
`connections resume` queues the flush again. Each submitted feed is recorded in the audit trail (its orders by
MessageID, createFeed's request id) and its report's verdicts are added to that record.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel

from shared.models.audit import AuditAnswer, AuditEntry, AuditKind, AuditRecord, AuditRecorder, NoAudit, capped_results
from shared.models.connection import PAUSE_SHIPMENTS, Connection
from shared.models.orders import ImportedOrder
from shared.models.shipments import OrderCancellationRequested
from shared.repositories.cancellations import CancellationsRepository
from shared.shipments.cancellation_events import FeedNotDone
from shared.shipments.cancellation_metrics import CancellationMetricsSink
from shared.shipments.cancellation_port import FeedClient
from shared.shipments.cancellations import Accepted, Refusal, apply_report, request_cancellation, submit_pending
from shared.shipments.handling import RequestRefusedError
from shared.shipments.messages import CancellationFlush, CancellationReport

# A feed Amazon is still processing is read again this many times before the message fails.
MAX_REPORT_POLLS = 60
# The first read of a feed's report, then doubling up to the window: a small feed is often done within a minute.
FIRST_REPORT_SECONDS = 10


def report_delay(polls: int, window_seconds: int) -> int:
    """Seconds before the next read of a feed's report: 10, 20, 40... at most the window (the fallback when no
    FEED_PROCESSING_FINISHED comes first)."""
    return min(window_seconds, FIRST_REPORT_SECONDS * 2 ** min(polls, 10))


class Publisher(Protocol):
    """PutEvents on the stack's bus (EventBusPublisher)."""

    def publish(self, entries: Sequence[dict[str, Any]]) -> None:
        """Publishes every entry or raises."""
        ...


@dataclass(frozen=True)
class CancellationDeps:
    """The cancellations table, stored orders, connections and their clients, the bus, metrics, queue and clock."""

    repo: CancellationsRepository
    get_order: Callable[[str], ImportedOrder | None]
    connection: Callable[[str], Connection]
    client_for: Callable[[Connection], FeedClient]
    publisher: Publisher
    bus_name: str
    metrics: CancellationMetricsSink
    send: Callable[[BaseModel, float], None]
    clock: Callable[[], datetime]
    window_seconds: int
    # The audit trail: each submitted feed and its verdicts.
    audit: AuditRecorder = field(default_factory=NoAudit)


def handle_cancellation_request(event: OrderCancellationRequested, deps: CancellationDeps) -> Accepted:
    """Records the request and queues its connection's flush; raises RequestRefusedError (after publishing the
    rejection) when refused."""
    result = request_cancellation(event, deps.get_order(event.order_id), deps.repo, deps.clock, metrics=deps.metrics)
    if isinstance(result, Refusal):
        deps.publisher.publish([result.event_entry(deps.bus_name)])
        raise RequestRefusedError(f"{result.code.value}: {result.message}")
    if not result.unchanged:
        deps.send(CancellationFlush(connection_id=event.connection_id), 0)
    return result


def handle_cancellation_message(message: CancellationFlush | CancellationReport, deps: CancellationDeps) -> str:
    """One message of the cancellations queue; returns what happened, for the log."""
    if isinstance(message, CancellationFlush):
        return _flush(message, deps)
    return _report(message, deps)


def _flush(message: CancellationFlush, deps: CancellationDeps) -> str:
    connection = deps.connection(message.connection_id)
    if connection.pause_of(PAUSE_SHIPMENTS) is not None:
        return "paused: pending cancellations kept until the connection is resumed"
    client = deps.client_for(connection)
    outcome = submit_pending(
        connection.connection_id,
        connection.selling_partner_id,
        client,
        deps.repo,
        deps.clock,
        timedelta(seconds=deps.window_seconds),
        metrics=deps.metrics,
    )
    if outcome.wait_seconds is not None:
        deps.send(message, math.ceil(outcome.wait_seconds))
        return f"gate closed: flush again in {math.ceil(outcome.wait_seconds)} s"
    if outcome.more:
        deps.send(message, deps.window_seconds)
    if outcome.feed_id is None:
        return "nothing pending"
    _audit_submitted(outcome.feed_id, getattr(client, "last_request_id", None), deps)
    report = CancellationReport(feed_id=outcome.feed_id, connection_id=connection.connection_id)
    deps.send(report, report_delay(0, deps.window_seconds))
    return f"feed {outcome.feed_id} submitted for {len(outcome.orders)} order(s)"


def _report(message: CancellationReport, deps: CancellationDeps) -> str:
    feed = deps.repo.get_feed(message.feed_id)
    if feed is None:
        return f"feed {message.feed_id} is not a cancellation feed of ours"
    client = deps.client_for(deps.connection(feed.connection_id))
    try:
        outcomes = apply_report(
            message.feed_id, client, deps.repo, deps.clock, orders=deps.get_order, metrics=deps.metrics
        )
    except FeedNotDone:
        if message.polls >= MAX_REPORT_POLLS:
            raise
        delay = report_delay(message.polls + 1, deps.window_seconds)
        deps.send(message.model_copy(update={"polls": message.polls + 1}), delay)
        return f"feed {message.feed_id} still processing: read again in {delay} s"
    changed = [o for o in outcomes if o.changed]
    settled = sum(o.cancelled for o in outcomes)
    rejected = [(o.record.order_id, f"REJECTED: {o.record.verdict}") for o in outcomes if not o.cancelled]
    deps.audit.answer(
        AuditAnswer(
            connection_id=feed.connection_id,
            kind=AuditKind.CANCELLATION,
            ref=feed.feed_id,
            at=feed.submitted_at,
            outcome="DONE",
            answered_at=deps.clock(),
            counts={"cancelled": settled, "rejected": len(outcomes) - settled},
            results=capped_results(rejected),
        )
    )
    if changed:
        deps.publisher.publish([o.event_entry(deps.bus_name) for o in changed])
    cancelled = sum(o.cancelled for o in changed)
    return f"feed {message.feed_id}: {cancelled} cancelled, {len(changed) - cancelled} rejected"


def _audit_submitted(feed_id: str, request_id: str | None, deps: CancellationDeps) -> None:
    """The submitted feed's audit record: one entry per order, keyed by the feed id and its submission time."""
    feed = deps.repo.get_feed(feed_id)
    if feed is None:
        return
    entries = tuple(AuditEntry(order_id=o, sent=f"message={m} cancel") for m, o in sorted(feed.messages.items()))
    deps.audit.record(
        AuditRecord(
            connection_id=feed.connection_id,
            kind=AuditKind.CANCELLATION,
            ref=feed.feed_id,
            at=feed.submitted_at,
            operation="createFeed",
            outcome="SUBMITTED",
            request_id=request_id,
            entries=entries,
        )
    )
