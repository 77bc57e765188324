"""Where a connection's order polling stands, and who is polling it now: the `CURSOR#orders` item.

Item (connections table, pk `CONN#<connection_id>`, sk `CURSOR#orders`), plain attributes:
- `watermark` (S, ISO): every order update before it has been applied; advanced only when a whole window is done.
- `window_after`, `window_before` (S, ISO), `next_token` (S), `token_saved_at` (S),
  `window_started_at` (S), `pages` (N): the window
  under way and the searchOrders token of its next page, saved after every page.
- `lease_owner` (S), `lease_until` (S, ISO): the run that holds the connection. Taking the lease is one conditional
  write (free, expired, or already ours); every save is conditional on still holding it, so two runs never both
  advance one cursor, and a crashed run's lease simply expires. A run that completes its window saves the new
  watermark and gives the lease back in one write (`save_and_release`); the repository remembers that lease, so the
  `release` that follows writes nothing (a conditional write that fails still costs a write unit).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from shared.repositories.errors import InvalidStoredItemError, RepositoryError
from shared.repositories.items import from_item, to_item, update_expression

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

CURSOR_SK = "CURSOR#orders"
_CURSOR_FIELDS = (
    "watermark",
    "window_after",
    "window_before",
    "next_token",
    "token_saved_at",
    "window_started_at",
    "pages",
)


class OrdersCursor(BaseModel):
    """The polling position of one connection."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    watermark: AwareDatetime | None = None
    window_after: AwareDatetime | None = None
    window_before: AwareDatetime | None = None
    next_token: str | None = None
    window_started_at: AwareDatetime | None = None
    # When next_token was saved: Amazon's tokens live 24 h from their page.
    token_saved_at: AwareDatetime | None = None
    pages: int = 0

    @property
    def in_window(self) -> bool:
        """Whether a window is under way."""
        return self.window_after is not None and self.window_before is not None


class InvalidStoredCursorError(InvalidStoredItemError):
    """The CURSOR#orders item no longer validates (typically edited by hand in the console)."""

    item_kind = "orders cursor"


class LeaseLostError(RepositoryError):
    """Another run took the connection's lease (this run outlived it); this run must stop without saving."""


def _key(connection_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": CURSOR_SK}}


def _failed_condition(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class OrderCursorRepository:
    """Leases and saves the orders cursor of connections (see the module doc)."""

    def __init__(self, table_name: str, dynamodb_client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = dynamodb_client
        # (connection id, owner) of the leases save_and_release gave back, until their `release` call.
        self._released: set[tuple[str, str]] = set()

    def acquire(self, connection_id: str, owner: str, until: datetime, now: datetime) -> OrdersCursor | None:
        """Takes the lease until `until` and returns the cursor; None while another run holds an unexpired lease."""
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key=_key(connection_id),
                UpdateExpression="SET lease_owner = :owner, lease_until = :until, connection_id = :cid",
                ConditionExpression="attribute_not_exists(lease_until) OR lease_until < :now OR lease_owner = :owner",
                ExpressionAttributeValues=to_item(
                    {":owner": owner, ":until": until.isoformat(), ":now": now.isoformat(), ":cid": connection_id}
                ),
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if _failed_condition(exc):
                return None
            raise
        return _cursor(connection_id, from_item(answer.get("Attributes", {})))

    def save(self, connection_id: str, owner: str, cursor: OrdersCursor) -> None:
        """Stores the cursor while holding the lease; raises LeaseLostError otherwise."""
        self._update_held(connection_id, owner, cursor.model_dump(mode="json", include=set(_CURSOR_FIELDS)))

    def save_and_release(self, connection_id: str, owner: str, cursor: OrdersCursor) -> None:
        """Stores the cursor and gives the lease back in one write while holding it; raises LeaseLostError otherwise.

        The `release` of this lease that follows then writes nothing.
        """
        values = cursor.model_dump(mode="json", include=set(_CURSOR_FIELDS))
        self._update_held(connection_id, owner, {**values, "lease_owner": None, "lease_until": None})
        self._released.add((connection_id, owner))

    def _update_held(self, connection_id: str, owner: str, values: Mapping[str, Any]) -> None:
        """One UpdateItem (None values REMOVEd) conditional on `owner` holding the lease."""
        expression, names, attribute_values = update_expression(values)
        attribute_values[":owner"] = owner
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(connection_id),
                UpdateExpression=expression,
                ConditionExpression="lease_owner = :owner",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(attribute_values),
            )
        except ClientError as exc:
            if _failed_condition(exc):
                raise LeaseLostError(f"connection {connection_id!r}: another run took the orders lease") from None
            raise

    def release(self, connection_id: str, owner: str) -> None:
        """Gives the lease back (if still ours); no write for a lease save_and_release already gave back."""
        if (connection_id, owner) in self._released:
            self._released.discard((connection_id, owner))
            return
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(connection_id),
                UpdateExpression="REMOVE lease_owner, lease_until",
                ConditionExpression="lease_owner = :owner",
                ExpressionAttributeValues=to_item({":owner": owner}),
            )
        except ClientError as exc:
            if not _failed_condition(exc):
                raise

    def get(self, connection_id: str) -> OrdersCursor | None:
        """The cursor, or None before the first run."""
        answer = self._client.get_item(TableName=self._table, Key=_key(connection_id), ConsistentRead=True)
        return _cursor(connection_id, from_item(answer["Item"])) if "Item" in answer else None


def _cursor(connection_id: str, item: Mapping[str, Any]) -> OrdersCursor:
    try:
        return OrdersCursor.model_validate(dict(item))
    except ValidationError as exc:
        raise InvalidStoredCursorError(connection_id, exc) from None
