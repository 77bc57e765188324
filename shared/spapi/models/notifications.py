"""Notifications API v1: destinations (grantless) and subscriptions (seller token)."""

from typing import Literal, Self

from pydantic import Field, model_validator

from shared.spapi.models.base import Error, SpApiModel


class SqsResource(SpApiModel):
    """An SQS queue Amazon delivers to."""

    arn: str = Field(pattern=r"^arn:aws:sqs:\S+:\S+:\S+", max_length=1000)


class EventBridgeResourceSpecification(SpApiModel):
    """An EventBridge partner source to create."""

    region: str
    account_id: str


class DestinationResourceSpecification(SpApiModel):
    """Exactly one of sqs or eventBridge."""

    sqs: SqsResource | None = None
    event_bridge: EventBridgeResourceSpecification | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.sqs is None) == (self.event_bridge is None):
            raise ValueError("give exactly one of sqs or event_bridge")
        return self


class CreateDestinationRequest(SpApiModel):
    """Body of createDestination."""

    name: str = Field(max_length=256)
    resource_specification: DestinationResourceSpecification


class EventBridgeResource(SpApiModel):
    """The partner event source Amazon created."""

    name: str
    region: str
    account_id: str


class DestinationResource(SpApiModel):
    """Where a destination delivers."""

    sqs: SqsResource | None = None
    event_bridge: EventBridgeResource | None = None


class Destination(SpApiModel):
    """A notification destination."""

    destination_id: str
    name: str
    resource: DestinationResource


class CreateDestinationResponse(SpApiModel):
    """createDestination's answer."""

    payload: Destination | None = None
    errors: list[Error] = []


class GetDestinationsResponse(SpApiModel):
    """getDestinations' answer: every destination of the application (in this region)."""

    payload: list[Destination] = []
    errors: list[Error] = []


class EventFilter(SpApiModel):
    """Which events of a notification type to deliver."""

    event_filter_type: Literal["ANY_OFFER_CHANGED", "ORDER_CHANGE", "SHIPMENT_TRACKING_MILESTONE_CHANGED"]
    marketplace_ids: list[str] | None = None
    order_change_types: list[Literal["BuyerRequestedChange", "DeliveryTipChange", "OrderStatusChange"]] | None = None


class ProcessingDirective(SpApiModel):
    """Filters applied before delivery."""

    event_filter: EventFilter | None = None


class CreateSubscriptionRequest(SpApiModel):
    """Body of createSubscription."""

    payload_version: str
    destination_id: str
    processing_directive: ProcessingDirective | None = None


class Subscription(SpApiModel):
    """A subscription of a seller to a notification type."""

    subscription_id: str
    payload_version: str
    destination_id: str


class CreateSubscriptionResponse(SpApiModel):
    """createSubscription's answer."""

    payload: Subscription | None = None
    errors: list[Error] = []


class GetSubscriptionResponse(SpApiModel):
    """getSubscription's answer."""

    payload: Subscription | None = None
    errors: list[Error] = []


class DeleteSubscriptionByIdResponse(SpApiModel):
    """deleteSubscriptionById's answer (empty on success)."""

    errors: list[Error] = []
