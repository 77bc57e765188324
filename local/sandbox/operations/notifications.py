"""Notifications API v1: destinations (grantless) and subscriptions (created with the seller's token).

ORDER_CHANGE and FEED_PROCESSING_FINISHED are delivered to SQS destinations; the listings types (status, issues, MFN
quantity) to EventBridge destinations only, as on Amazon (local/sandbox/listing_notify.py). Other known types can be
subscribed to but stay silent.
"""

from typing import Any

from local.sandbox.api import ApiError, ApiResponse, Ctx, operation
from local.sandbox.notify import EVENT_BRIDGE_TYPES, FEED_PROCESSING_FINISHED, ORDER_CHANGE, partner_source_name
from local.sandbox.records import Destination, Subscription

MODEL = "notifications"
KNOWN_TYPES = frozenset(
    {
        ORDER_CHANGE,
        FEED_PROCESSING_FINISHED,
        "REPORT_PROCESSING_FINISHED",
        "LISTINGS_ITEM_STATUS_CHANGE",
        "LISTINGS_ITEM_ISSUES_CHANGE",
        "LISTINGS_ITEM_MFN_QUANTITY_CHANGE",
        "ANY_OFFER_CHANGED",
        "PRICING_HEALTH",
        "FBA_INVENTORY_AVAILABILITY_CHANGES",
    }
)
FILTERABLE = {ORDER_CHANGE, "ANY_OFFER_CHANGED"}


@operation(MODEL, "createDestination", grantless=True)
def create_destination(ctx: Ctx) -> ApiResponse:
    """Registers an SQS queue (or EventBridge account) to deliver notifications to."""
    spec = ctx.body["resourceSpecification"]
    sqs, event_bridge = spec.get("sqs"), spec.get("eventBridge")
    if (sqs is None) == (event_bridge is None):
        raise ApiError(400, "InvalidInput", "Exactly one of sqs and eventBridge must be specified.")
    state = ctx.sandbox.state
    arn = sqs["arn"] if sqs else None
    if arn and any(d.sqs_arn == arn for d in state.destinations.values()):
        raise ApiError(409, "Conflict", "A destination for this resource already exists.")
    if event_bridge and any(d.event_bridge == event_bridge for d in state.destinations.values()):
        raise ApiError(409, "Conflict", "A destination for this resource already exists.")
    destination = Destination(state.ids.uuid(), ctx.body["name"], arn, event_bridge)
    state.destinations[destination.destination_id] = destination
    return ApiResponse(200, {"payload": _destination_json(destination, ctx.sandbox.config.application_id)})


@operation(MODEL, "getDestinations", grantless=True)
def get_destinations(ctx: Ctx) -> ApiResponse:
    """Every destination of the application."""
    app = ctx.sandbox.config.application_id
    return ApiResponse(200, {"payload": [_destination_json(d, app) for d in ctx.sandbox.state.destinations.values()]})


@operation(MODEL, "createSubscription")
def create_subscription(ctx: Ctx) -> ApiResponse:
    """Subscribes the calling seller to a notification type at a destination."""
    seller = ctx.require_seller()
    notification_type = ctx.params["notificationType"]
    body = ctx.body
    _check_subscription(ctx, notification_type, body)
    state = ctx.sandbox.state
    if _find(ctx, seller.selling_partner_id, notification_type) is not None:
        raise ApiError(409, "Conflict", f"A subscription to {notification_type} already exists for this seller.")
    subscription = Subscription(
        subscription_id=state.ids.uuid(),
        seller_id=seller.selling_partner_id,
        notification_type=notification_type,
        payload_version=body["payloadVersion"],
        destination_id=body["destinationId"],
        processing_directive=body.get("processingDirective"),
    )
    state.subscriptions[subscription.subscription_id] = subscription
    return ApiResponse(200, {"payload": _subscription_json(subscription)})


@operation(MODEL, "getSubscription")
def get_subscription(ctx: Ctx) -> ApiResponse:
    """The calling seller's subscription to a notification type."""
    seller = ctx.require_seller()
    subscription = _find(ctx, seller.selling_partner_id, ctx.params["notificationType"])
    if subscription is None:
        raise ApiError(404, "NotFound", "The subscription was not found.")
    return ApiResponse(200, {"payload": _subscription_json(subscription)})


@operation(MODEL, "getSubscriptionById", grantless=True)
def get_subscription_by_id(ctx: Ctx) -> ApiResponse:
    """A subscription by ID (grantless)."""
    subscription = _by_id(ctx)
    return ApiResponse(200, {"payload": _subscription_json(subscription)})


@operation(MODEL, "deleteSubscriptionById", grantless=True)
def delete_subscription_by_id(ctx: Ctx) -> ApiResponse:
    """Removes a subscription (grantless, so it also works after the seller revoked the app)."""
    subscription = _by_id(ctx)
    del ctx.sandbox.state.subscriptions[subscription.subscription_id]
    return ApiResponse(200, {})


def _by_id(ctx: Ctx) -> Subscription:
    subscription = ctx.sandbox.state.subscriptions.get(ctx.params["subscriptionId"])
    if subscription is None or subscription.notification_type != ctx.params["notificationType"]:
        raise ApiError(404, "NotFound", "The subscription was not found.")
    return subscription


def _check_subscription(ctx: Ctx, notification_type: str, body: dict[str, Any]) -> None:
    if notification_type not in KNOWN_TYPES:
        raise ApiError(400, "InvalidInput", f"Invalid notificationType '{notification_type}'.")
    if notification_type == ORDER_CHANGE and body["payloadVersion"] != "1.0":
        raise ApiError(400, "InvalidInput", "ORDER_CHANGE supports payloadVersion 1.0.")
    destination = ctx.sandbox.state.destinations.get(body["destinationId"])
    if destination is None:
        raise ApiError(400, "InvalidInput", f"Invalid destinationId '{body['destinationId']}'.")
    if (notification_type in EVENT_BRIDGE_TYPES) != (destination.event_bridge is not None):
        workflow = "an EventBridge" if notification_type in EVENT_BRIDGE_TYPES else "an SQS"
        raise ApiError(400, "InvalidInput", f"{notification_type} must be delivered to {workflow} destination.")
    event_filter = (body.get("processingDirective") or {}).get("eventFilter")
    if event_filter and (notification_type not in FILTERABLE or event_filter["eventFilterType"] != notification_type):
        raise ApiError(400, "InvalidInput", f"The event filter does not apply to {notification_type}.")


def _find(ctx: Ctx, seller_id: str, notification_type: str) -> Subscription | None:
    subscriptions = ctx.sandbox.state.subscriptions.values()
    return next(
        (s for s in subscriptions if (s.seller_id, s.notification_type) == (seller_id, notification_type)), None
    )


def _destination_json(destination: Destination, application_id: str) -> dict[str, Any]:
    resource: dict[str, Any] = {}
    if destination.sqs_arn:
        resource["sqs"] = {"arn": destination.sqs_arn}
    if destination.event_bridge:
        name = partner_source_name(destination.event_bridge["accountId"], application_id)
        resource["eventBridge"] = {**destination.event_bridge, "name": name}
    return {"name": destination.name, "destinationId": destination.destination_id, "resource": resource}


def _subscription_json(subscription: Subscription) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subscriptionId": subscription.subscription_id,
        "payloadVersion": subscription.payload_version,
        "destinationId": subscription.destination_id,
    }
    if subscription.processing_directive:
        body["processingDirective"] = subscription.processing_directive
    return body
