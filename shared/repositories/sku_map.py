"""The SKU map's items in the listings table, and the cached reader the hot paths use (docs/catalog.md "SKU mapping").

Items (the listings table's generic layout, beside the listings, distinct pk prefix):
- pk `SKUMAP#<connection_id>`, sk `SKU#<amazon_sku>`: `merchant_sku`, `updated_at`; gsi1pk
  `SKUMAP#<connection_id>#<merchant_sku>`, gsi1sk `<amazon_sku>`: the Amazon SKUs one merchant SKU feeds are one
  gsi1 Query. No item: the identity default; a SKU mapped to itself is an item too (an explicit identity, which
  keeps its own name fed when other SKUs are mapped to it: shared/models/sku_map.py).

Writes are conditional, never read-then-write: `put` is one UpdateItem refused when the same merchant SKU is stored
already (nothing written, reported unchanged), `remove` one conditional delete returning the old item.

Reads on the hot paths (inventory input, order events, shipments): a connection's whole map is one paged Query of
its partition (about 190 bytes an item as stored, which is what the 1 MB page limit and the read units count: some
5,000 mappings a page), kept per container for `ttl_seconds` by `CachedSkuMaps`. A GetItem per SKU would cost one
call per record (a 10-message batch of 500-record CLI messages: 5,000 calls), and the merchant -> Amazon direction
cannot be a BatchGetItem at all (it is a gsi1 Query per merchant SKU): docs/catalog.md has the figures.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from shared.models.sku_map import SkuMap, SkuMapping
from shared.repositories.items import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

GSI1 = "gsi1"
SKU_PREFIX = "SKU#"
_CONDITION_FAILED = "ConditionalCheckFailedException"
# How long a container trusts the map it read: a new mapping reaches every warm function within this.
DEFAULT_TTL_SECONDS = 60.0


def sku_map_pk(connection_id: str) -> str:
    """The partition of a connection's SKU map."""
    return f"SKUMAP#{connection_id}"


def merchant_pk(connection_id: str, merchant_sku: str) -> str:
    """The gsi1 partition of the Amazon SKUs one merchant SKU feeds."""
    return f"SKUMAP#{connection_id}#{merchant_sku}"


def _key(connection_id: str, amazon_sku: str) -> dict[str, Any]:
    return {"pk": {"S": sku_map_pk(connection_id)}, "sk": {"S": f"{SKU_PREFIX}{amazon_sku}"}}


def _condition_failed(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code", "")) == _CONDITION_FAILED


@dataclass(frozen=True)
class MapWrite:
    """What a write did: `previous` is the merchant SKU stored before (None: none, the identity), `written` whether
    the table changed."""

    previous: str | None
    written: bool


def _mapping(connection_id: str, item: dict[str, Any]) -> SkuMapping:
    values = from_item(item)
    return SkuMapping(
        connection_id=connection_id,
        amazon_sku=str(values["sk"]).removeprefix(SKU_PREFIX),
        merchant_sku=values["merchant_sku"],
        updated_at=values.get("updated_at"),
    )


class SkuMapRepository:
    """Reads and conditionally writes a connection's SKU mappings (see the module doc)."""

    def __init__(self, table_name: str, dynamodb_client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = dynamodb_client

    def put(self, connection_id: str, amazon_sku: str, merchant_sku: str, now: datetime) -> MapWrite:
        """Maps the Amazon SKU to the merchant SKU (to itself: an explicit identity). One conditional write."""
        values = {
            ":m": merchant_sku,
            ":g": merchant_pk(connection_id, merchant_sku),
            ":a": amazon_sku,
            ":t": now.isoformat(),
        }
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key=_key(connection_id, amazon_sku),
                UpdateExpression="SET merchant_sku = :m, gsi1pk = :g, gsi1sk = :a, updated_at = :t",
                ConditionExpression="attribute_not_exists(pk) OR merchant_sku <> :m",
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise
            return MapWrite(merchant_sku, written=False)
        old = answer.get("Attributes") or {}
        return MapWrite(old["merchant_sku"]["S"] if "merchant_sku" in old else None, written=True)

    def remove(self, connection_id: str, amazon_sku: str) -> str | None:
        """Deletes the mapping (the Amazon SKU answers to its own name again); the merchant SKU it had, or None."""
        try:
            answer = self._client.delete_item(
                TableName=self._table,
                Key=_key(connection_id, amazon_sku),
                ConditionExpression="attribute_exists(pk)",
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise
            return None
        old = answer.get("Attributes") or {}
        return old["merchant_sku"]["S"] if "merchant_sku" in old else None

    def get(self, connection_id: str, amazon_sku: str) -> SkuMapping | None:
        """The stored mapping of this Amazon SKU, or None (identity)."""
        item = self._client.get_item(TableName=self._table, Key=_key(connection_id, amazon_sku)).get("Item")
        return _mapping(connection_id, item) if item else None

    def list_mappings(self, connection_id: str) -> Iterator[SkuMapping]:
        """Every stored mapping of the connection, in Amazon SKU order (paged Query)."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": sku_map_pk(connection_id)}, ":prefix": {"S": SKU_PREFIX}},
        )
        for page in pages:
            for item in page.get("Items", []):
                yield _mapping(connection_id, item)

    def load(self, connection_id: str) -> SkuMap:
        """The connection's whole map: one paged Query reading only the keys and merchant SKUs."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": sku_map_pk(connection_id)}, ":prefix": {"S": SKU_PREFIX}},
            ProjectionExpression="sk, merchant_sku",
        )
        return SkuMap(
            (item["sk"]["S"].removeprefix(SKU_PREFIX), item["merchant_sku"]["S"])
            for page in pages
            for item in page.get("Items", [])
        )

    def amazon_skus_mapped_to(self, connection_id: str, merchant_sku: str) -> list[str]:
        """The Amazon SKUs mapped to this merchant SKU (gsi1; its own name is not among them unless mapped)."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=GSI1,
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": {"S": merchant_pk(connection_id, merchant_sku)}},
        )
        return [item["gsi1sk"]["S"] for page in pages for item in page.get("Items", [])]


class MapSource(Protocol):
    """What CachedSkuMaps reads through: SkuMapRepository.load."""

    def load(self, connection_id: str) -> SkuMap:
        """The connection's whole map."""
        ...


class CachedSkuMaps:
    """A connection's map read once per `ttl_seconds` per container: the hot paths' reader (one Query per
    connection, never one call per SKU)."""

    def __init__(
        self,
        repository: MapSource,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repository = repository
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._held: dict[str, tuple[float, SkuMap]] = {}

    def get(self, connection_id: str) -> SkuMap:
        """The connection's map, from the cache while it is younger than the TTL."""
        now = self._monotonic()
        held = self._held.get(connection_id)
        if held is not None and now - held[0] < self._ttl:
            return held[1]
        loaded = self._repository.load(connection_id)
        self._held[connection_id] = (now, loaded)
        return loaded
