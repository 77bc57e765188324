"""Keeping a connection subscribed to ORDER_CHANGE, delivered to the stack's notifications queue.

Runs at the start of every orders run and costs one DynamoDB read once the subscription is recorded. A job enqueued
by ConnectionAuthorized (trigger `connected`: a new or re-authorized connection) always asks Amazon again, because
a re-authorization may follow a removal of the app. Steps:
1. The region's destination for our queue: recorded, else found with getDestinations, else createDestination
   (grantless), then recorded.
2. createSubscription(ORDER_CHANGE, payload 1.0, the connection's marketplaces, status changes and buyer requests).
   A 409 means the seller already has one: getSubscription; ours is adopted, one pointing elsewhere (an older
   stack) is deleted by id and created again.
3. The subscription is recorded on the connection (`SUBSCRIPTION#ORDER_CHANGE`), so that disconnecting removes it.

Any SP-API failure here is logged and returned as `failed`: the run goes on polling (the safety net), and the next
run tries again. A revoked authorization is not caught: the runner turns the connection NEEDS_REAUTHORIZATION.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from aws_lambda_powertools import Logger

from shared.models.connection import Connection
from shared.orders import ORDER_CHANGE
from shared.repositories.subscriptions import SubscriptionRecord
from shared.spapi.errors import RetryableError, SpApiError
from shared.spapi.models.notifications import (
    CreateDestinationRequest,
    CreateDestinationResponse,
    CreateSubscriptionRequest,
    CreateSubscriptionResponse,
    DestinationResourceSpecification,
    EventFilter,
    GetDestinationsResponse,
    GetSubscriptionResponse,
    ProcessingDirective,
    SqsResource,
    Subscription,
)
from shared.sync.dependencies import JobContext

PAYLOAD_VERSION = "1.0"
CONFLICT = 409


class NotificationsApi(Protocol):
    """The Notifications API calls made here (SpApiClient)."""

    def get_destinations(self) -> GetDestinationsResponse:
        """Grantless."""
        ...

    def create_destination(self, body: CreateDestinationRequest) -> CreateDestinationResponse:
        """Grantless."""
        ...

    def create_subscription(
        self, notification_type: str, body: CreateSubscriptionRequest
    ) -> CreateSubscriptionResponse:
        """Seller token."""
        ...

    def get_subscription(self, notification_type: str, payload_version: str | None = None) -> GetSubscriptionResponse:
        """Seller token."""
        ...

    def delete_subscription_by_id(self, notification_type: str, subscription_id: str) -> None:
        """Grantless."""
        ...


class SubscriptionRecords(Protocol):
    """The SubscriptionsRepository's methods used here."""

    def get_subscription(self, connection_id: str, notification_type: str) -> SubscriptionRecord | None:
        """The recorded subscription."""
        ...

    def record_subscription(
        self, connection_id: str, notification_type: str, subscription_id: str, destination_id: str
    ) -> SubscriptionRecord:
        """Records one."""
        ...

    def get_destination(self, region: str, queue_arn: str) -> str | None:
        """The recorded destination id."""
        ...

    def record_destination(self, region: str, queue_arn: str, destination_id: str) -> None:
        """Records one."""
        ...


class SubscriptionError(RuntimeError):
    """Amazon answered something we cannot use (no payload)."""


def order_change_directive(connection: Connection) -> ProcessingDirective | None:
    """ORDER_CHANGE for the connection's marketplaces: status changes and buyer requests."""
    return ProcessingDirective(
        event_filter=EventFilter(
            event_filter_type=ORDER_CHANGE,
            marketplace_ids=list(connection.marketplace_ids),
            order_change_types=["OrderStatusChange", "BuyerRequestedChange"],
        )
    )


@dataclass(frozen=True)
class OrderSubscriber:
    """Subscribes connections to a notification type (ORDER_CHANGE unless told otherwise) at `queue_arn` (see the
    module doc; the inventory feed lane uses it for FEED_PROCESSING_FINISHED)."""

    records: SubscriptionRecords
    queue_arn: str
    logger: Logger
    notification_type: str = ORDER_CHANGE
    payload_version: str = PAYLOAD_VERSION
    directive: Callable[[Connection], ProcessingDirective | None] = order_change_directive

    def __call__(self, context: JobContext, api: NotificationsApi) -> str:
        """`recorded` (nothing to do), `subscribed`, `adopted` or `failed`."""
        return self.ensure(context.connection, api, again=context.job.trigger == "connected")

    def ensure(self, connection: Connection, api: NotificationsApi, *, again: bool = False) -> str:
        """Subscribes unless recorded (`again`: ask Amazon anyway); `recorded`, `subscribed`, `adopted`, `failed`."""
        kind = self.notification_type
        recorded = self.records.get_subscription(connection.connection_id, kind)
        if recorded is not None and not again:
            return "recorded"
        try:
            destination_id = self._destination(connection.region.value, api)
            subscription, outcome = self._subscribe(connection, api, destination_id)
        except (SpApiError, RetryableError, SubscriptionError) as exc:
            self.logger.warning(f"{kind} subscription failed; polling goes on", extra={"error": str(exc)})
            return "failed"
        self.records.record_subscription(
            connection.connection_id, kind, subscription.subscription_id, subscription.destination_id
        )
        self.logger.info(f"subscribed to {kind}", extra={"outcome": outcome})
        return outcome

    def _destination(self, region: str, api: NotificationsApi) -> str:
        recorded = self.records.get_destination(region, self.queue_arn)
        if recorded:
            return recorded
        destination_id = self._find_destination(api)
        if destination_id is None:
            name = f"sellersync-{hashlib.sha256(self.queue_arn.encode()).hexdigest()[:12]}"
            spec = DestinationResourceSpecification(sqs=SqsResource(arn=self.queue_arn))
            try:
                created = api.create_destination(CreateDestinationRequest(name=name, resource_specification=spec))
                destination_id = created.payload.destination_id if created.payload else None
            except SpApiError as exc:
                if exc.status != CONFLICT:
                    raise
                destination_id = self._find_destination(api)  # created concurrently by another run
        if destination_id is None:
            raise SubscriptionError("Amazon created no destination for the notifications queue")
        self.records.record_destination(region, self.queue_arn, destination_id)
        return destination_id

    def _find_destination(self, api: NotificationsApi) -> str | None:
        for destination in api.get_destinations().payload:
            if destination.resource.sqs is not None and destination.resource.sqs.arn == self.queue_arn:
                return destination.destination_id
        return None

    def _subscribe(
        self, connection: Connection, api: NotificationsApi, destination_id: str
    ) -> tuple[Subscription, str]:
        kind = self.notification_type
        body = CreateSubscriptionRequest(
            payload_version=self.payload_version,
            destination_id=destination_id,
            processing_directive=self.directive(connection),
        )
        try:
            return _payload(api.create_subscription(kind, body).payload), "subscribed"
        except SpApiError as exc:
            if exc.status != CONFLICT:
                raise
        existing = _payload(api.get_subscription(kind, self.payload_version).payload)
        if existing.destination_id == destination_id:
            return existing, "adopted"
        api.delete_subscription_by_id(kind, existing.subscription_id)
        return _payload(api.create_subscription(kind, body).payload), "subscribed"


def _payload(subscription: Subscription | None) -> Subscription:
    if subscription is None:
        raise SubscriptionError("Amazon answered without a subscription")
    return subscription
