"""The feed lane's outcome per connection and marketplace as a status item (shared/inventory/status.py)."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.inventory.status import feeds_status_type, record_feed_outcome, record_submission_refused
from shared.repositories.feeds import FeedRecord

UK = "A1F83G8C2ARO7P"
AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Writer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def record_success(
        self,
        connection_id: str,
        sync_type: str,
        run_at: datetime,
        counts: Mapping[str, int],
        duration_ms: int,
        details: Mapping[str, str] | None = None,
    ) -> bool:
        self.calls.append(("ok", (connection_id, sync_type, run_at, dict(counts), duration_ms, dict(details or {}))))
        return True

    def record_failure(
        self, connection_id: str, sync_type: str, run_at: datetime, error: str, duration_ms: int | None = None
    ) -> bool:
        self.calls.append(("error", (connection_id, sync_type, run_at, error, duration_ms)))
        return True


FEED = FeedRecord("F1", "eu-1", UK, "SUBMITTED", AT, 25_000)


def test_a_done_feed_is_ok_with_its_counts_at_its_submission_time() -> None:
    writer = Writer()
    counts = {"accepted": 24_998, "rejected": 2, "retried": 0}
    record_feed_outcome(writer, FEED, "DONE", counts, AT + timedelta(seconds=95))
    assert writer.calls == [
        (
            "ok",
            (
                "eu-1",
                "inventory_feeds.UK",
                AT,
                {"messages": 25_000, **counts},
                95_000,
                {"feed_id": "F1", "completed_at": (AT + timedelta(seconds=95)).isoformat()},
            ),
        )
    ]


def test_a_failed_feed_or_a_refused_submission_is_an_error_with_the_reason() -> None:
    writer = Writer()
    record_feed_outcome(writer, FEED, "FATAL", {"accepted": 0, "rejected": 0, "retried": 25_000}, AT)
    record_submission_refused(writer, "eu-1", UK, AT, 12, "400 InvalidInput")
    assert writer.calls == [
        ("error", ("eu-1", "inventory_feeds.UK", AT, "feed F1 FATAL: 25000 of 25000 value(s) queued again", 0)),
        ("error", ("eu-1", "inventory_feeds.UK", AT, "12 change(s) sent to the changes DLQ: 400 InvalidInput", None)),
    ]


def test_the_status_type_names_the_marketplace_by_country() -> None:
    assert feeds_status_type("A1PA6795UKMFR9") == "inventory_feeds.DE"
    assert feeds_status_type("XNOTAMARKET") == "inventory_feeds.XNOTAMARKET"
