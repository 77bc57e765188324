"""The feed lane's latest outcome per connection and marketplace, where an admin looks: a status item.

When a feed's result is recorded, the connection's status item `inventory_feeds.<country>` (e.g.
`inventory_feeds.UK`) in the connections table (shared/repositories/sync_status.py: pk `CONN#<id>`, sk
`SYNC#inventory_feeds.UK`) gets the outcome, beside the sync types' items: `sellersync status` and the DynamoDB
console show it per connection.
- DONE: state OK, `counts` (messages, accepted, rejected, retried: rejected SKUs are Amazon's per-SKU answers, also
  published as InventoryRejected events), `details` (feed id, completed at), `duration_ms` (submission to result).
- FATAL, CANCELLED or never finished: state ERROR with the reason; the last success's counts stay.
- A submission Amazon refuses (the changes go to the changes DLQ): state ERROR with Amazon's answer.
`last_run_at` is the feed's submission time, and the write is conditional on it (the repository's rule): a feed
whose result arrives after a newer feed's never overwrites the newer outcome.
"""

from collections.abc import Mapping
from datetime import datetime

from shared.repositories.feeds import FeedRecord, FeedStatus
from shared.spapi.marketplaces import UnknownMarketplaceError, marketplace_by_id
from shared.sync.dependencies import StatusesPort

FEEDS_STATUS = "inventory_feeds"


def feeds_status_type(marketplace_id: str) -> str:
    """`inventory_feeds.UK`: the status item's name for a marketplace (its id when the marketplace is unknown)."""
    try:
        return f"{FEEDS_STATUS}.{marketplace_by_id(marketplace_id).country_code}"
    except UnknownMarketplaceError:
        return f"{FEEDS_STATUS}.{marketplace_id}"


def record_feed_outcome(
    writer: StatusesPort, record: FeedRecord, status: FeedStatus, counts: Mapping[str, int], completed_at: datetime
) -> bool:
    """Writes a recorded feed's outcome to the connection's status item (see the module doc)."""
    sync_type = feeds_status_type(record.marketplace_id)
    duration_ms = max(0, int((completed_at - record.submitted_at).total_seconds() * 1000))
    if status == "DONE":
        return writer.record_success(
            record.connection_id,
            sync_type,
            record.submitted_at,
            {"messages": record.message_count, **counts},
            duration_ms,
            {"feed_id": record.feed_id, "completed_at": completed_at.isoformat()},
        )
    retried = counts.get("retried", 0)
    error = f"feed {record.feed_id} {status}: {retried} of {record.message_count} value(s) queued again"
    return writer.record_failure(record.connection_id, sync_type, record.submitted_at, error, duration_ms)


def record_submission_refused(
    writer: StatusesPort, connection_id: str, marketplace_id: str, at: datetime, changes: int, reason: str
) -> bool:
    """A feed Amazon refused to take: its changes went to the changes DLQ."""
    error = f"{changes} change(s) sent to the changes DLQ: {reason}"
    return writer.record_failure(connection_id, feeds_status_type(marketplace_id), at, error)
