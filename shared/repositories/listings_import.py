"""What the catalog import needs of the listings table beyond plain reads: stored listings by the batch, writes that
carry their event in an outbox, and the import's progress (mixed into ListingsRepository).

Why an outbox: a listing written and then announced in a second step loses its event when the function dies in
between (the retry finds the same content and writes nothing). So the events of a batch of writes are stored first,
as one outbox item in the pair's partition (sk `OUTBOX#<created_at>#<digest of the event ids>`: `events`, a JSON list
of {event_id, sku, entry: the PutEvents entry whose detail carries the stable event_id}, split into more items where
they would pass CHUNK_BYTES; `created_at`), then each listing is written (one UpdateItem, or a Delete for a removal)
conditioned on the content it was classified against (its stored `content_hash`, or no item at all), recording the
event's id on the item (`event_id`), so two writers never both announce a change. The caller publishes the batch's
events, then deletes the outbox item. A crash between leaves it behind, and the next catalog run finds it
(`pending_events`: one Query of the `OUTBOX#` keys, never a scan of the listings) and publishes the events whose
write stands (shared/catalog/outbox.py). No TransactWriteItems (the embedded AWS of the local stack copies the whole
table on every transaction) and no BatchWriteItem (no role may call it: infra/config.py): a PutItem and a DeleteItem
per batch of writes.

Progress: sk `PROGRESS`: the report being applied (`report_id`), report entries done (`entries`), the entries
expected when known (`total`) and `updated_at`; written with one conditional UpdateItem that never moves the same
report's progress backwards. It is advisory (the CLI's progress bar): the STATE item stays the sync's truth.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shared.models.listings import Listing
from shared.repositories.items import batch_get, from_item, to_item, update_expression
from shared.repositories.listing_items import (
    CONDITION_FAILED,
    error_code,
    listing_from_item,
    listing_item,
    listing_key,
    listings_pk,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

OUTBOX_PREFIX = "OUTBOX#"
PROGRESS_SK = "PROGRESS"
_BATCH_GET = 100  # BatchGetItem's limit
# An outbox item holds a batch's events up to this many bytes of entries (DynamoDB takes items up to 400 KB; one entry
# is at most about 200 KB, shared/catalog/events.py).
CHUNK_BYTES = 300_000
_WRITE_ATTEMPTS = 5


@dataclass(frozen=True)
class StoredListing:
    """A stored listing and the content hash its item carries (None for an item edited by hand without one)."""

    listing: Listing
    content_hash: str | None
    event_id: str | None = None


@dataclass(frozen=True)
class OutboxEvent:
    """One event waiting in the outbox: its stable id, the PutEvents entry, the SKU and when it was stored."""

    event_id: str
    entry: dict[str, Any]
    sku: str
    created_at: datetime
    chunk: str = ""  # the key (after OUTBOX#) of the outbox item holding it, once stored


@dataclass(frozen=True)
class ImportProgress:
    """How far the import of one report got (`total`: entries expected, when known)."""

    connection_id: str
    marketplace_id: str
    report_id: str
    entries: int
    total: int | None
    updated_at: datetime | None


def _chunks(events: Sequence[OutboxEvent]) -> list[list[OutboxEvent]]:
    """The events in order, grouped so that each group's entries stay within CHUNK_BYTES (one at least)."""
    groups: list[list[OutboxEvent]] = []
    size = 0
    for event in events:
        length = len(json.dumps(event.entry, ensure_ascii=False).encode())
        if not groups or size + length > CHUNK_BYTES:
            groups.append([])
            size = 0
        groups[-1].append(event)
        size += length
    return groups


def _chunk_key(events: Sequence[OutboxEvent]) -> str:
    digest = hashlib.sha256("\x1f".join(event.event_id for event in events).encode()).hexdigest()[:32]
    return f"{events[0].created_at.isoformat()}#{digest}"


def _outbox_item(connection_id: str, marketplace_id: str, chunk: str, events: Sequence[OutboxEvent]) -> dict[str, Any]:
    body = [{"event_id": e.event_id, "sku": e.sku, "entry": e.entry} for e in events]
    values: dict[str, Any] = {"pk": listings_pk(connection_id, marketplace_id), "sk": f"{OUTBOX_PREFIX}{chunk}"}
    values |= {"events": json.dumps(body, ensure_ascii=False), "created_at": events[0].created_at}
    return to_item(values)


def _progress_key(connection_id: str, marketplace_id: str) -> dict[str, Any]:
    return {"pk": {"S": listings_pk(connection_id, marketplace_id)}, "sk": {"S": PROGRESS_SK}}


def _expected(expected: StoredListing | None) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The condition that the item is still what the caller read (`expected`; None: no item)."""
    if expected is None:
        return "attribute_not_exists(#pk)", {"#pk": "pk"}, {}
    if expected.content_hash is None:
        return "attribute_exists(#pk) AND attribute_not_exists(#hash)", {"#pk": "pk", "#hash": "content_hash"}, {}
    return "#hash = :expected", {"#hash": "content_hash"}, {":expected": expected.content_hash}


class ListingsImportMixin:
    """Batch reads, outbox writes and progress of the listings table (see the module doc)."""

    _table: str
    _client: DynamoDBClient

    def get_many(self, connection_id: str, marketplace_id: str, skus: Sequence[str]) -> dict[str, StoredListing]:
        """The stored listings of these exact SKUs (absent ones left out): one BatchGetItem per 100."""
        unique = list(dict.fromkeys(skus))
        found: dict[str, StoredListing] = {}
        for start in range(0, len(unique), _BATCH_GET):
            keys = [listing_key(connection_id, marketplace_id, sku) for sku in unique[start : start + _BATCH_GET]]
            request = {self._table: {"Keys": keys, "ConsistentRead": True}}
            for item in batch_get(self._client, dict(request)).get(self._table, []):
                listing = listing_from_item(item)
                stored_hash = item.get("content_hash", {}).get("S")
                found[listing.sku] = StoredListing(listing, stored_hash, item.get("event_id", {}).get("S"))
        return found

    def put_events(self, connection_id: str, marketplace_id: str, events: Sequence[OutboxEvent]) -> list[OutboxEvent]:
        """Stores the events in the outbox (before the writes they announce): one PutItem per chunk of them (up to
        CHUNK_BYTES of entries); returns them with their chunk."""
        stored: list[OutboxEvent] = []
        for group in _chunks(events):
            chunk = _chunk_key(group)
            item = _outbox_item(connection_id, marketplace_id, chunk, group)
            self._client.put_item(TableName=self._table, Item=item)
            stored.extend(replace(event, chunk=chunk) for event in group)
        return stored

    def write_listing(self, listing: Listing, expected: StoredListing | None, event_id: str) -> bool:
        """Stores the listing with the id of the event announcing it, if the item is still `expected`; False (nothing
        written) when another writer changed it meanwhile."""
        values = listing_item(listing) | {"event_id": event_id}
        expression, names, expression_values = update_expression(values, if_not_exists={"first_seen"})
        condition, condition_names, condition_values = _expected(expected)
        try:
            self._client.update_item(
                TableName=self._table,
                Key=listing_key(listing.connection_id, listing.marketplace_id, listing.sku),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names | condition_names,
                ExpressionAttributeValues=to_item(expression_values | condition_values),
            )
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise
            return False
        return True

    def delete_listing(self, expected: StoredListing) -> bool:
        """Deletes the listing if the item is still `expected`; False when it changed or is gone."""
        listing = expected.listing
        condition, names, condition_values = _expected(expected)
        params: dict[str, Any] = {
            "TableName": self._table,
            "Key": listing_key(listing.connection_id, listing.marketplace_id, listing.sku),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
        }
        if condition_values:
            params["ExpressionAttributeValues"] = to_item(condition_values)
        try:
            self._client.delete_item(**params)
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise
            return False
        return True

    def pending_events(self, connection_id: str, marketplace_id: str) -> Iterator[OutboxEvent]:
        """The events of the pair still waiting in the outbox (a Query of the `OUTBOX#` keys), oldest chunk first."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={
                ":pk": {"S": listings_pk(connection_id, marketplace_id)},
                ":prefix": {"S": OUTBOX_PREFIX},
            },
            ConsistentRead=True,
        )
        for page in pages:
            for item in page.get("Items", []):
                values = from_item(item)
                chunk = str(values["sk"]).removeprefix(OUTBOX_PREFIX)
                created_at = datetime.fromisoformat(str(values["created_at"]))
                for event in json.loads(str(values.get("events", "[]"))):
                    yield OutboxEvent(event["event_id"], event["entry"], event["sku"], created_at, chunk)

    def clear_events(self, connection_id: str, marketplace_id: str, chunks: Sequence[str]) -> None:
        """Deletes these outbox items (their events were published, or their writes never happened): one DeleteItem
        each (deleting one already gone is harmless)."""
        pk = listings_pk(connection_id, marketplace_id)
        for chunk in dict.fromkeys(chunks):
            key = {"pk": {"S": pk}, "sk": {"S": f"{OUTBOX_PREFIX}{chunk}"}}
            self._client.delete_item(TableName=self._table, Key=key)

    def save_progress(self, progress: ImportProgress) -> bool:
        """Records how far the import of a report got; False when the same report's stored progress is further."""
        values: dict[str, Any] = {"report_id": progress.report_id, "entries": progress.entries}
        values |= {"total": progress.total, "updated_at": progress.updated_at}
        expression, names, expression_values = update_expression(values)
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_progress_key(progress.connection_id, progress.marketplace_id),
                UpdateExpression=expression,
                ConditionExpression="attribute_not_exists(#e) OR #r <> :report OR #e <= :entries",
                ExpressionAttributeNames=names | {"#e": "entries", "#r": "report_id"},
                ExpressionAttributeValues=to_item(
                    expression_values | {":report": progress.report_id, ":entries": progress.entries}
                ),
            )
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise
            return False
        return True

    def import_progress(self, connection_id: str, marketplace_id: str) -> ImportProgress | None:
        """The last progress recorded for the pair, or None."""
        item = self._client.get_item(
            TableName=self._table,
            Key=_progress_key(connection_id, marketplace_id),
            ConsistentRead=True,
        ).get("Item")
        if not item:
            return None
        values = from_item(item)
        total = values.get("total")
        return ImportProgress(
            connection_id=connection_id,
            marketplace_id=marketplace_id,
            report_id=str(values.get("report_id", "")),
            entries=int(values.get("entries", 0)),
            total=int(total) if total is not None else None,
            updated_at=datetime.fromisoformat(str(values["updated_at"])) if values.get("updated_at") else None,
        )
