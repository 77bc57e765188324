"""The stock-out log and the repairs done per feed, in the feeds table.

- pk `STOCKOUTS#<connection_id>#<marketplace_id>`, sk the minute (`2026-12-07T07:05`): `skus`, a string set of the
  SKUs the fast lane zeroed in that minute. One small item per minute with stock-outs.
- pk `FEED#<feed_id>`, sk `REPAIRED` (beside the feed's META and PART# items, which FeedsRepository.get ignores):
  `repaired`, the `sku#rev` entries whose repair patch Amazon accepted after the feed was done.
Both grow with DynamoDB's ADD, so concurrent fast-lane invocations and a duplicated feed check never lose an entry
and never need a read first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

REPAIRED = "REPAIRED"


def _minute(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


class StockOutWatchRepository:
    """Logs stock-outs per connection, marketplace and minute; reads them back; marks repairs per feed."""

    def __init__(self, table_name: str, dynamodb_client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = dynamodb_client

    def add_stock_outs(self, connection_id: str, marketplace_id: str, at: datetime, skus: Iterable[str]) -> None:
        """Logs the SKUs zeroed at `at` (idempotent)."""
        self._add(f"STOCKOUTS#{connection_id}#{marketplace_id}", _minute(at), "skus", skus)

    def stock_outs_between(self, connection_id: str, marketplace_id: str, since: datetime, until: datetime) -> set[str]:
        """The SKUs zeroed from `since` to `until` (whole minutes)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :since AND :until",
            "ExpressionAttributeValues": {
                ":pk": {"S": f"STOCKOUTS#{connection_id}#{marketplace_id}"},
                ":since": {"S": _minute(since)},
                ":until": {"S": _minute(until)},
            },
            "ConsistentRead": True,
        }
        found: set[str] = set()
        while True:
            answer = self._client.query(**request)
            for item in answer.get("Items", []):
                found.update(item.get("skus", {}).get("SS", []))
            if "LastEvaluatedKey" not in answer:
                return found
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def get_repaired(self, feed_id: str) -> frozenset[str]:
        """The feed's repairs done (`sku#rev`)."""
        item = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": f"FEED#{feed_id}"}, "sk": {"S": REPAIRED}}, ConsistentRead=True
        ).get("Item", {})
        return frozenset(item.get("repaired", {}).get("SS", []))

    def mark_repaired(self, feed_id: str, entries: Iterable[str]) -> None:
        """Marks repairs done for the feed (idempotent)."""
        self._add(f"FEED#{feed_id}", REPAIRED, "repaired", entries)

    def _add(self, pk: str, sk: str, attribute: str, values: Iterable[str]) -> None:
        unique = sorted(set(values))
        if not unique:
            return
        self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": pk}, "sk": {"S": sk}},
            UpdateExpression="ADD #set :values",
            ExpressionAttributeNames={"#set": attribute},
            ExpressionAttributeValues={":values": {"SS": unique}},
        )
