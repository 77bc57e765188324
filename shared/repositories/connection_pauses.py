"""Pausing and resuming a connection or one of its sync types: the `paused` map on the connection's META item.

Each entry (key: a sync type, or PAUSE_ALL) is written with a condition, never read-then-write: `pause` sets the
entry only when it is absent and `resume` removes it only when it is present, so of two concurrent (or repeated)
resumes exactly one answers True, and only that one re-sends the parked work. The map is created first (if absent)
by its own conditional update, since DynamoDB cannot set a nested entry of a map that does not exist yet. A pause is
read with the connection, where the runner and the lanes already read it: no extra read per message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shared.clock import utc_now
from shared.models.connection import Pause
from shared.repositories.errors import ConnectionNotFoundError
from shared.repositories.items import to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PAUSED_ATTRIBUTE = "paused"


class ConnectionPauses:
    """Sets and clears pauses on connections' META items (shared/repositories/connections.py)."""

    def __init__(
        self, table_name: str, dynamodb_client: DynamoDBClient, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._table = table_name
        self._client = dynamodb_client
        self._clock = clock

    def pause(self, connection_id: str, scope: str, by: str, reason: str | None = None) -> bool:
        """Pauses `scope` (a sync type or PAUSE_ALL); False when it was already paused (the first pause stands).

        Raises ConnectionNotFoundError when there is no such connection.
        """
        entry = Pause(by=by, at=self._clock(), reason=reason)
        self._ensure_map(connection_id)
        return self._conditional(
            connection_id,
            "SET #paused.#scope = :entry",
            "attribute_exists(pk) AND attribute_not_exists(#paused.#scope)",
            {"#paused": PAUSED_ATTRIBUTE, "#scope": scope},
            {":entry": entry.model_dump(mode="json", exclude_none=True)},
        )

    def resume(self, connection_id: str, scope: str) -> bool:
        """Removes the pause of `scope`; True only for the call that removed it (False: it was not paused)."""
        self._ensure_map(connection_id)
        return self._conditional(
            connection_id,
            "REMOVE #paused.#scope",
            "attribute_exists(pk) AND attribute_exists(#paused.#scope)",
            {"#paused": PAUSED_ATTRIBUTE, "#scope": scope},
            None,
        )

    def _ensure_map(self, connection_id: str) -> None:
        self._conditional(
            connection_id,
            "SET #paused = if_not_exists(#paused, :empty)",
            "attribute_exists(pk)",
            {"#paused": PAUSED_ATTRIBUTE},
            {":empty": {}},
            missing_raises=True,
        )

    def _conditional(
        self,
        connection_id: str,
        expression: str,
        condition: str,
        names: dict[str, str],
        values: dict[str, Any] | None,
        *,
        missing_raises: bool = False,
    ) -> bool:
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": "META"}},
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if values is not None:
            request["ExpressionAttributeValues"] = to_item(values)
        try:
            self._client.update_item(**request)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            if missing_raises or not exc.response.get("Item"):
                raise ConnectionNotFoundError(connection_id) from None
            return False
        return True
