"""The feeds table: the JSON_LISTINGS_FEEDs we submitted, with the changes each one carries.

Items (pk `FEED#<feed_id>`):
- sk `META`: `connection_id`, `marketplace_id`, `status` (SUBMITTED until its result is recorded, then DONE,
  FATAL or CANCELLED), `submitted_at`, `completed_at`, `message_count`, `parts`, and the outcome counts
  (`accepted`, `rejected`, `retried`); gsi1pk `CONN#<connection_id>#STATUS#<status>`, gsi1sk `<submitted>#<feed_id>`.
- sk `PART#<n>`: `changes` (B): gzip'd JSON list of the feed's changes in message order (message id = position + 1),
  at most PART_SIZE per part so that a 25,000-message feed stays far below the 400 KB item limit.

Completing a feed is conditional on status SUBMITTED, so a duplicated FEED_PROCESSING_FINISHED (or a poll racing a
notification) records the outcomes once.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError
from pydantic import TypeAdapter

from shared.models.inventory import Change
from shared.repositories.items import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PART_SIZE = 5000
META = "META"
GSI1 = "gsi1"
FeedStatus = Literal["SUBMITTED", "DONE", "FATAL", "CANCELLED"]
_CHANGES = TypeAdapter(list[Change])


@dataclass(frozen=True)
class FeedRecord:
    """A submitted feed as stored."""

    feed_id: str
    connection_id: str
    marketplace_id: str
    status: FeedStatus
    submitted_at: datetime
    message_count: int
    completed_at: datetime | None = None
    accepted: int = 0
    rejected: int = 0
    retried: int = 0


def _gsi(connection_id: str, status: str, submitted_at: datetime, feed_id: str) -> dict[str, str]:
    return {
        "gsi1pk": f"CONN#{connection_id}#STATUS#{status}",
        "gsi1sk": f"{submitted_at.astimezone(UTC).isoformat()}#{feed_id}",
    }


def _record(item: dict[str, Any]) -> FeedRecord:
    values = from_item(item)
    return FeedRecord(
        feed_id=values["feed_id"],
        connection_id=values["connection_id"],
        marketplace_id=values["marketplace_id"],
        status=values["status"],
        submitted_at=datetime.fromisoformat(values["submitted_at"]),
        message_count=int(values["message_count"]),
        completed_at=datetime.fromisoformat(values["completed_at"]) if values.get("completed_at") else None,
        accepted=int(values.get("accepted", 0)),
        rejected=int(values.get("rejected", 0)),
        retried=int(values.get("retried", 0)),
    )


class FeedsRepository:
    """Writes submitted feeds, reads them back with their changes, completes them once."""

    def __init__(self, table_name: str, dynamodb_client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = dynamodb_client

    def put_submitted(self, record: FeedRecord, changes: Sequence[Change]) -> None:
        """Stores a just-submitted feed: its parts first, then its META item (so a readable META has its parts)."""
        parts = [changes[i : i + PART_SIZE] for i in range(0, len(changes), PART_SIZE)]
        for index, part in enumerate(parts):
            payload = gzip.compress(_CHANGES.dump_json(list(part), exclude_none=True), compresslevel=6)
            self._client.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"FEED#{record.feed_id}"},
                    "sk": {"S": f"PART#{index:03d}"},
                    "changes": {"B": payload},
                },
            )
        meta = {
            "pk": f"FEED#{record.feed_id}",
            "sk": META,
            "feed_id": record.feed_id,
            "connection_id": record.connection_id,
            "marketplace_id": record.marketplace_id,
            "status": record.status,
            "submitted_at": record.submitted_at.astimezone(UTC).isoformat(),
            "message_count": record.message_count,
            "parts": len(parts),
            **_gsi(record.connection_id, record.status, record.submitted_at, record.feed_id),
        }
        self._client.put_item(TableName=self._table, Item=to_item(meta))

    def get(self, feed_id: str) -> tuple[FeedRecord, list[Change]] | None:
        """The feed and its changes in message order, or None for a feed we did not record."""
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"FEED#{feed_id}"}},
            "ConsistentRead": True,
        }
        while True:
            answer = self._client.query(**request)
            items.extend(answer.get("Items", []))
            if "LastEvaluatedKey" not in answer:
                break
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        meta = next((i for i in items if i["sk"]["S"] == META), None)
        if meta is None:
            return None
        changes: list[Change] = []
        for part in sorted((i for i in items if i["sk"]["S"].startswith("PART#")), key=lambda i: i["sk"]["S"]):
            changes.extend(_CHANGES.validate_json(gzip.decompress(part["changes"]["B"])))
        return _record(meta), changes

    def complete(self, record: FeedRecord, status: FeedStatus, completed_at: datetime, counts: dict[str, int]) -> bool:
        """Marks the feed's outcome recorded; False when it already was (a duplicate notification or poll)."""
        values = {
            ":status": status,
            ":submitted": "SUBMITTED",
            ":completed": completed_at.astimezone(UTC).isoformat(),
            ":accepted": counts.get("accepted", 0),
            ":rejected": counts.get("rejected", 0),
            ":retried": counts.get("retried", 0),
            **{f":{k}": v for k, v in _gsi(record.connection_id, status, record.submitted_at, record.feed_id).items()},
        }
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"FEED#{record.feed_id}"}, "sk": {"S": META}},
                UpdateExpression=(
                    "SET #status = :status, completed_at = :completed, accepted = :accepted, rejected = :rejected, "
                    "retried = :retried, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk"
                ),
                ConditionExpression="#status = :submitted",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(values),
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def list_for_connection(self, connection_id: str, status: FeedStatus, limit: int = 50) -> list[FeedRecord]:
        """A connection's feeds in one status, newest first."""
        answer = self._client.query(
            TableName=self._table,
            IndexName=GSI1,
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"CONN#{connection_id}#STATUS#{status}"}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_record(item) for item in answer.get("Items", [])]
