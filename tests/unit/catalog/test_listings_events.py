"""Listing events: the entries, their stable ids, `previous` holding only what changed, and the size limit."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.catalog.events import (
    MAX_DETAIL_BYTES,
    SCHEMA_VERSION,
    SOURCE,
    ListingEventType,
    detail,
    entry,
    event_id,
    put_entry,
    removed_entry,
)
from shared.models.listings import MAX_ISSUES, Listing, ListingStatus, issue
from shared.repositories.listings import Added, Changed, Unchanged

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
UK = "A1F83G8C2ARO7P"
BUS = "sellersync-bus"


def listing(at: datetime = T0, **fields: Any) -> Listing:
    values: dict[str, Any] = {
        "connection_id": "c1",
        "marketplace_id": UK,
        "sku": "Mug-Blue",
        "asin": "B000000001",
        "title": "Blue mug",
        "status": ListingStatus.BUYABLE,
        "quantity": 5,
        "price": Decimal("9.99"),
        "currency": "GBP",
        "first_seen": T0,
        "last_changed": at,
    }
    return Listing.model_validate(values | fields)


def test_an_added_listing_publishes_its_snake_case_json() -> None:
    sent = put_entry(Added(listing()), BUS)

    assert sent is not None
    assert (sent["Source"], sent["DetailType"], sent["EventBusName"]) == (SOURCE, "ListingAdded", BUS)
    body = json.loads(sent["Detail"])
    assert body["schema_version"] == SCHEMA_VERSION == 1
    assert (body["connection_id"], body["marketplace_id"], body["sku"]) == ("c1", UK, "Mug-Blue")
    assert body["listing"]["fulfillment_channel"] == "MERCHANT"
    assert body["listing"]["price"] == "9.99" and body["listing"]["first_seen"] == "2026-12-01T09:00:00Z"
    assert body["previous"] is None and body["issues_truncated"] is False


def test_a_change_carries_only_the_changed_fields_with_their_old_values() -> None:
    later = T0 + timedelta(hours=1)
    sent = put_entry(Changed(listing(later, quantity=0, status=ListingStatus.INACTIVE), listing()), BUS)

    assert sent is not None and sent["DetailType"] == "ListingChanged"
    body = json.loads(sent["Detail"])
    assert body["previous"] == {"quantity": 5, "status": "BUYABLE"}
    assert body["listing"]["quantity"] == 0


def test_unchanged_publishes_nothing() -> None:
    assert put_entry(Unchanged(listing()), BUS) is None


def test_the_same_listing_version_and_type_give_the_same_id() -> None:
    first = put_entry(Changed(listing(quantity=1), listing()), BUS)
    again = put_entry(Changed(listing(quantity=1), listing()), BUS)

    assert first == again
    assert event_id(ListingEventType.ADDED, listing(), T0) == event_id(ListingEventType.ADDED, listing(), T0)


def test_ids_differ_by_type_content_previous_time_and_listing() -> None:
    base = event_id(ListingEventType.CHANGED, listing(quantity=1), T0, listing())
    others = {
        event_id(ListingEventType.ADDED, listing(quantity=1), T0),
        event_id(ListingEventType.REMOVED, listing(quantity=1), T0),
        event_id(ListingEventType.CHANGED, listing(quantity=2), T0, listing()),
        event_id(ListingEventType.CHANGED, listing(quantity=1), T0, listing(quantity=3)),
        # the same content again later (it changed back and forth meanwhile): a new event, not a duplicate
        event_id(ListingEventType.CHANGED, listing(quantity=1), T0 + timedelta(hours=2), listing()),
        event_id(ListingEventType.CHANGED, listing(quantity=1, sku="mug-blue"), T0, listing(sku="mug-blue")),
        event_id(ListingEventType.CHANGED, listing(quantity=1, connection_id="c2"), T0, listing(connection_id="c2")),
    }

    assert base not in others and len(others) == 7
    assert base.startswith(f"c1:{UK}:ListingChanged:")


def test_a_removal_carries_the_last_stored_listing() -> None:
    body = json.loads(removed_entry(listing(), T0 + timedelta(days=1), BUS)["Detail"])

    assert body["listing"]["sku"] == "Mug-Blue" and body["previous"] is None
    assert body["event_id"] == event_id(ListingEventType.REMOVED, listing(), T0 + timedelta(days=1))


def test_an_event_over_the_limit_is_cut_to_fit_with_the_flag_set() -> None:
    # The most a listing holds, in 3-byte UTF-8 characters, on both sides of a change: over EventBridge's limit.
    def heavy(severity: str) -> list[Any]:
        return [issue(f"C{n}", severity, "℃" * 1000) for n in range(MAX_ISSUES)]  # type: ignore[arg-type]

    new, old = listing(issues=heavy("ERROR")), listing(issues=heavy("WARNING"))
    sent = entry(ListingEventType.CHANGED, new, T0, BUS, old)

    assert len(sent["Detail"].encode()) <= MAX_DETAIL_BYTES < 256 * 1024
    body = json.loads(sent["Detail"])
    assert body["issues_truncated"] is True
    assert 0 < len(body["listing"]["issues"]) < MAX_ISSUES
    assert 0 < len(body["previous"]["issues"]) < MAX_ISSUES
    assert body["listing"]["issues"][0]["code"] == "C0"  # the first (most severe) kept


def test_an_event_within_the_limit_keeps_every_issue() -> None:
    many = listing(issues=[issue(f"C{n}", "WARNING", "short") for n in range(MAX_ISSUES)])
    body = detail(ListingEventType.ADDED, many, T0)

    assert len(body["listing"]["issues"]) == MAX_ISSUES and body["issues_truncated"] is False


def test_the_limit_is_measured_in_utf8_bytes() -> None:
    with_issues = listing(issues=[issue("C", "WARNING", "é" * 400)])
    size = len(json.dumps(detail(ListingEventType.ADDED, with_issues, T0), ensure_ascii=False).encode())

    cut = detail(ListingEventType.ADDED, with_issues, T0, max_bytes=size - 1)
    kept = detail(ListingEventType.ADDED, with_issues, T0, max_bytes=size)

    assert cut["issues_truncated"] is True and cut["listing"]["issues"] == []
    assert kept["issues_truncated"] is False and len(kept["listing"]["issues"]) == 1
