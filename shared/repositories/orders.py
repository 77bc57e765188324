"""The orders table: one item per order, replaced only by a strictly newer version of the order.

Item (pk `ORDER#<order_id>`, sk `META`):
- `order` (S): the ImportedOrder as JSON, items included (one atomic item: no partial order is ever visible).
- `version` (S): Amazon's lastUpdatedTime in UTC, fixed width, then the order's progress
  (`2026-11-24T10:00:00.000000Z#2.0.1`: status rank, units shipped, cancellation requests), so that string order is
  time order and two versions within one second of lastUpdatedTime still differ (shared/models/orders.is_newer).
- `order_id`, `connection_id`, `marketplace_id`, `status`, `purchase_date` (S): readable in the console.
- `previous_status` (S): the status of the version this one replaced (absent for the first).
- `pending_events` (L of S) and `pending_since` (S): the events of this version not yet confirmed published; removed
  once PutEvents accepted them (a transactional outbox: a crash between the write and the publish is healed by the
  next delivery of the same version).
- gsi1pk `CONN#<connection_id>`, gsi1sk `<version>#<order_id>`: a connection's orders, latest update first.

Every write is conditional on the version the caller classified against (`attribute_not_exists(pk)` for a new
order), so two writers of one order never both win, and a replay or an older version writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from shared.clock import utc_now
from shared.models.orders import ImportedOrder, progress
from shared.repositories.errors import RepositoryError
from shared.repositories.items import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

META = "META"
GSI1 = "gsi1"


def version_of(order: ImportedOrder) -> str:
    """The version string of an order: its lastUpdatedTime (sortable) and its progress (same-second versions)."""
    rank, shipped, requests = progress(order)
    return f"{order.last_updated.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{rank}.{shipped}.{requests}"


def _key(order_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": META}}


class InvalidStoredOrderError(RepositoryError):
    """An order item no longer validates (typically edited by hand in the console)."""

    def __init__(self, order_id: str, reason: str) -> None:
        super().__init__(f"stored order {order_id!r} is invalid: {reason}")
        self.order_id = order_id


@dataclass(frozen=True)
class StoredOrder:
    """An order as stored, with the events of its version that still wait to be published."""

    order: ImportedOrder
    pending_events: tuple[str, ...]
    pending_since: datetime | None
    previous_status: str | None = None


class OrdersRepository:
    """Reads and conditionally writes orders (see the module doc)."""

    def __init__(
        self, table_name: str, dynamodb_client: DynamoDBClient, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._table = table_name
        self._client = dynamodb_client
        self._clock = clock

    def get(self, order_id: str) -> StoredOrder | None:
        """The stored order, or None."""
        response = self._client.get_item(TableName=self._table, Key=_key(order_id), ConsistentRead=True)
        return _stored(response["Item"]) if "Item" in response else None

    def put_version(self, order: ImportedOrder, pending_events: Sequence[str], previous: ImportedOrder | None) -> bool:
        """Stores `order` if the table still holds `previous` (None: no version); False if another writer came first.

        The caller has checked that `order` is newer than `previous`.
        """
        version = version_of(order)
        values: dict[str, Any] = {
            "pk": f"ORDER#{order.order_id}",
            "sk": META,
            "order_id": order.order_id,
            "connection_id": order.connection_id,
            "marketplace_id": order.marketplace_id,
            "status": order.status,
            "purchase_date": order.purchase_date.astimezone(UTC).isoformat(),
            "version": version,
            "order": order.model_dump_json(),
            "previous_status": previous.status if previous else None,
            "stored_at": self._clock().isoformat(),
            "gsi1pk": f"CONN#{order.connection_id}",
            "gsi1sk": f"{version}#{order.order_id}",
        }
        if pending_events:
            values["pending_events"] = list(pending_events)
            values["pending_since"] = self._clock().isoformat()
        # A new order must not exist yet; a newer version replaces exactly the version it was classified against.
        expected = version_of(previous) if previous else "(none)"
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(values),
                ConditionExpression="attribute_not_exists(pk) OR #version = :expected",
                ExpressionAttributeNames={"#version": "version"},
                ExpressionAttributeValues=to_item({":expected": expected}),
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def clear_pending(self, order: ImportedOrder) -> None:
        """Marks the events of this version published (a newer version's pending events are left alone)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(order.order_id),
                UpdateExpression="REMOVE pending_events, pending_since",
                ConditionExpression="#version = :version",
                ExpressionAttributeNames={"#version": "version"},
                ExpressionAttributeValues=to_item({":version": version_of(order)}),
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def list_for_connection(
        self, connection_id: str, *, limit: int | None = None, status: str | None = None
    ) -> list[ImportedOrder]:
        """A connection's orders, most recently updated first (a Query on gsi1), optionally of one status."""
        found: list[ImportedOrder] = []
        for item in self._query_connection(connection_id, status):
            found.append(_stored(item).order)
            if limit is not None and len(found) >= limit:
                break
        return found

    def _query_connection(self, connection_id: str, status: str | None) -> Iterator[Mapping[str, Any]]:
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": GSI1,
            "KeyConditionExpression": "gsi1pk = :pk",
            "ExpressionAttributeValues": to_item({":pk": f"CONN#{connection_id}"}),
            "ScanIndexForward": False,
        }
        if status is not None:
            arguments["FilterExpression"] = "#status = :status"
            arguments["ExpressionAttributeNames"] = {"#status": "status"}
            arguments["ExpressionAttributeValues"] = to_item({":pk": f"CONN#{connection_id}", ":status": status})
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(**arguments):
            yield from page.get("Items", [])


def _stored(item: Mapping[str, Any]) -> StoredOrder:
    plain = from_item(item)
    order_id = str(plain.get("order_id", plain.get("pk", "?")))
    if "order" not in plain:
        raise InvalidStoredOrderError(order_id, "no `order` attribute")
    try:
        order = ImportedOrder.model_validate_json(str(plain["order"]))
    except ValidationError as exc:
        raise InvalidStoredOrderError(order_id, f"{exc.error_count()} field(s) of `order` do not validate") from None
    since = plain.get("pending_since")
    return StoredOrder(
        order=order,
        pending_events=tuple(str(e) for e in plain.get("pending_events", [])),
        pending_since=datetime.fromisoformat(str(since)) if since else None,
        previous_status=str(plain["previous_status"]) if plain.get("previous_status") else None,
    )
