"""A connection's notification subscriptions at Amazon, recorded on the connections table so that they can be removed.

Item (pk `CONN#<connection_id>`, sk `SUBSCRIPTION#<notification_type>`), plain attributes: `connection_id`,
`notification_type`, `subscription_id`, `destination_id` (S) and `created_at` (S, ISO 8601 UTC). Amazon holds at most
one subscription per seller and notification type (a second createSubscription answers 409), so there is one item per
type and recording it again replaces it. No gsi1 keys: the items are read only through their connection's partition.
A sync that subscribes a seller calls `record_subscription` right after Amazon's answer; disconnecting reads them all.

Destinations belong to the application, one per region and queue: item (pk `DESTINATION#<region>`, sk
`<queue_arn>`) with `destination_id` and `created_at`, so that subscribing a seller needs no grantless lookup once
the region's destination is known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints, ValidationError

from shared.clock import utc_now
from shared.repositories.errors import InvalidStoredItemError
from shared.repositories.items import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SUBSCRIPTION_PREFIX = "SUBSCRIPTION#"

NotificationType = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{0,99}$")]
AmazonId = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _pk(connection_id: str) -> str:
    return f"CONN#{connection_id}"


def _key(connection_id: str, notification_type: str) -> dict[str, Any]:
    return {"pk": {"S": _pk(connection_id)}, "sk": {"S": f"{SUBSCRIPTION_PREFIX}{notification_type}"}}


def _destination_key(region: str, queue_arn: str) -> dict[str, Any]:
    return {"pk": {"S": f"DESTINATION#{region}"}, "sk": {"S": queue_arn}}


class SubscriptionRecord(BaseModel):
    """One notification subscription Amazon holds for a connection's seller."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    connection_id: str
    notification_type: NotificationType
    subscription_id: AmazonId
    destination_id: AmazonId
    created_at: AwareDatetime


class InvalidStoredSubscriptionError(InvalidStoredItemError):
    """A SUBSCRIPTION# item no longer validates (typically edited by hand in the console)."""

    item_kind = "subscription"


class SubscriptionsRepository:
    """Records, lists and forgets the notification subscriptions of connections (see the module doc)."""

    def __init__(
        self, table_name: str, dynamodb_client: DynamoDBClient, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._table = table_name
        self._client = dynamodb_client
        self._clock = clock

    def record_subscription(
        self, connection_id: str, notification_type: str, subscription_id: str, destination_id: str
    ) -> SubscriptionRecord:
        """Records the subscription Amazon created (replacing an earlier record of the same type)."""
        record = SubscriptionRecord(
            connection_id=connection_id,
            notification_type=notification_type,
            subscription_id=subscription_id,
            destination_id=destination_id,
            created_at=self._clock(),
        )
        key = {"pk": _pk(connection_id), "sk": f"{SUBSCRIPTION_PREFIX}{notification_type}"}
        self._client.put_item(TableName=self._table, Item=to_item(key | record.model_dump()))
        return record

    def get_subscription(self, connection_id: str, notification_type: str) -> SubscriptionRecord | None:
        """The recorded subscription of one type, or None."""
        answer = self._client.get_item(
            TableName=self._table, Key=_key(connection_id, notification_type), ConsistentRead=True
        )
        return _record(connection_id, from_item(answer["Item"])) if "Item" in answer else None

    def get_destination(self, region: str, queue_arn: str) -> str | None:
        """The recorded destination id of a queue in a region, or None."""
        answer = self._client.get_item(TableName=self._table, Key=_destination_key(region, queue_arn))
        item = from_item(answer.get("Item", {}))
        return str(item["destination_id"]) if item.get("destination_id") else None

    def record_destination(self, region: str, queue_arn: str, destination_id: str) -> None:
        """Records the destination Amazon holds for a queue in a region."""
        key = {"pk": f"DESTINATION#{region}", "sk": queue_arn}
        values = {"destination_id": destination_id, "created_at": self._clock().isoformat()}
        self._client.put_item(TableName=self._table, Item=to_item(key | values))

    def list_subscriptions(self, connection_id: str) -> list[SubscriptionRecord]:
        """Every recorded subscription of a connection, by notification type (a Query on its partition)."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_item({":pk": _pk(connection_id), ":prefix": SUBSCRIPTION_PREFIX}),
            ConsistentRead=True,
        )
        return [_record(connection_id, from_item(item)) for page in pages for item in page.get("Items", [])]

    def delete_subscription(self, connection_id: str, notification_type: str) -> None:
        """Forgets a subscription (once Amazon no longer holds it); forgetting an unknown one is not an error."""
        self._client.delete_item(TableName=self._table, Key=_key(connection_id, notification_type))


def _record(connection_id: str, item: Mapping[str, Any]) -> SubscriptionRecord:
    fields = dict(item)
    fields.setdefault("connection_id", connection_id)
    fields.setdefault("notification_type", str(item["sk"]).removeprefix(SUBSCRIPTION_PREFIX))
    try:
        return SubscriptionRecord.model_validate(fields)
    except ValidationError as exc:
        raise InvalidStoredSubscriptionError(connection_id, exc) from None
