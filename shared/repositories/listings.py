"""The listings table: every imported listing of a connection's marketplace, written only when its content changed.

Items (generic layout, infra/constructs/data.py):
- pk `LISTINGS#<connection_id>#<marketplace_id>`, sk `SKU#<sku>` (the SKU's exact characters): the Listing, one
  readable attribute per field (`issues` as a list of maps), and `content_hash` (Listing.content_hash()). A child of
  a variation family also carries gsi1pk `FAMILY#<connection_id>#<marketplace_id>#<parent_sku>`, gsi1sk `<sku>`, so
  a parent's children are one query of gsi1; other listings leave gsi1 unset (sparse).
- same pk, sk `STATE`: the CatalogSyncState of the pair (report and delta cursors, counts), written conditionally on
  its `version`.
- same pk, sk `OUTBOX#<time>#<digest>` (a batch's listing events not yet published) and `PROGRESS` (an import's
  progress): shared/repositories/listings_import.py, mixed in here. A listing item written with its event also
  carries that event's `event_id`.

`put_if_changed` is one UpdateItem conditioned on `attribute_not_exists(pk) OR content_hash <> :hash` (an item
without a hash, edited by hand, is rewritten too): re-importing the same data is refused by DynamoDB and writes
nothing (no read first, so two importers racing never both report a change). `first_seen` is set with
`if_not_exists`, so the stored one survives every change. `remove` is a conditional delete returning the old item,
so a deletion is reported once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shared.models.listings import CatalogSyncState, Listing, ListingStatus
from shared.repositories.errors import RepositoryError
from shared.repositories.items import batch_get, from_item, to_item, update_expression
from shared.repositories.listing_items import (
    CONDITION_FAILED,
    GSI1,
    ITEM_KEYS,
    SKU_PREFIX,
    STATE_SK,
    InvalidStoredListingError,
    error_code,
    family_pk,
    listing_from_item,
    listing_item,
    listing_key,
    listings_pk,
)
from shared.repositories.listings_import import ListingsImportMixin

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# BatchGetItem takes at most 100 keys.
BATCH_GET_KEYS = 100

__all__ = [
    "Added",
    "Changed",
    "ConcurrentCatalogStateError",
    "InvalidStoredListingError",
    "ListingsRepository",
    "PutResult",
    "Unchanged",
    "family_pk",
    "listing_from_item",
    "listing_item",
    "listings_pk",
]


class ConcurrentCatalogStateError(RepositoryError):
    """The catalog sync state changed since it was read (another sync run wrote it): read it again."""

    def __init__(self, connection_id: str, marketplace_id: str) -> None:
        super().__init__(f"catalog sync state of {connection_id!r} in {marketplace_id} changed concurrently")
        self.connection_id = connection_id
        self.marketplace_id = marketplace_id


@dataclass(frozen=True)
class Added:
    """The listing was not stored before; `listing` is what is stored now."""

    listing: Listing


@dataclass(frozen=True)
class Changed:
    """The stored listing differed; `previous` is what was stored before, `listing` what is stored now (with the
    stored first_seen)."""

    listing: Listing
    previous: Listing


@dataclass(frozen=True)
class Unchanged:
    """The same content was stored already: nothing was written. `stored` is the stored listing."""

    stored: Listing


PutResult = Added | Changed | Unchanged


class ListingsRepository(ListingsImportMixin):
    """Reads and idempotently writes listings and the catalog sync state (see the module doc)."""

    def __init__(self, table_name: str, dynamodb_client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = dynamodb_client

    def put_if_changed(self, listing: Listing) -> PutResult:
        """Stores the listing unless the same content is stored already: one conditional UpdateItem.

        Added when there was no item, Changed (with the previous listing) when the content differed, Unchanged when
        DynamoDB refused the write because the stored content hash is the same (nothing written).
        """
        values = listing_item(listing) | {"event_id": None}  # no outbox event announces this version
        expression, names, expression_values = update_expression(values, if_not_exists={"first_seen"})
        names["#pk"], names["#hash"] = "pk", "content_hash"
        expression_values[":hash"] = listing.content_hash()
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key=listing_key(listing.connection_id, listing.marketplace_id, listing.sku),
                UpdateExpression=expression,
                ConditionExpression="attribute_not_exists(#pk) OR attribute_not_exists(#hash) OR #hash <> :hash",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(expression_values),
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise
            old = exc.response.get("Item")
            return Unchanged(listing_from_item(old) if isinstance(old, dict) else listing)
        old_item = answer.get("Attributes")
        if not old_item:
            return Added(listing)
        previous = listing_from_item(old_item)
        return Changed(listing.model_copy(update={"first_seen": previous.first_seen}), previous)

    def remove(self, connection_id: str, marketplace_id: str, sku: str) -> Listing | None:
        """Deletes the listing; returns what was stored, or None when there was nothing (already removed)."""
        try:
            answer = self._client.delete_item(
                TableName=self._table,
                Key=listing_key(connection_id, marketplace_id, sku),
                ConditionExpression="attribute_exists(pk)",
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise
            return None
        old = answer.get("Attributes")
        return listing_from_item(old) if old else None

    def get(self, connection_id: str, marketplace_id: str, sku: str) -> Listing | None:
        """The stored listing of this exact SKU, or None."""
        item = self._client.get_item(
            TableName=self._table, Key=listing_key(connection_id, marketplace_id, sku), ConsistentRead=True
        ).get("Item")
        return listing_from_item(item) if item else None

    def get_many(self, connection_id: str, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Listing]:
        """The stored listings of these (marketplace id, SKU) pairs, absent ones left out: BatchGetItem of 100 keys
        (eventually consistent), unprocessed keys asked again with backoff (raises UnprocessedKeysError at the end)."""
        wanted = sorted(set(keys))
        found: dict[tuple[str, str], Listing] = {}
        for start in range(0, len(wanted), BATCH_GET_KEYS):
            chunk = [
                listing_key(connection_id, marketplace_id, sku)
                for marketplace_id, sku in wanted[start : start + BATCH_GET_KEYS]
            ]
            for item in batch_get(self._client, {self._table: {"Keys": chunk}}).get(self._table, []):
                listing = listing_from_item(item)
                found[(listing.marketplace_id, listing.sku)] = listing
        return found

    def list(
        self,
        connection_id: str,
        marketplace_id: str,
        *,
        status: ListingStatus | None = None,
        family: str | None = None,
        limit: int | None = None,
    ) -> Iterator[Listing]:
        """The marketplace's listings in SKU order, page by page (bounded memory); `family`: only the children of
        that parent SKU (gsi1); `status`: only listings in that status; `limit`: at most that many."""
        params: dict[str, Any] = {"TableName": self._table}
        if family is not None:
            params |= {
                "IndexName": GSI1,
                "KeyConditionExpression": "gsi1pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": family_pk(connection_id, marketplace_id, family)}},
            }
        else:
            params |= {
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
                "ExpressionAttributeValues": {
                    ":pk": {"S": listings_pk(connection_id, marketplace_id)},
                    ":prefix": {"S": SKU_PREFIX},
                },
            }
        if status is not None:
            params["FilterExpression"] = "#status = :status"
            params["ExpressionAttributeNames"] = {"#status": "status"}
            params["ExpressionAttributeValues"][":status"] = {"S": status.value}
        if limit is not None and limit <= 0:
            return
        returned = 0
        for page in self._client.get_paginator("query").paginate(**params):
            for item in page.get("Items", []):
                yield listing_from_item(item)
                returned += 1
                if limit is not None and returned >= limit:
                    return

    def skus(self, connection_id: str, marketplace_id: str) -> Iterator[str]:
        """Every stored SKU of the marketplace (keys only): what a complete report is compared with for deletions."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={
                ":pk": {"S": listings_pk(connection_id, marketplace_id)},
                ":prefix": {"S": SKU_PREFIX},
            },
            ProjectionExpression="sk",
        )
        for page in pages:
            for item in page.get("Items", []):
                yield item["sk"]["S"].removeprefix(SKU_PREFIX)

    def sync_state(self, connection_id: str, marketplace_id: str) -> CatalogSyncState:
        """The catalog sync state of the pair (version 0 and no cursors when never written)."""
        item = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": listings_pk(connection_id, marketplace_id)}, "sk": {"S": STATE_SK}},
            ConsistentRead=True,
        ).get("Item")
        if not item:
            return CatalogSyncState(connection_id=connection_id, marketplace_id=marketplace_id)
        values = {k: v for k, v in from_item(item).items() if k not in ITEM_KEYS}
        values["version"] = int(values.get("version", 0))
        values["counts"] = {str(k): int(v) for k, v in dict(values.get("counts", {})).items()}
        return CatalogSyncState.model_validate(values)

    def save_sync_state(self, state: CatalogSyncState) -> CatalogSyncState:
        """Writes the state over the version it was read at (`state.version`); returns it at its new version.

        Raises ConcurrentCatalogStateError when another writer moved the version meanwhile.
        """
        written = state.model_copy(update={"version": state.version + 1})
        values = written.model_dump(mode="python") | {"pk": listings_pk(state.connection_id, state.marketplace_id)}
        values["sk"] = STATE_SK
        condition = "attribute_not_exists(pk)" if state.version == 0 else "version = :expected"
        params: dict[str, Any] = {"TableName": self._table, "Item": to_item(values), "ConditionExpression": condition}
        if state.version:
            params["ExpressionAttributeValues"] = to_item({":expected": state.version})
        try:
            self._client.put_item(**params)
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise
            raise ConcurrentCatalogStateError(state.connection_id, state.marketplace_id) from None
        return written
