"""What the catalog import needs of the listings table beyond plain reads: stored listings by the batch, writes that
carry their event in an outbox, and the import's progress (mixed into ListingsRepository).

Why an outbox: a listing written and then announced in a second step loses its event when the function dies in
between (the retry finds the same content and writes nothing). So every write that a consumer must hear of is one
TransactWriteItems of two items in the pair's partition:
- the listing (an UpdateItem, or a Delete for a removal) conditioned on the content it was classified against (its
  stored `content_hash`, or no item at all), so two writers never both announce a change;
- an outbox item, sk `OUTBOX#<event_id>`: `entry` (the PutEvents entry as JSON, its detail carrying the stable
  event_id), `sku` and `created_at`.
The caller publishes the entry, then deletes the outbox item. A crash between leaves the item behind, and the next
catalog run publishes it again (`pending_events`: one Query of the `OUTBOX#` keys, never a scan of the listings) under
the same event_id, which consumers de-duplicate. An outbox item holds exactly one event, so clearing it is a plain
delete by its key (deleting it twice is harmless; nothing else is ever stored under that key).

Progress: sk `PROGRESS`: the report being applied (`report_id`), report entries done (`entries`), the entries
expected when known (`total`) and `updated_at`; written with one conditional UpdateItem that never moves the same
report's progress backwards. It is advisory (the CLI's progress bar): the STATE item stays the sync's truth.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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
_BATCH_WRITE = 25  # BatchWriteItem's limit
_WRITE_ATTEMPTS = 5


@dataclass(frozen=True)
class StoredListing:
    """A stored listing and the content hash its item carries (None for an item edited by hand without one)."""

    listing: Listing
    content_hash: str | None


@dataclass(frozen=True)
class OutboxEvent:
    """One event waiting in the outbox: its stable id, the PutEvents entry, the SKU and when it was stored."""

    event_id: str
    entry: dict[str, Any]
    sku: str
    created_at: datetime


@dataclass(frozen=True)
class ImportProgress:
    """How far the import of one report got (`total`: entries expected, when known)."""

    connection_id: str
    marketplace_id: str
    report_id: str
    entries: int
    total: int | None
    updated_at: datetime


def _outbox_item(connection_id: str, marketplace_id: str, event: OutboxEvent) -> dict[str, Any]:
    values: dict[str, Any] = {"pk": listings_pk(connection_id, marketplace_id)}
    values["sk"] = f"{OUTBOX_PREFIX}{event.event_id}"
    values |= {"entry": json.dumps(event.entry, ensure_ascii=False), "sku": event.sku, "created_at": event.created_at}
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
                found[listing.sku] = StoredListing(listing, stored_hash)
        return found

    def write_with_event(self, listing: Listing, expected: StoredListing | None, event: OutboxEvent) -> bool:
        """Stores the listing and its event's outbox item in one transaction, if the item is still `expected`;
        False (nothing written) when another writer changed it meanwhile."""
        values = listing_item(listing)
        expression, names, expression_values = update_expression(values, if_not_exists={"first_seen"})
        condition, condition_names, condition_values = _expected(expected)
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": listing_key(listing.connection_id, listing.marketplace_id, listing.sku),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names | condition_names,
            "ExpressionAttributeValues": to_item(expression_values | condition_values),
        }
        return self._transact({"Update": update}, listing.connection_id, listing.marketplace_id, event)

    def remove_with_event(self, expected: StoredListing, event: OutboxEvent) -> bool:
        """Deletes the listing and stores its removal's outbox item in one transaction, if the item is still
        `expected`; False when it changed or is gone."""
        listing = expected.listing
        condition, names, condition_values = _expected(expected)
        delete: dict[str, Any] = {
            "TableName": self._table,
            "Key": listing_key(listing.connection_id, listing.marketplace_id, listing.sku),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
        }
        if condition_values:
            delete["ExpressionAttributeValues"] = to_item(condition_values)
        return self._transact({"Delete": delete}, listing.connection_id, listing.marketplace_id, event)

    def _transact(self, write: dict[str, Any], connection_id: str, marketplace_id: str, event: OutboxEvent) -> bool:
        outbox = {"Put": {"TableName": self._table, "Item": _outbox_item(connection_id, marketplace_id, event)}}
        for _ in range(_WRITE_ATTEMPTS):
            try:
                self._client.transact_write_items(TransactItems=[write, outbox])  # type: ignore[list-item]
                return True
            except ClientError as exc:
                if error_code(exc) != "TransactionCanceledException":
                    raise
                reasons = [str(r.get("Code", "")) for r in exc.response.get("CancellationReasons", [])]
                if not reasons or "ConditionalCheckFailed" in reasons:
                    return False
                # TransactionConflict (another transaction on the same item in flight): try again.
        return False

    def pending_events(self, connection_id: str, marketplace_id: str) -> Iterator[OutboxEvent]:
        """The events of the pair still waiting in the outbox (a Query of the `OUTBOX#` keys), oldest id first."""
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
                yield OutboxEvent(
                    event_id=str(values["sk"]).removeprefix(OUTBOX_PREFIX),
                    entry=json.loads(str(values["entry"])),
                    sku=str(values.get("sku", "")),
                    created_at=datetime.fromisoformat(str(values["created_at"])),
                )

    def clear_events(self, connection_id: str, marketplace_id: str, event_ids: Sequence[str]) -> None:
        """Deletes these outbox items (their events were published)."""
        pk = listings_pk(connection_id, marketplace_id)
        unique = list(dict.fromkeys(event_ids))
        for start in range(0, len(unique), _BATCH_WRITE):
            requests: list[Any] = [
                {"DeleteRequest": {"Key": {"pk": {"S": pk}, "sk": {"S": f"{OUTBOX_PREFIX}{event_id}"}}}}
                for event_id in unique[start : start + _BATCH_WRITE]
            ]
            for _ in range(_WRITE_ATTEMPTS):
                answer = self._client.batch_write_item(RequestItems={self._table: requests})
                requests = list(answer.get("UnprocessedItems", {}).get(self._table, []))
                if not requests:
                    break
            # Items still unprocessed stay in the outbox: the next run publishes them again (same event_id).

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
            updated_at=datetime.fromisoformat(str(values["updated_at"])),
        )
