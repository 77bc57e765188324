"""Listing events on the stack's bus, versioned like the order events.

Source `sellersync.catalog`; detail types `ListingAdded` (a SKU we did not have), `ListingChanged` (something a
consumer sees changed: a re-import of the same data publishes nothing, since the repository refuses the write) and
`ListingRemoved` (a SKU missing from a complete report, or deleted at Amazon).

Detail (schema version 1): `schema_version`, `event_id`, `connection_id`, `marketplace_id`, `sku`, `listing` (the
Listing as snake_case JSON; for a removal, the last stored one), `previous` (ListingChanged only: the fields that
changed, with their old values; else null) and `issues_truncated`.

`event_id` is stable: the same listing content, previous content, type and version time (the listing's
last_changed, or the removal time) always give the same id, so consumers can de-duplicate a re-publication, while a
listing that changes back and forth still gets a new id each time. EventBridge takes entries up to 256 KB: a listing's
issues are bounded when stored (shared/models/listings.py), and halved here until the detail fits MAX_DETAIL_BYTES,
with `issues_truncated` set (the stored listing keeps them all).
"""

import hashlib
import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.models.listings import Listing
from shared.repositories.listings import Added, Changed, PutResult

SOURCE = "sellersync.catalog"
SCHEMA_VERSION = 1
MAX_DETAIL_BYTES = 200_000


class ListingEventType(StrEnum):
    """The detail types of listing events."""

    ADDED = "ListingAdded"
    CHANGED = "ListingChanged"
    REMOVED = "ListingRemoved"


def event_id(event_type: ListingEventType, listing: Listing, at: datetime, previous: Listing | None = None) -> str:
    """Stable id of one event of one listing version (`at`: when that version was stored, or the removal time)."""
    parts = (
        listing.connection_id,
        listing.marketplace_id,
        listing.sku,
        event_type.value,
        listing.content_hash(),
        previous.content_hash() if previous is not None else "",
        at.isoformat(),
    )
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"{listing.connection_id}:{listing.marketplace_id}:{event_type.value}:{digest}"


def _size(body: dict[str, Any]) -> int:
    return len(json.dumps(body, ensure_ascii=False).encode())


def detail(
    event_type: ListingEventType,
    listing: Listing,
    at: datetime,
    previous: Listing | None = None,
    *,
    max_bytes: int = MAX_DETAIL_BYTES,
) -> dict[str, Any]:
    """The event's detail (schema version 1), issues cut to keep it within `max_bytes` of UTF-8 JSON."""
    body: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "event_id": event_id(event_type, listing, at, previous),
        "connection_id": listing.connection_id,
        "marketplace_id": listing.marketplace_id,
        "sku": listing.sku,
        "listing": listing.model_dump(mode="json"),
        "previous": listing.changed_fields(previous) if previous is not None else None,
        "issues_truncated": False,
    }
    parts = [body["listing"]] + ([body["previous"]] if body["previous"] and "issues" in body["previous"] else [])
    while _size(body) > max_bytes and any(part["issues"] for part in parts):
        for part in parts:
            part["issues"] = part["issues"][: len(part["issues"]) // 2]
        body["issues_truncated"] = True
    return body


def entry(
    event_type: ListingEventType, listing: Listing, at: datetime, bus_name: str, previous: Listing | None = None
) -> dict[str, Any]:
    """A PutEvents entry for one listing event."""
    return {
        "Source": SOURCE,
        "DetailType": event_type.value,
        "Detail": json.dumps(detail(event_type, listing, at, previous), ensure_ascii=False),
        "EventBusName": bus_name,
    }


def put_entry(result: PutResult, bus_name: str) -> dict[str, Any] | None:
    """The entry a `ListingsRepository.put_if_changed` outcome publishes (None for Unchanged: nothing to say)."""
    if isinstance(result, Added):
        return entry(ListingEventType.ADDED, result.listing, result.listing.last_changed, bus_name)
    if isinstance(result, Changed):
        return entry(ListingEventType.CHANGED, result.listing, result.listing.last_changed, bus_name, result.previous)
    return None


def removed_entry(listing: Listing, removed_at: datetime, bus_name: str) -> dict[str, Any]:
    """The entry of a removal (`listing`: what `ListingsRepository.remove` returned)."""
    return entry(ListingEventType.REMOVED, listing, removed_at, bus_name)


def entry_event_id(put_events_entry: dict[str, Any]) -> str:
    """The stable event_id inside a PutEvents entry's detail."""
    return str(json.loads(put_events_entry["Detail"])["event_id"])
