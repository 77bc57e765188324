"""The shipments table's cancellation feed items: the per-connection feed gate and the submitted feeds.

- Feed gate: pk `CONN#<connection_id>`, sk `CANCEL_FEED`: `last_submitted_at` (a conditional update: at most one
  cancellation feed per window) and `in_flight` (claim token -> {at, orders}: the orders a feed run claimed and has
  not yet recorded in a feed, so that a later run can put back what a crashed run left claimed).
- Submitted feed: pk `FEED#<feed_id>`, sk `CANCEL_FEED`: connection id and MessageID -> order id.

`CancellationsRepository` (shared/repositories/cancellations.py) is this plus the cancellations themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shared.repositories.items import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

FEED_SK = "CANCEL_FEED"


def stamp(moment: datetime) -> str:
    """A fixed-width UTC timestamp: string order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def key(pk: str, sk: str) -> dict[str, Any]:
    """The Key of an item of the table."""
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def failed(exc: ClientError) -> bool:
    """Whether a write failed its ConditionExpression (and nothing else went wrong)."""
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


@dataclass(frozen=True)
class Gate:
    """The feed gate: taken (go ahead) or closed for `wait_seconds`; `in_flight` as it stood when taken."""

    taken: bool
    wait_seconds: float
    in_flight: Mapping[str, tuple[datetime, tuple[str, ...]]]


@dataclass(frozen=True)
class SubmittedFeed:
    """A cancellation feed we submitted: its connection and which order each MessageID cancels."""

    feed_id: str
    connection_id: str
    messages: Mapping[int, str]
    submitted_at: datetime


class CancellationFeedItems:
    """The gate and feed items of the cancellations (see the module doc)."""

    def __init__(self, table_name: str, dynamodb_client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = dynamodb_client

    def take_gate(self, connection_id: str, now: datetime, window: timedelta) -> Gate:
        """Takes the connection's feed gate unless a feed went out within `window` (then: how long to wait)."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=key(f"CONN#{connection_id}", FEED_SK),
                UpdateExpression="SET last_submitted_at = :now, connection_id = :c, "
                "in_flight = if_not_exists(in_flight, :empty)",
                ConditionExpression="attribute_not_exists(last_submitted_at) OR last_submitted_at <= :cutoff",
                ExpressionAttributeValues=to_item(
                    {":now": stamp(now), ":c": connection_id, ":cutoff": stamp(now - window)}
                )
                | {":empty": {"M": {}}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if not failed(exc):
                raise
            item = self._get(f"CONN#{connection_id}", FEED_SK) or {}
            last = datetime.fromisoformat(str(item.get("last_submitted_at", stamp(now))))
            return Gate(False, max(1.0, (last + window - now).total_seconds()), {})
        plain = from_item(response.get("Attributes", {}))
        in_flight = {
            str(token): (datetime.fromisoformat(str(entry["at"])), tuple(str(o) for o in entry.get("orders", [])))
            for token, entry in (plain.get("in_flight") or {}).items()
        }
        return Gate(True, 0.0, in_flight)

    def reopen_gate(self, connection_id: str, taken_at: datetime) -> None:
        """Gives the gate back after a run that submitted nothing (only if no later run took it since)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key(f"CONN#{connection_id}", FEED_SK),
                UpdateExpression="REMOVE last_submitted_at",
                ConditionExpression="last_submitted_at = :taken",
                ExpressionAttributeValues=to_item({":taken": stamp(taken_at)}),
            )
        except ClientError as exc:
            if not failed(exc):
                raise

    def note_in_flight(self, connection_id: str, token: str, at: datetime, orders: Sequence[str]) -> None:
        """Remembers the orders run `token` claimed until it records its feed (or puts them back)."""
        self._client.update_item(
            TableName=self._table,
            Key=key(f"CONN#{connection_id}", FEED_SK),
            UpdateExpression="SET in_flight.#token = :entry",
            ExpressionAttributeNames={"#token": token},
            ExpressionAttributeValues=to_item({":entry": {"at": stamp(at), "orders": list(orders)}}),
        )

    def clear_in_flight(self, connection_id: str, token: str) -> None:
        """Forgets run `token`'s claims: recorded in a feed, or put back."""
        self._client.update_item(
            TableName=self._table,
            Key=key(f"CONN#{connection_id}", FEED_SK),
            UpdateExpression="REMOVE in_flight.#token",
            ExpressionAttributeNames={"#token": token},
        )

    def record_feed(self, feed: SubmittedFeed) -> None:
        """Stores a submitted feed's message map (the same feed again is a no-op)."""
        values = {
            "pk": f"FEED#{feed.feed_id}",
            "sk": FEED_SK,
            "feed_id": feed.feed_id,
            "connection_id": feed.connection_id,
            "messages": {str(k): v for k, v in feed.messages.items()},
            "submitted_at": stamp(feed.submitted_at),
        }
        try:
            self._client.put_item(
                TableName=self._table, Item=to_item(values), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if not failed(exc):
                raise

    def get_feed(self, feed_id: str) -> SubmittedFeed | None:
        """A submitted cancellation feed, or None (not ours)."""
        item = self._get(f"FEED#{feed_id}", FEED_SK)
        if not item:
            return None
        return SubmittedFeed(
            feed_id=str(item["feed_id"]),
            connection_id=str(item["connection_id"]),
            messages={int(k): str(v) for k, v in item.get("messages", {}).items()},
            submitted_at=datetime.fromisoformat(str(item["submitted_at"])),
        )

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self._client.get_item(TableName=self._table, Key=key(pk, sk), ConsistentRead=True)
        return from_item(response["Item"]) if "Item" in response else None
