"""The stock-out watch lists: per in-flight feed, the SKUs the fast lane zeroed after that feed was submitted.

One small item per feed in the feeds table (pk `FEED#<feed_id>`, sk `WATCH`, beside the feed's META and PART#
items, which FeedsRepository.get ignores): `skus`, a string set of the SKUs zeroed while the feed was in flight, and
`repaired`, the SKUs whose repair patch Amazon accepted after the feed was done. Both grow with DynamoDB's ADD, so
concurrent fast-lane invocations and a duplicated feed check never lose an entry and never need a read first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

WATCH = "WATCH"


@dataclass(frozen=True)
class Watch:
    """One feed's watch list."""

    skus: frozenset[str] = frozenset()
    repaired: frozenset[str] = frozenset()

    def pending(self) -> frozenset[str]:
        """The watched SKUs not repaired yet."""
        return self.skus - self.repaired


class StockOutWatchRepository:
    """Adds to, reads and marks the watch lists."""

    def __init__(self, table_name: str, dynamodb_client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = dynamodb_client

    def add_watched(self, feed_id: str, skus: Iterable[str]) -> None:
        """Watches the SKUs for the feed (idempotent)."""
        self._add(feed_id, "skus", skus)

    def mark_repaired(self, feed_id: str, skus: Iterable[str]) -> None:
        """Marks the SKUs' repair done for the feed (idempotent)."""
        self._add(feed_id, "repaired", skus)

    def get_watch(self, feed_id: str) -> Watch:
        """The feed's watch list (empty when nothing was zeroed while it was in flight)."""
        item = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": f"FEED#{feed_id}"}, "sk": {"S": WATCH}},
            ConsistentRead=True,
        ).get("Item", {})
        return Watch(
            skus=frozenset(item.get("skus", {}).get("SS", [])),
            repaired=frozenset(item.get("repaired", {}).get("SS", [])),
        )

    def _add(self, feed_id: str, attribute: str, skus: Iterable[str]) -> None:
        values = sorted(set(skus))
        if not values:
            return
        self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": f"FEED#{feed_id}"}, "sk": {"S": WATCH}},
            UpdateExpression="ADD #set :values",
            ExpressionAttributeNames={"#set": attribute},
            ExpressionAttributeValues={":values": {"SS": values}},
        )
