"""Keeping a connection subscribed to the listings notifications, delivered to the stack's EventBridge destination.

The three types (`SUBSCRIBED_TYPES`) are EventBridge-only (LISTINGS-SHIPMENTS-CANCELLATIONS.md A4), so their
destination is not the notifications queue's: it is `eventBridge{region, accountId}` (the stack's AWS account and
region), which makes Amazon create the partner event source the admin associates with the stack's partner bus
(docs/catalog.md, "Listings notifications"). Steps, for a connection whose catalog sync runs:
1. The SP-API region's EventBridge destination: recorded (connections table, `DESTINATION#<region>`, keyed by
   `eventbridge:<account>:<aws region>`), else found with getDestinations, else createDestination (grantless; a 409
   means another run made it: found again), then recorded.
2. Per type not yet recorded on the connection: createSubscription (payload 1.0; ISSUES_CHANGE 2023-12-13, payload
   1.0 was removed). A 409 means the seller has one: ours is adopted, one pointing elsewhere is deleted by id and made
   again. Each is recorded (`SUBSCRIPTION#<type>`), so disconnecting removes it.

`subscribe_connections` runs this for every ACTIVE connection whose settings enable the catalog sync: the catalog
notifications function does so on its hourly schedule (the listings notifications exist only when the stack names
their partner event source, and so does that function), so a new connection is subscribed within the hour.

A recorded connection costs one read per type. Any SP-API failure is logged and answered `failed`: the hourly delta
keeps listings current anyway, and the next run tries again. A revoked authorization is not caught (the runner marks
the connection).

The orders capability keeps its SQS subscription the same way (shared/orders/subscription.py); capabilities do not
import each other, so the steps are written here for an EventBridge destination.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from aws_lambda_powertools import Logger

from shared.catalog import SYNC_TYPE
from shared.catalog.notification_models import ISSUES_CHANGE, SUBSCRIBED_TYPES
from shared.models.connection import Connection, ConnectionStatus
from shared.models.settings import ConnectionSettings
from shared.repositories.errors import InvalidStoredItemError, NoRefreshTokenError
from shared.repositories.subscriptions import SubscriptionRecord
from shared.spapi.errors import AuthorizationRevokedError, RetryableError, SpApiError
from shared.spapi.models.notifications import (
    CreateDestinationRequest,
    CreateDestinationResponse,
    CreateSubscriptionRequest,
    CreateSubscriptionResponse,
    DestinationResourceSpecification,
    EventBridgeResourceSpecification,
    GetDestinationsResponse,
    GetSubscriptionResponse,
    Subscription,
)

CONFLICT = 409
PAYLOAD_VERSIONS = {ISSUES_CHANGE: "2023-12-13"}
DEFAULT_PAYLOAD_VERSION = "1.0"


class NotificationsApi(Protocol):
    """The Notifications API calls made here (SpApiClient)."""

    def get_destinations(self) -> GetDestinationsResponse: ...  # noqa: D102

    def create_destination(self, body: CreateDestinationRequest) -> CreateDestinationResponse: ...  # noqa: D102

    def create_subscription(  # noqa: D102
        self, notification_type: str, body: CreateSubscriptionRequest
    ) -> CreateSubscriptionResponse: ...

    def get_subscription(  # noqa: D102
        self, notification_type: str, payload_version: str | None = None
    ) -> GetSubscriptionResponse: ...

    def delete_subscription_by_id(self, notification_type: str, subscription_id: str) -> None: ...  # noqa: D102


class SubscriptionRecords(Protocol):
    """The SubscriptionsRepository's methods used here."""

    def get_subscription(self, connection_id: str, notification_type: str) -> SubscriptionRecord | None: ...  # noqa: D102

    def record_subscription(  # noqa: D102
        self, connection_id: str, notification_type: str, subscription_id: str, destination_id: str
    ) -> SubscriptionRecord: ...

    def get_destination(self, region: str, queue_arn: str) -> str | None: ...  # noqa: D102

    def record_destination(self, region: str, queue_arn: str, destination_id: str) -> None: ...  # noqa: D102


class SubscriptionError(RuntimeError):
    """Amazon answered something we cannot use (no payload, no destination)."""


@dataclass(frozen=True)
class ListingsSubscriber:
    """Subscribes connections to the listings notifications at the EventBridge destination of `account_id` in
    `aws_region` (see the module doc)."""

    records: SubscriptionRecords
    account_id: str
    aws_region: str
    logger: Logger

    @property
    def destination_key(self) -> str:
        """How the destination is recorded beside the SQS ones (which are keyed by their queue ARN)."""
        return f"eventbridge:{self.account_id}:{self.aws_region}"

    def ensure(self, connection: Connection, api: NotificationsApi, *, again: bool = False) -> str:
        """`recorded` (nothing to do), `subscribed` (at least one type made or adopted) or `failed`; `again` asks
        Amazon even for recorded types (a re-authorized seller may have removed the app, and its subscriptions)."""
        cid = connection.connection_id
        missing = [t for t in SUBSCRIBED_TYPES if again or self.records.get_subscription(cid, t) is None]
        if not missing:
            return "recorded"
        try:
            destination_id = self._destination(connection.region.value, api)
            for kind in missing:
                subscription = self._subscribe(kind, api, destination_id)
                self.records.record_subscription(cid, kind, subscription.subscription_id, subscription.destination_id)
        except (SpApiError, RetryableError, SubscriptionError) as exc:
            self.logger.warning("listings notifications subscription failed", extra={"error": str(exc)})
            return "failed"
        self.logger.info("subscribed to the listings notifications", extra={"types": missing})
        return "subscribed"

    def _destination(self, region: str, api: NotificationsApi) -> str:
        recorded = self.records.get_destination(region, self.destination_key)
        if recorded:
            return recorded
        destination_id = self._find_destination(api)
        if destination_id is None:
            spec = DestinationResourceSpecification(
                event_bridge=EventBridgeResourceSpecification(region=self.aws_region, account_id=self.account_id)
            )
            name = f"sellersync-listings-{self.account_id}-{self.aws_region}"
            try:
                created = api.create_destination(CreateDestinationRequest(name=name, resource_specification=spec))
                destination_id = created.payload.destination_id if created.payload else None
                bridge = created.payload.resource.event_bridge if created.payload else None
                self.logger.info(
                    "EventBridge destination created: set sellersync:listingsEventSource to its partner event source",
                    extra={"partner_event_source": bridge.name if bridge else None},
                )
            except SpApiError as exc:
                if exc.status != CONFLICT:
                    raise
                destination_id = self._find_destination(api)  # created concurrently by another run
        if destination_id is None:
            raise SubscriptionError("Amazon created no EventBridge destination")
        self.records.record_destination(region, self.destination_key, destination_id)
        return destination_id

    def _find_destination(self, api: NotificationsApi) -> str | None:
        for destination in api.get_destinations().payload:
            bridge = destination.resource.event_bridge
            if bridge is not None and (bridge.account_id, bridge.region) == (self.account_id, self.aws_region):
                return destination.destination_id
        return None

    def _subscribe(self, kind: str, api: NotificationsApi, destination_id: str) -> Subscription:
        version = PAYLOAD_VERSIONS.get(kind, DEFAULT_PAYLOAD_VERSION)
        body = CreateSubscriptionRequest(payload_version=version, destination_id=destination_id)
        try:
            return _payload(api.create_subscription(kind, body).payload)
        except SpApiError as exc:
            if exc.status != CONFLICT:
                raise
        existing = _payload(api.get_subscription(kind, version).payload)
        if existing.destination_id == destination_id:
            return existing
        api.delete_subscription_by_id(kind, existing.subscription_id)
        return _payload(api.create_subscription(kind, body).payload)


class ConnectionsLister(Protocol):
    """The ConnectionsRepository's reads the sweep uses."""

    def list_connections(self, status: ConnectionStatus | None = None) -> list[Connection]: ...  # noqa: D102

    def get_settings(self, connection_id: str) -> ConnectionSettings: ...  # noqa: D102


def subscribe_connections(
    connections: ConnectionsLister,
    subscriber: ListingsSubscriber,
    api_for: Callable[[Connection], NotificationsApi],
) -> Counter[str]:
    """Ensures the subscriptions of every ACTIVE connection that runs the catalog sync; counts the outcomes
    (`recorded`, `subscribed`, `failed`; `skipped` for settings that no longer validate or a revoked authorization,
    which the catalog sync itself reports)."""
    counts: Counter[str] = Counter()
    for connection in connections.list_connections(ConnectionStatus.ACTIVE):
        try:
            if SYNC_TYPE not in connections.get_settings(connection.connection_id).enabled_syncs:
                continue
            counts[subscriber.ensure(connection, api_for(connection))] += 1
        except (InvalidStoredItemError, AuthorizationRevokedError, NoRefreshTokenError) as exc:
            subscriber.logger.warning(
                "listings subscription skipped", extra={"connection_id": connection.connection_id, "error": str(exc)}
            )
            counts["skipped"] += 1
    return counts


def _payload(subscription: Subscription | None) -> Subscription:
    if subscription is None:
        raise SubscriptionError("Amazon answered without a subscription")
    return subscription
