"""The feed lane's outcome per connection and marketplace as a status item (shared/inventory/status.py)."""

from datetime import UTC, datetime, timedelta

from shared.inventory.status import feeds_status_type, record_feed_outcome, record_submission_refused
from shared.repositories.feeds import FeedRecord
from tests.unit.sync.fakes import FakeStatuses

UK = "A1F83G8C2ARO7P"
AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


FEED = FeedRecord("F1", "eu-1", UK, "SUBMITTED", AT, 25_000)


def test_a_done_feed_is_ok_with_its_counts_at_its_submission_time() -> None:
    writer = FakeStatuses()
    counts = {"accepted": 24_998, "rejected": 2, "retried": 0}
    record_feed_outcome(writer, FEED, "DONE", counts, AT + timedelta(seconds=95))
    details = {"feed_id": "F1", "completed_at": (AT + timedelta(seconds=95)).isoformat()}
    assert writer.writes == [
        (
            "success",
            "eu-1",
            "inventory_feeds.UK",
            {"run_at": AT, "counts": {"messages": 25_000, **counts}, "duration_ms": 95_000, "details": details},
        )
    ]


def test_a_failed_feed_or_a_refused_submission_is_an_error_with_the_reason() -> None:
    writer = FakeStatuses()
    record_feed_outcome(writer, FEED, "FATAL", {"accepted": 0, "rejected": 0, "retried": 25_000}, AT)
    record_submission_refused(writer, "eu-1", UK, AT, 12, "400 InvalidInput")
    fatal = "feed F1 FATAL: 25000 of 25000 value(s) queued again"
    refused = "12 change(s) sent to the changes DLQ: 400 InvalidInput"
    assert writer.writes == [
        ("failure", "eu-1", "inventory_feeds.UK", {"run_at": AT, "error": fatal, "duration_ms": 0}),
        ("failure", "eu-1", "inventory_feeds.UK", {"run_at": AT, "error": refused, "duration_ms": None}),
    ]


def test_the_status_type_names_the_marketplace_by_country() -> None:
    assert feeds_status_type("A1PA6795UKMFR9") == "inventory_feeds.DE"
    assert feeds_status_type("XNOTAMARKET") == "inventory_feeds.XNOTAMARKET"
