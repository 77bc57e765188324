"""Which re-authorization threshold was last announced for a connection (shared/sync/reauthorization.py).

Kept on the connection's META item (connections table) as attributes: `reauthorization_notice_for` (the
`authorized_at` it counts from, as the item holds it), `reauthorization_notice_days` (N, the threshold) and, while the
claimed notice is not known to be sent, `reauthorization_notice_pending_since` (N, epoch seconds of the claim). A
claim is one conditional UpdateItem, never read-then-write, so two concurrent runs or a redelivered job cannot both
win. It succeeds only while the item's `authorized_at` is the one counted from (a re-authorization in between starts
afresh) and no nearer threshold was announced for that authorization, or the same threshold's claim is still pending
after PENDING_TIMEOUT: its run died between the claim and the send (or before confirming it), so it is claimed again
and sent (at least once; the event id is stable). `confirm`, after the send, removes the pending mark.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from pydantic import AwareDatetime, TypeAdapter

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

NOTICE_FOR = "reauthorization_notice_for"
# `authorized_at` as the connections repository writes it (the Connection's JSON form: `...Z` for UTC).
_AS_STORED = TypeAdapter(AwareDatetime)
NOTICE_DAYS = "reauthorization_notice_days"
NOTICE_PENDING = "reauthorization_notice_pending_since"
# A claim still pending this long was made by a run that died: the authorization function's timeout is 2 minutes
# and a claim is followed at once by the send.
PENDING_TIMEOUT = timedelta(minutes=30)


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

    def claim(self, connection_id: str, authorized_at: datetime, threshold: int, now: datetime) -> bool:
        """Records `threshold` as claimed at `now`, pending until `confirm`; False if it or a nearer one was
        announced, its claim is pending for less than PENDING_TIMEOUT, or the authorization changed."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(connection_id),
                UpdateExpression="SET #for = :authorized, #days = :days, #pending = :now",
                ConditionExpression=(
                    "authorized_at = :authorized AND (attribute_not_exists(#for) OR #for <> :authorized "
                    "OR #days > :days OR (#days = :days AND #pending < :stale))"
                ),
                ExpressionAttributeNames={"#for": NOTICE_FOR, "#days": NOTICE_DAYS, "#pending": NOTICE_PENDING},
                ExpressionAttributeValues={
                    ":authorized": {"S": _stored(authorized_at)},
                    ":days": {"N": str(threshold)},
                    ":now": {"N": str(int(now.timestamp()))},
                    ":stale": {"N": str(int((now - PENDING_TIMEOUT).timestamp()))},
                },
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def confirm(self, connection_id: str, authorized_at: datetime, threshold: int) -> None:
        """Marks the claim sent (if it is still this one): no run claims it again."""
        self._if_still(connection_id, authorized_at, threshold, "REMOVE #pending")

    def release(self, connection_id: str, authorized_at: datetime, threshold: int) -> None:
        """Removes the claim if it is still this one: the next run announces the nearest threshold again."""
        self._if_still(connection_id, authorized_at, threshold, "REMOVE #for, #days, #pending")

    def _if_still(self, connection_id: str, authorized_at: datetime, threshold: int, update: str) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(connection_id),
                UpdateExpression=update,
                ConditionExpression="#for = :authorized AND #days = :days",
                ExpressionAttributeNames={"#for": NOTICE_FOR, "#days": NOTICE_DAYS, "#pending": NOTICE_PENDING},
                ExpressionAttributeValues={
                    ":authorized": {"S": _stored(authorized_at)},
                    ":days": {"N": str(threshold)},
                },
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise

    def last_announced(self, connection_id: str, authorized_at: datetime) -> int | None:
        """The threshold last announced (claimed and confirmed sent) for this authorization (None: none yet, or a
        claim still pending); for status and tests."""
        item = self._client.get_item(
            TableName=self._table,
            Key=_key(connection_id),
            ConsistentRead=True,
            ProjectionExpression="#for, #days, #pending",
            ExpressionAttributeNames={"#for": NOTICE_FOR, "#days": NOTICE_DAYS, "#pending": NOTICE_PENDING},
        ).get("Item", {})
        if item.get(NOTICE_FOR, {}).get("S") != _stored(authorized_at) or NOTICE_DAYS not in item:
            return None
        if NOTICE_PENDING in item:
            return None
        return int(item[NOTICE_DAYS]["N"])
