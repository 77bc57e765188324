"""The feed lane: queued changes become JSON_LISTINGS_FEEDs, within Amazon's feed limits.

One invocation gets a large batch of change messages (the event source collects up to 10,000 messages or 6 MB over
a 20 s window). Per (connection, marketplace) group:
1. Keep one change per SKU (the highest revision), then only those still worth sending: the SKU's current
   revision, not yet accepted by Amazon (a newer revision queued meanwhile, or the fast lane, made the rest moot).
2. Split into feeds of at most 25,000 messages, in bucket order (a feed's results then touch few buckets).
3. Before each feed, peek at the connection's JSON_LISTINGS_FEED bucket (5 per 5 minutes per seller and region):
   when the next token is further away than WAIT_INLINE_SECONDS, the rest of the group goes back to the queue,
   delayed until the token (SQS allows 15 minutes). Nothing waits inside the function for minutes.
4. createFeedDocument, upload (the document is validated against Amazon's schema first), createFeed; the feed and
   its changes are recorded (feeds table), and a feed check is queued for `poll_seconds` later: the polling
   fallback when FEED_PROCESSING_FINISHED does not arrive.
A connection that is gone, not ACTIVE or without the `inventory` sync enabled drops its changes (its values stay
stored; the reconciliation sends them once it is back). A revoked or refused authorization defers the group.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import batched
from typing import Protocol

from aws_lambda_powertools import Logger

from shared.inventory.feed_document import InvalidFeedError, build_feed
from shared.inventory.input import ConnectionsReader, sends_inventory
from shared.inventory.model import Change, ChangeBatch
from shared.inventory.queues import ChangeQueues, FeedCheck
from shared.inventory.state import bucket_of, latest_per_sku, still_to_send
from shared.models.connection import Connection
from shared.repositories.feeds import FeedRecord
from shared.repositories.inventory import StoredBucket
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
from shared.sync.metrics import INVENTORY_FEEDS_SUBMITTED, MetricsSink, MetricUnit

MAX_FEED_MESSAGES = 25_000
FEED_BUCKET = "createFeed#JSON_LISTINGS_FEED"
# A token this close is waited for in the function (the client's limiter sleeps); a later one defers the group.
WAIT_INLINE_SECONDS = 15.0
# A group whose authorization failed comes back after this long (by then the authorization sync has marked the
# connection, and its changes are dropped until it is re-authorized).
AUTH_RETRY_SECONDS = 900
# Amazon failing (5xx, 429 after the client's retries): the group comes back after this long.
RETRY_SECONDS = 60


class BucketReader(Protocol):
    """InventoryRepository.get_buckets."""

    def get_buckets(self, connection_id: str, bucket_ids: Iterable[int]) -> dict[int, StoredBucket]:
        """The buckets."""
        ...


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


@dataclass
class FeedsReport:
    """What one batch became."""

    feeds: list[str] = field(default_factory=list)
    messages: int = 0
    skipped: int = 0
    deferred: int = 0
    dropped: int = 0
    dead_lettered: int = 0


@dataclass
class _Group:
    connection_id: str
    marketplace_id: str
    changes: list[Change] = field(default_factory=list)


def group_batches(batches: Iterable[ChangeBatch]) -> list[_Group]:
    """The batches' changes per (connection, marketplace)."""
    groups: dict[tuple[str, str], _Group] = {}
    for batch in batches:
        key = (batch.connection_id, batch.marketplace_id)
        group = groups.setdefault(key, _Group(*key))
        group.changes.extend(batch.changes)
    return list(groups.values())


def worth_sending(group: _Group, buckets: BucketReader) -> tuple[list[Change], int]:
    """The group's changes still worth sending, in bucket order, and how many were skipped."""
    latest = latest_per_sku(group.changes)
    stored = buckets.get_buckets(group.connection_id, {bucket_of(c.sku) for c in latest})
    keep = [
        c for c in latest if still_to_send(stored[bucket_of(c.sku)].bucket.skus.get(c.sku), group.marketplace_id, c)
    ]
    keep.sort(key=lambda c: (bucket_of(c.sku), c.sku))
    return keep, len(group.changes) - len(keep)


def submit_feeds(batches: Sequence[ChangeBatch], deps: FeedDeps) -> FeedsReport:
    """Builds and submits the feeds of a batch of change messages (see the module doc)."""
    report = FeedsReport()
    for group in group_batches(batches):
        deps.logger.append_keys(connection_id=group.connection_id, marketplace_id=group.marketplace_id)
        try:
            _submit_group(group, deps, report)
        finally:
            deps.logger.remove_keys(["connection_id", "marketplace_id"])
    return report


def _submit_group(group: _Group, deps: FeedDeps, report: FeedsReport) -> None:
    connection = deps.connections.get_connection(group.connection_id)
    if connection is None or not sends_inventory(connection, deps.connections.get_settings(group.connection_id)):
        report.dropped += len(group.changes)
        deps.logger.warning(
            "changes dropped: connection gone, not ACTIVE or inventory not enabled",
            extra={"changes": len(group.changes)},
        )
        return
    changes, skipped = worth_sending(group, deps.buckets)
    report.skipped += skipped
    if changes and deps.subscribe is not None:
        deps.subscribe(connection, deps.api_for(connection))
    chunks = [list(c) for c in batched(changes, MAX_FEED_MESSAGES, strict=False)]
    for index, chunk in enumerate(chunks):
        wait = deps.feed_token_wait(group.connection_id)
        if wait > WAIT_INLINE_SECONDS:
            _defer(group, [c for rest in chunks[index:] for c in rest], wait, deps, report)
            return
        try:
            feed_id = _submit(connection, group.marketplace_id, chunk, deps)
        except OutOfTimeError as exc:
            _defer(group, [c for rest in chunks[index:] for c in rest], exc.retry_after, deps, report)
            return
        except (UnauthorizedError, AuthorizationRevokedError) as exc:
            deps.logger.warning("authorization refused: changes deferred", extra={"error": str(exc)})
            _defer(group, [c for rest in chunks[index:] for c in rest], AUTH_RETRY_SECONDS, deps, report)
            return
        except RetryableError as exc:
            deps.logger.warning("feed submission failed, retried later", extra={"error": str(exc)})
            _defer(group, [c for rest in chunks[index:] for c in rest], RETRY_SECONDS, deps, report)
            return
        except (SpApiError, LwaError, InvalidFeedError) as exc:
            rest = [c for part in chunks[index:] for c in part]
            batch = ChangeBatch(
                connection_id=group.connection_id,
                marketplace_id=group.marketplace_id,
                changes=tuple(rest),
                queued_at=deps.clock(),
            )
            deps.dead_letter(batch, f"feed submission refused: {exc}")
            report.dead_lettered += len(rest)
            return
        report.feeds.append(feed_id)
        report.messages += len(chunk)


def _defer(group: _Group, changes: list[Change], wait: float, deps: FeedDeps, report: FeedsReport) -> None:
    deps.queues.send_changes(group.connection_id, group.marketplace_id, changes, deps.clock(), delay_seconds=wait)
    report.deferred += len(changes)
    deps.logger.info("changes deferred until the next feed token", extra={"changes": len(changes), "wait": wait})


def _submit(connection: Connection, marketplace_id: str, changes: list[Change], deps: FeedDeps) -> str:
    api = deps.api_for(connection)
    built = build_feed(connection.selling_partner_id, marketplace_id, changes)
    document = api.create_feed_document(built.content_type)
    api.upload_feed_document(document.url, built.content, built.content_type)
    request = CreateFeedRequest(
        feed_type=JSON_LISTINGS_FEED, marketplace_ids=[marketplace_id], input_feed_document_id=document.feed_document_id
    )
    feed_id = api.create_feed(request).feed_id
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
    deps.queues.send_feed_check(FeedCheck(connection_id=connection.connection_id, feed_id=feed_id), deps.poll_seconds)
    deps.metrics.add_metric(INVENTORY_FEEDS_SUBMITTED, MetricUnit.Count, 1)
    deps.logger.info("feed submitted", extra={"feed_id": feed_id, "messages": len(changes)})
    return feed_id
