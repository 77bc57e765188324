"""The LWA client secret's rotation status item in the connections table (shared/models/secret_rotation.py).

Item pk `APP#lwa`, sk `SECRET_ROTATION`: no gsi1 keys, so no connection listing ever sees it. Plain attributes, as
the DynamoDB console shows them. Each write is one UpdateItem; claiming a rotation is conditional (no rotation in
flight), so two concurrent runs never both call Amazon.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from shared.models.secret_rotation import ExpiryNotice, RotationState, SecretRotationStatus
from shared.repositories.errors import InvalidStoredItemError
from shared.repositories.items import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEY = {"pk": {"S": "APP#lwa"}, "sk": {"S": "SECRET_ROTATION"}}
MAX_ERROR_CHARS = 500


class InvalidStoredRotationStatusError(InvalidStoredItemError):
    """The rotation status item no longer validates (edited by hand in the console)."""

    item_kind = "secret rotation status"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class SecretRotationRepository:
    """Reads and writes the rotation status item."""

    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def get(self) -> SecretRotationStatus:
        """The status (an empty one before the first rotation)."""
        item = self._client.get_item(TableName=self._table, Key=KEY, ConsistentRead=True).get("Item")
        if item is None:
            return SecretRotationStatus()
        try:
            return SecretRotationStatus.model_validate(from_item(item))
        except ValidationError as exc:
            raise InvalidStoredRotationStatusError("APP#lwa", exc) from None

    def claim_rotation(self, now: datetime, in_flight_seconds: float) -> bool:
        """Marks a rotation REQUESTED at `now` unless one requested less than `in_flight_seconds` ago is in flight."""
        stale = now - timedelta(seconds=in_flight_seconds)
        try:
            self._client.update_item(
                TableName=self._table,
                Key=KEY,
                UpdateExpression="SET #state = :requested, requested_at = :now, updated_at = :now",
                ConditionExpression="attribute_not_exists(#state) OR #state <> :requested OR requested_at < :stale",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":requested": {"S": RotationState.REQUESTED.value},
                    ":now": {"S": _iso(now)},
                    ":stale": {"S": _iso(stale)},
                },
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def record_check(self, now: datetime, created_at: datetime, age_days: int, next_rotation_at: datetime) -> None:
        """The daily check's findings: the secret's creation, its age and when it is rotated next."""
        self._set(
            {
                "last_checked_at": _iso(now),
                "secret_created_at": _iso(created_at),
                "secret_age_days": age_days,
                "next_rotation_at": _iso(next_rotation_at),
            }
        )

    def record_failure(self, now: datetime, message: str) -> None:
        """A failed rotation, with its reason (never a secret: callers pass Amazon's error text or our own)."""
        self._set(
            {"state": RotationState.FAILED.value, "last_failure_at": _iso(now), "last_error": message[:MAX_ERROR_CHARS]}
        )

    def record_rotated(
        self, now: datetime, notification_id: str, created_at: datetime, previous_expires_at: datetime | None
    ) -> None:
        """The new secret is stored: the rotation is done."""
        values: dict[str, Any] = {
            "state": RotationState.ROTATED.value,
            "last_rotated_at": _iso(now),
            "last_notification_id": notification_id,
            "secret_created_at": _iso(created_at),
            "secret_age_days": 0,
        }
        if previous_expires_at is not None:
            values["previous_secret_expires_at"] = _iso(previous_expires_at)
        # The next rotation date belonged to the replaced secret: the next daily check writes the new one.
        self._set(values, remove=("last_error", "next_rotation_at"))

    def record_expiry_notice(self, notice: ExpiryNotice) -> None:
        """Amazon's latest expiry notice."""
        self._set({"expiry_notice": notice.model_dump(mode="json", exclude_none=True)})

    def _set(self, values: dict[str, Any], remove: tuple[str, ...] = ()) -> None:
        names = {f"#a{i}": name for i, name in enumerate(values)}
        expression = "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(values)))
        expression += ", updated_at = :updated"
        if remove:
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(remove)))
            names |= {f"#r{i}": name for i, name in enumerate(remove)}
        attribute_values = to_item({f":a{i}": value for i, value in enumerate(values.values())})
        attribute_values[":updated"] = {"S": _iso(datetime.now(UTC))}
        self._client.update_item(
            TableName=self._table,
            Key=KEY,
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=attribute_values,
        )
