"""The feed lane: queued changes become JSON_LISTINGS_FEEDs, within Amazon's feed limits.

One invocation gets a large batch of change messages (the event source collects up to 10,000 messages or 6 MB over
a 20 s window). Per (connection, marketplace) group, in bucket order (a feed's results then touch few buckets):
1. Keep one change per SKU (the highest revision).
2. Before each feed, peek at the connection's JSON_LISTINGS_FEED bucket (5 per 5 minutes per seller and region):
   when the next token is further away than WAIT_INLINE_SECONDS, the rest of the group goes back to the queue,
   unread, delayed until PREPARE_AHEAD_SECONDS before the token (SQS allows 15 minutes): the next feed is read and
   built meanwhile, and createFeed goes out on the token. Nothing waits inside the function for minutes.
3. The next feed's changes are those still worth sending (the SKU's current revision, not yet accepted by Amazon; a
   newer revision queued meanwhile, or the fast lane, made the rest moot), read bucket by bucket until the feed holds
   MAX_FEED_MESSAGES: only the buckets of the feed about to go out are read, so deferred changes are read once.
4. The document is built (and validated against Amazon's schema); one over MAX_FEED_BYTES (Amazon: keep feeds under
   10 MB; prices make a 25,000-message feed ~13 MB) is cut into as many equal parts as its size asks for.
5. createFeedDocument, upload, createFeed; the feed and its changes are recorded (feeds table; the audit trail), and
   a feed check is queued for `poll_seconds` later: the polling fallback when FEED_PROCESSING_FINISHED does not come.
A connection that is gone, not ACTIVE or without the `inventory` sync enabled drops its changes (its values stay
stored; the reconciliation sends them once it is back). A revoked or refused authorization defers the group.

Each group is isolated: a connection whose stored connection or settings no longer validate has its changes
dead-lettered with the reason; an unexpected error fails only the group's messages (retried; on their last receive
dead-lettered with the reason) when none of its feeds went out yet, else the changes not yet submitted are queued
again: a feed that went out is never submitted twice because a later part failed. Which changes a feed holds and how
its document is cut (steps 1, 3 and 4) is feed_contents.py; this module waits for tokens, submits and defers.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from aws_lambda_powertools import Logger

from shared.inventory.answers import latest_per_sku
from shared.inventory.audit_records import feed_sent
from shared.inventory.feed_contents import BucketReader, FeedGroup, group_batches, next_feed_changes, split_documents
from shared.inventory.feed_document import BuiltFeed, InvalidFeedError
from shared.inventory.input import ConnectionsReader, sends_inventory
from shared.inventory.queues import ChangeQueues, FeedCheck
from shared.inventory.state import bucket_of
from shared.inventory.status import record_submission_refused
from shared.models.audit import AuditRecorder, NoAudit
from shared.models.connection import Connection
from shared.models.inventory import Change, ChangeBatch
from shared.repositories.errors import InvalidStoredItemError
from shared.repositories.feeds import FeedRecord
from shared.spapi.client import SpApiClient
from shared.spapi.errors import (
    AuthorizationRevokedError,
    LwaError,
    OutOfTimeError,
    RetryableError,
    SpApiError,
    UnauthorizedError,
)
from shared.spapi.models.feeds import CreateFeedRequest
from shared.spapi.operations import JSON_LISTINGS_FEED
from shared.sync.dependencies import StatusesPort
from shared.sync.metrics import INVENTORY_FEEDS_SUBMITTED, MetricsSink, MetricUnit
from shared.sync.queue import MAX_RECEIVE_COUNT

FEED_BUCKET = "createFeed#JSON_LISTINGS_FEED"
# A token this close is waited for in the function (the next feed is read and built meanwhile, seconds for 25,000
# messages); a later one defers the group.
WAIT_INLINE_SECONDS = 25.0
# Waits for a feed token go this much past the refill: Amazon's bucket counts from when our previous request reached
# it, a little after our own count started, and a createFeed sent on the exact refill can be answered 429.
TOKEN_MARGIN_SECONDS = 1.0
# Deferred changes come back this long before their token, so reading and building the feed (seconds for 25,000
# messages) does not delay its submission; less than WAIT_INLINE_SECONDS, so the rest is waited for inline.
PREPARE_AHEAD_SECONDS = 10.0
# A group whose authorization failed comes back after this long (by then the authorization sync has marked the
# connection, and its changes are dropped until it is re-authorized).
AUTH_RETRY_SECONDS = 900
# Amazon failing (5xx, 429 after the client's retries): the group comes back after this long.
RETRY_SECONDS = 60


class FeedStore(Protocol):
    """FeedsRepository.put_submitted."""

    def put_submitted(self, record: FeedRecord, changes: Sequence[Change]) -> None:
        """Records a submitted feed."""
        ...


@dataclass(frozen=True)
class FeedDeps:
    """What building and submitting feeds needs."""

    connections: ConnectionsReader
    buckets: BucketReader
    feeds: FeedStore
    queues: ChangeQueues
    api_for: Callable[[Connection], SpApiClient]
    # Seconds until the connection's next JSON_LISTINGS_FEED token (RateLimiter.wait_seconds).
    feed_token_wait: Callable[[str], float]
    metrics: MetricsSink
    logger: Logger
    clock: Callable[[], datetime]
    # Puts changes that can never be submitted on the changes DLQ, with the reason.
    dead_letter: Callable[[ChangeBatch, str], None]
    poll_seconds: int = 300
    # Keeps the connection subscribed to FEED_PROCESSING_FINISHED (one read once recorded); None: polling only.
    subscribe: Callable[[Connection, SpApiClient], str] | None = None
    # The connection's `inventory_feeds.<country>` status item (shared/inventory/status.py); None: not written.
    status: StatusesPort | None = None
    sleep: Callable[[float], None] = time.sleep
    # The audit trail: each submitted feed with its messages and createFeed's request id.
    audit: AuditRecorder = field(default_factory=NoAudit)


@dataclass
class FeedsReport:
    """What one batch became."""

    feeds: list[str] = field(default_factory=list)
    messages: int = 0
    skipped: int = 0
    deferred: int = 0
    dropped: int = 0
    dead_lettered: int = 0
    # Messages to hand back to the queue (a group that failed before any of its feeds went out).
    failed_messages: list[str] = field(default_factory=list)


def submit_feeds(
    batches: Sequence[ChangeBatch], deps: FeedDeps, messages: Sequence[tuple[str, int]] | None = None
) -> FeedsReport:
    """Builds and submits the feeds of a batch of change messages (see the module doc); `messages` gives each
    batch's (message id, receive count), for the report to name the messages to retry."""
    report = FeedsReport()
    for group in group_batches(batches, messages):
        deps.logger.append_keys(connection_id=group.connection_id, marketplace_id=group.marketplace_id)
        try:
            _submit_group(group, deps, report)
        except InvalidStoredItemError as exc:
            _dead_letter(group, group.changes, f"connection cannot submit feeds: {exc}", deps, report)
        except Exception as exc:  # isolated per group: the others go on
            _group_failed(group, f"feed lane failed: {exc!r}", deps, report)
        finally:
            deps.logger.remove_keys(["connection_id", "marketplace_id"])
    return report


def _group_failed(group: FeedGroup, reason: str, deps: FeedDeps, report: FeedsReport) -> None:
    """An unexpected error: the changes not yet submitted are retried, never a feed that went out."""
    deps.logger.exception("feed lane group failed", extra={"reason": reason, "submitted_skus": len(group.submitted)})
    left = [c for c in latest_per_sku(group.changes) if c.sku not in group.submitted]
    if group.submitted:
        _defer(group, left, RETRY_SECONDS, deps, report)
    elif group.messages and all(count < MAX_RECEIVE_COUNT for _, count in group.messages):
        report.failed_messages.extend(message_id for message_id, _ in group.messages)
    else:
        _dead_letter(group, left, reason, deps, report)


def _dead_letter(group: FeedGroup, changes: Sequence[Change], reason: str, deps: FeedDeps, report: FeedsReport) -> None:
    if not changes:
        return
    batch = ChangeBatch(
        connection_id=group.connection_id,
        marketplace_id=group.marketplace_id,
        changes=tuple(changes),
        queued_at=deps.clock(),
    )
    deps.dead_letter(batch, reason)
    report.dead_lettered += len(changes)
    deps.logger.error("changes dead-lettered", extra={"reason": reason, "changes": len(changes)})


def _submit_group(group: FeedGroup, deps: FeedDeps, report: FeedsReport) -> None:
    connection = deps.connections.get_connection(group.connection_id)
    if connection is None or not sends_inventory(connection, deps.connections.get_settings(group.connection_id)):
        report.dropped += len(group.changes)
        deps.logger.warning(
            "changes dropped: connection gone, not ACTIVE or inventory not enabled",
            extra={"changes": len(group.changes)},
        )
        return
    changes = sorted(latest_per_sku(group.changes), key=lambda c: (bucket_of(c.sku), c.sku))
    report.skipped += len(group.changes) - len(changes)
    subscribed = False
    position = 0
    while position < len(changes):
        wait = deps.feed_token_wait(group.connection_id)
        if wait > WAIT_INLINE_SECONDS:
            _defer(group, changes[position:], wait - PREPARE_AHEAD_SECONDS, deps, report)
            return
        chosen, looked = next_feed_changes(group, changes[position:], deps.buckets)
        report.skipped += looked - len(chosen)
        if not chosen:
            position += looked
            continue
        if not subscribed and deps.subscribe is not None:
            deps.subscribe(connection, deps.api_for(connection))
            subscribed = True
        if not _submit_chunk(connection, group, chosen, changes[position + looked :], deps, report):
            return
        position += looked


def _submit_chunk(
    connection: Connection,
    group: FeedGroup,
    chunk: list[Change],
    rest: Sequence[Change],
    deps: FeedDeps,
    report: FeedsReport,
) -> bool:
    """Submits a chunk's feeds (more than one when a document would be too large); False when the group stops
    here (what is left was deferred or dead-lettered)."""
    done = 0
    try:
        for part, built in split_documents(connection.selling_partner_id, group.marketplace_id, chunk):
            wait = deps.feed_token_wait(group.connection_id)
            if wait > WAIT_INLINE_SECONDS:
                _defer(group, [*chunk[done:], *rest], wait - PREPARE_AHEAD_SECONDS, deps, report)
                return False
            if wait > 0:
                deps.sleep(wait + TOKEN_MARGIN_SECONDS)
            feed_id = _submit(connection, group.marketplace_id, part, built, deps, group.submitted)
            done += len(part)
            report.feeds.append(feed_id)
            report.messages += len(part)
    except OutOfTimeError as exc:
        _defer(group, [*chunk[done:], *rest], exc.retry_after, deps, report)
        return False
    except (UnauthorizedError, AuthorizationRevokedError) as exc:
        deps.logger.warning("authorization refused: changes deferred", extra={"error": str(exc)})
        _defer(group, [*chunk[done:], *rest], AUTH_RETRY_SECONDS, deps, report)
        return False
    except RetryableError as exc:
        deps.logger.warning("feed submission failed, retried later", extra={"error": str(exc)})
        _defer(group, [*chunk[done:], *rest], RETRY_SECONDS, deps, report)
        return False
    except (SpApiError, LwaError, InvalidFeedError) as exc:
        # Only what did not go out: the feeds submitted before this one stay submitted, once.
        left = [*chunk[done:], *rest]
        reason = f"feed submission refused: {exc}"
        _dead_letter(group, left, reason, deps, report)
        if deps.status is not None:
            record_submission_refused(
                deps.status, group.connection_id, group.marketplace_id, deps.clock(), len(left), reason
            )
        return False
    return True


def _defer(group: FeedGroup, changes: Sequence[Change], wait: float, deps: FeedDeps, report: FeedsReport) -> None:
    deps.queues.send_changes(group.connection_id, group.marketplace_id, changes, deps.clock(), delay_seconds=wait)
    report.deferred += len(changes)
    deps.logger.info("changes deferred until the next feed token", extra={"changes": len(changes), "wait": wait})


def _submit(
    connection: Connection,
    marketplace_id: str,
    changes: list[Change],
    built: BuiltFeed,
    deps: FeedDeps,
    submitted: set[str],
) -> str:
    """Uploads and creates one feed; `submitted` learns its SKUs as soon as createFeed answered."""
    api = deps.api_for(connection)
    document = api.create_feed_document(built.content_type)
    api.upload_feed_document(document.url, built.content, built.content_type)
    request = CreateFeedRequest(
        feed_type=JSON_LISTINGS_FEED, marketplace_ids=[marketplace_id], input_feed_document_id=document.feed_document_id
    )
    feed_id = api.create_feed(request).feed_id
    submitted.update(c.sku for c in changes)
    now = deps.clock()
    record = FeedRecord(
        feed_id=feed_id,
        connection_id=connection.connection_id,
        marketplace_id=marketplace_id,
        status="SUBMITTED",
        submitted_at=now,
        message_count=len(changes),
    )
    deps.feeds.put_submitted(record, changes)
    deps.audit.record(feed_sent(record, changes, getattr(api, "last_request_id", None)))
    deps.queues.send_feed_check(FeedCheck(connection_id=connection.connection_id, feed_id=feed_id), deps.poll_seconds)
    deps.metrics.add_metric(INVENTORY_FEEDS_SUBMITTED, MetricUnit.Count, 1)
    deps.logger.info("feed submitted", extra={"feed_id": feed_id, "messages": len(changes)})
    return feed_id
