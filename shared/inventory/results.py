"""Feed results: a submitted feed checked (FEED_PROCESSING_FINISHED or the polling fallback), its verdicts recorded.

A feed check (results queue) looks at one submitted feed:
1. A feed we never recorded, or one whose outcome is already recorded, needs nothing (duplicate notification).
2. getFeed: still IN_QUEUE / IN_PROGRESS -> another check in `poll_seconds` (at most MAX_POLLS, then it counts as
   failed). DONE -> first the fast-lane stock-outs the feed overwrote (it carried an older, positive quantity) are
   patched again (shared/inventory/watch.py: the repair does not wait for the report), then the processing report
   (getFeedDocument, download, gunzip): one outcome per message. FATAL or CANCELLED -> every message failed
   transiently.
3. `record_outcomes` (shared/inventory/verdicts.py): per bucket, apply_outcome for each SKU (conditional bucket
   writes); transient failures and newer revisions Amazon may have lost are queued again (not those the early repair
   already sent); each rejection becomes an InventoryRejected event; the counts go to metrics.
4. The feed is marked complete (conditional: a racing duplicate records nothing twice), and its answer (status,
   counts, the SKUs not accepted with Amazon's code and message) is added to the feed's audit record.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from shared.inventory import SYNC_TYPE
from shared.inventory.answers import Outcome
from shared.inventory.audit_records import not_accepted
from shared.inventory.feed_document import FeedEntry, outcomes, parse_report
from shared.inventory.queues import FeedCheck
from shared.inventory.status import record_feed_outcome
from shared.inventory.verdicts import VerdictDeps, record_outcomes
from shared.inventory.watch import WatchDeps, repair_overwritten
from shared.models.audit import AuditAnswer, AuditKind, AuditRecorder, NoAudit
from shared.models.connection import Connection, ConnectionStatus
from shared.models.inventory import Change
from shared.repositories.feeds import FeedRecord, FeedStatus
from shared.spapi.client import SpApiClient
from shared.sync.dependencies import StatusesPort
from shared.sync.metrics import INVENTORY_FEEDS_FAILED, INVENTORY_STOCK_OUT_REPAIRS, MetricUnit

# A feed still processing after this many checks (4 hours at the default 300 s) counts as failed.
MAX_POLLS = 48


class FeedReader(Protocol):
    """FeedsRepository.get and .complete."""

    def get(self, feed_id: str) -> tuple[FeedRecord, list[Change]] | None:
        """The feed and its changes."""
        ...

    def complete(self, record: FeedRecord, status: FeedStatus, completed_at: datetime, counts: dict[str, int]) -> bool:
        """Marks it complete once."""
        ...


@dataclass(frozen=True)
class ResultDeps:
    """What checking a feed needs, beyond recording verdicts."""

    verdicts: VerdictDeps
    feeds: FeedReader
    api_for: Callable[[Connection], SpApiClient]
    poll_seconds: int = 300
    # The connection's `inventory_feeds.<country>` status item (shared/inventory/status.py); None: not written.
    status: StatusesPort | None = None
    # The stock-out log and the repairs per feed (shared/inventory/watch.py); None: no early repair.
    watch: WatchDeps | None = None
    # The audit trail: the feed's answer is added to its record.
    audit: AuditRecorder = field(default_factory=NoAudit)


def check_feed(check: FeedCheck, deps: ResultDeps) -> str:
    """Looks at one feed (see the module doc); returns what happened, for the log."""
    verdicts = deps.verdicts
    stored = deps.feeds.get(check.feed_id)
    if stored is None:
        return "unknown feed"
    record, changes = stored
    if record.status != "SUBMITTED":
        return "already recorded"
    connection = verdicts.connections.get_connection(record.connection_id)
    if connection is None:
        deps.feeds.complete(record, "CANCELLED", verdicts.clock(), {})
        return "connection gone"
    # A pause holds what is sent, not the answers to feeds already sent: those are still recorded.
    settings = verdicts.connections.get_settings(connection.connection_id)
    if connection.status is not ConnectionStatus.ACTIVE or SYNC_TYPE not in settings.enabled_syncs:
        return _poll_again(check, deps, "connection not sending: checked later")
    api = deps.api_for(connection)
    feed = api.get_feed(check.feed_id)
    if feed.processing_status in ("IN_QUEUE", "IN_PROGRESS"):
        return _poll_again(check, deps, f"feed {feed.processing_status}")
    status: FeedStatus
    repaired: frozenset[tuple[str, str, int]] = frozenset()
    if feed.processing_status == "DONE" and feed.result_feed_document_id:
        repaired = _repair_first(record, changes, connection, api, deps)
        document = api.get_feed_document(feed.result_feed_document_id)
        report = parse_report(api.download_document(document))
        entries = [FeedEntry.model_construct(message_id=i, sku=c.sku, rev=c.rev) for i, c in enumerate(changes, 1)]
        by_message = outcomes(report, entries)
        found = [
            Outcome(
                marketplace_id=record.marketplace_id,
                change=change,
                status=by_message[i].status,
                channel="feed",
                code=by_message[i].code,
                message=by_message[i].message,
                transient=by_message[i].transient,
                feed_id=record.feed_id,
                submitted_at=record.submitted_at,
            )
            for i, change in enumerate(changes, start=1)
        ]
        status = "DONE"
    else:
        status = "CANCELLED" if feed.processing_status == "CANCELLED" else "FATAL"
        found = _failed(record, changes, f"feed {feed.processing_status}")
        verdicts.metrics.add_metric(INVENTORY_FEEDS_FAILED, MetricUnit.Count, 1)
    recorded = record_outcomes(record.connection_id, found, verdicts, repaired)
    _complete(record, status, recorded.counts(), deps, found)
    verdicts.logger.info(
        "feed result recorded", extra={"feed_id": record.feed_id, "status": status, **recorded.counts()}
    )
    return f"feed {status}"


def _repair_first(
    record: FeedRecord, changes: Sequence[Change], connection: Connection, api: SpApiClient, deps: ResultDeps
) -> frozenset[tuple[str, str, int]]:
    """The early repair of the stock-outs the done feed overwrote, recorded; returns what is repaired (see watch.py).
    Amazon failing here is logged, not raised: recording the result queues the forced repair as before."""
    if deps.watch is None:
        return frozenset()
    verdicts = deps.verdicts
    repair = repair_overwritten(
        record,
        changes,
        connection.selling_partner_id,
        api,
        deps.watch,
        verdicts.clock,
        verdicts.metrics,
    )
    if repair.patched.answered:
        record_outcomes(record.connection_id, repair.patched.answered, verdicts)
        accepted = sum(1 for o in repair.patched.answered if o.status == "ACCEPTED")
        verdicts.metrics.add_metric(INVENTORY_STOCK_OUT_REPAIRS, MetricUnit.Count, accepted)
        verdicts.logger.info(
            "overwritten stock-outs repaired before the feed result",
            extra={"feed_id": record.feed_id, "repairs": len(repair.patched.answered)},
        )
    if repair.patched.failure is not None:
        verdicts.logger.warning(
            "stock-out repair failed: left to the feed result's forced repair",
            extra={"feed_id": record.feed_id, "error": str(repair.patched.failure)},
        )
    return frozenset((record.marketplace_id, sku, rev) for sku, rev in repair.settled)


def _complete(
    record: FeedRecord, status: FeedStatus, counts: dict[str, int], deps: ResultDeps, found: Sequence[Outcome]
) -> None:
    """Marks the feed complete (once) and, the first time, writes its outcome to the connection's status item; the
    answer goes to the feed's audit record (idempotent: the same values again)."""
    now = deps.verdicts.clock()
    if deps.feeds.complete(record, status, now, counts) and deps.status is not None:
        record_feed_outcome(deps.status, record, status, counts, now)
    deps.audit.answer(
        AuditAnswer(
            connection_id=record.connection_id,
            kind=AuditKind.FEED,
            ref=record.feed_id,
            at=record.submitted_at,
            outcome=status,
            answered_at=now,
            counts=counts,
            results=not_accepted(found),
        )
    )


def _failed(record: FeedRecord, changes: Sequence[Change], reason: str) -> list[Outcome]:
    return [
        Outcome(
            record.marketplace_id,
            c,
            "REJECTED",
            "feed",
            "FEED_FAILED",
            reason,
            transient=True,
            feed_id=record.feed_id,
            submitted_at=record.submitted_at,
        )
        for c in changes
    ]


def _poll_again(check: FeedCheck, deps: ResultDeps, why: str) -> str:
    if check.polls + 1 >= MAX_POLLS:
        stored = deps.feeds.get(check.feed_id)
        if stored is not None:
            record, changes = stored
            failed = _failed(record, changes, "feed never finished")
            recorded = record_outcomes(record.connection_id, failed, deps.verdicts)
            _complete(record, "FATAL", recorded.counts(), deps, failed)
            deps.verdicts.metrics.add_metric(INVENTORY_FEEDS_FAILED, MetricUnit.Count, 1)
        return "given up: feed never finished"
    deps.verdicts.queues.send_feed_check(check.model_copy(update={"polls": check.polls + 1}), deps.poll_seconds)
    return why
