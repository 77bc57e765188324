"""Which re-authorization threshold was last announced for a connection (shared/sync/reauthorization.py).

Kept on the connection's META item (connections table) as two attributes: `reauthorization_notice_for` (the
`authorized_at` it counts from, as the item holds it) and `reauthorization_notice_days` (N, the threshold). A claim
is one conditional UpdateItem, never read-then-write, so two concurrent runs or a redelivered job cannot both win. It
succeeds only while the item's `authorized_at` is the one counted from (a re-authorization in between starts afresh)
and no nearer threshold was announced for that authorization.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from pydantic import AwareDatetime, TypeAdapter

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

NOTICE_FOR = "reauthorization_notice_for"
# `authorized_at` as the connections repository writes it (the Connection's JSON form: `...Z` for UTC).
_AS_STORED = TypeAdapter(AwareDatetime)
NOTICE_DAYS = "reauthorization_notice_days"


def _stored(authorized_at: datetime) -> str:
    return str(_AS_STORED.dump_python(authorized_at, mode="json"))


def _key(connection_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": "META"}}


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class ReauthorizationNotices:
    """The NoticeLedger of the connections table."""

    def __init__(self, table: str, client: DynamoDBClient) -> None:
        self._table = table
        self._client = client

    def claim(self, connection_id: str, authorized_at: datetime, threshold: int) -> bool:
        """Records `threshold` as announced; False if it or a nearer one was, or the authorization changed."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(connection_id),
                UpdateExpression="SET #for = :authorized, #days = :days",
                ConditionExpression=(
                    "authorized_at = :authorized AND "
                    "(attribute_not_exists(#for) OR #for <> :authorized OR #days > :days)"
                ),
                ExpressionAttributeNames={"#for": NOTICE_FOR, "#days": NOTICE_DAYS},
                ExpressionAttributeValues={
                    ":authorized": {"S": _stored(authorized_at)},
                    ":days": {"N": str(threshold)},
                },
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def release(self, connection_id: str, authorized_at: datetime, threshold: int) -> None:
        """Removes the claim if it is still this one: the next run announces the nearest threshold again."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(connection_id),
                UpdateExpression="REMOVE #for, #days",
                ConditionExpression="#for = :authorized AND #days = :days",
                ExpressionAttributeNames={"#for": NOTICE_FOR, "#days": NOTICE_DAYS},
                ExpressionAttributeValues={
                    ":authorized": {"S": _stored(authorized_at)},
                    ":days": {"N": str(threshold)},
                },
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise

    def last_announced(self, connection_id: str, authorized_at: datetime) -> int | None:
        """The threshold last announced for this authorization (None: none yet); for status and tests."""
        item = self._client.get_item(
            TableName=self._table,
            Key=_key(connection_id),
            ConsistentRead=True,
            ProjectionExpression="#for, #days",
            ExpressionAttributeNames={"#for": NOTICE_FOR, "#days": NOTICE_DAYS},
        ).get("Item", {})
        if item.get(NOTICE_FOR, {}).get("S") != _stored(authorized_at) or NOTICE_DAYS not in item:
            return None
        return int(item[NOTICE_DAYS]["N"])
