"""Notifications out of the sandbox: ORDER_CHANGE payloads, subscription filters, deliveries with faults applied.

An SQS destination gets the envelope as the message body; an EventBridge destination (the listings notifications
types) gets it as the `detail` of an event put on its partner event source (`partner_source_name`), `detail-type` the
notification type, as Amazon delivers them.
"""

import json
from typing import TYPE_CHECKING, Any

from jsonschema import Draft7Validator

from local.sandbox.clock import iso, iso_millis
from local.sandbox.entities import Order
from local.sandbox.records import Delivery, Subscription
from local.sandbox.specs import load_schema
from local.sandbox.validation import ResponseValidationError

if TYPE_CHECKING:
    from local.sandbox.world import Sandbox

ORDER_CHANGE = "ORDER_CHANGE"
STATUS_CHANGE = "OrderStatusChange"
BUYER_REQUESTED_CHANGE = "BuyerRequestedChange"
V0_STATUS = {
    "PENDING": "Pending",
    "UNSHIPPED": "Unshipped",
    "PARTIALLY_SHIPPED": "PartiallyShipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Canceled",
}
ORDER_PROGRAMS = {"PRIME": "Prime", "AMAZON_BUSINESS": "Business", "PREMIUM": "Premium"}
FEED_PROCESSING_FINISHED = "FEED_PROCESSING_FINISHED"
CAMEL_CASE_TYPES = {FEED_PROCESSING_FINISHED, "REPORT_PROCESSING_FINISHED"}
LISTINGS_ITEM_STATUS_CHANGE = "LISTINGS_ITEM_STATUS_CHANGE"
LISTINGS_ITEM_ISSUES_CHANGE = "LISTINGS_ITEM_ISSUES_CHANGE"
LISTINGS_ITEM_MFN_QUANTITY_CHANGE = "LISTINGS_ITEM_MFN_QUANTITY_CHANGE"
# Delivered through EventBridge destinations only (an SQS subscription to them is refused, as Amazon refuses it).
EVENT_BRIDGE_TYPES = frozenset(
    {LISTINGS_ITEM_STATUS_CHANGE, LISTINGS_ITEM_ISSUES_CHANGE, LISTINGS_ITEM_MFN_QUANTITY_CHANGE}
)
# The status schema's enum spells its type `..._CHANGED` (the example and the subscriptions do not): not checked.
SCHEMAS = {
    ORDER_CHANGE: "notifications/OrderChangeNotification.json",
    FEED_PROCESSING_FINISHED: "notifications/FeedProcessingFinishedNotification.json",
    LISTINGS_ITEM_ISSUES_CHANGE: "notifications/ListingsItemIssuesChangeNotification_2023-12-13.json",
    LISTINGS_ITEM_MFN_QUANTITY_CHANGE: "notifications/ListingsItemMfnQuantityChange.json",
}
CHANGE_REASONS = {STATUS_CHANGE: "Order Status Change", BUYER_REQUESTED_CHANGE: "Buyer Requested Cancel"}


def order_changed(sandbox: "Sandbox", order: Order, change_type: str, at: float) -> None:
    """Stamps the order as updated at `at` and queues ORDER_CHANGE for every matching subscription."""
    order.last_updated = max(order.last_updated, at)
    state = sandbox.state
    for subscription in list(state.subscriptions.values()):
        if subscription.seller_id != order.seller_id or subscription.notification_type != ORDER_CHANGE:
            continue
        if _matches(subscription, order, change_type):
            payload = {"OrderChangeNotification": order_change_payload(order, change_type, at)}
            enqueue(sandbox, subscription, payload, at, subject=order.order_id)


def notify_seller(
    sandbox: "Sandbox", seller_id: str, notification_type: str, payload: dict[str, Any], at: float
) -> None:
    """Queues a notification of any type for every subscription of the seller to that type."""
    for subscription in list(sandbox.state.subscriptions.values()):
        if subscription.seller_id == seller_id and subscription.notification_type == notification_type:
            enqueue(sandbox, subscription, payload, at, subject=notification_type)


def order_change_payload(order: Order, change_type: str, at: float) -> dict[str, Any]:
    """The Payload.OrderChangeNotification object (no buyer PII, as Amazon sends it)."""
    shipped = sum(i.quantity_shipped for i in order.items)
    return {
        "NotificationLevel": "OrderLevel",
        "SellerId": order.seller_id,
        "AmazonOrderId": order.order_id,
        "OrderChangeType": change_type,
        "OrderChangeTrigger": {"TimeOfOrderChange": iso_millis(at), "ChangeReason": CHANGE_REASONS[change_type]},
        "Summary": {
            "MarketplaceId": order.marketplace_id,
            "OrderStatus": V0_STATUS[order.status],
            "PurchaseDate": iso_millis(order.created),
            "DestinationPostalCode": order.address.postal_code,
            "FulfillmentType": "MFN" if order.is_mfn else "AFN",
            "OrderType": "StandardOrder",
            "NumberOfItemsShipped": shipped,
            "NumberOfItemsUnshipped": 0
            if order.status == "CANCELLED"
            else sum(i.quantity for i in order.items) - shipped,
            "EarliestShipDate": iso(order.ship_by[0]),
            "LatestShipDate": iso(order.ship_by[1]),
            "EarliestDeliveryDate": iso(order.deliver_by[0]),
            "LatestDeliveryDate": iso(order.deliver_by[1]),
            "OrderPrograms": [ORDER_PROGRAMS[p] for p in order.programs if p in ORDER_PROGRAMS],
            "ShippingPrograms": [],
            "OrderItems": [
                {
                    "OrderItemId": item.order_item_id,
                    "SellerSKU": item.sku,
                    "SupplySourceId": None,
                    "OrderItemStatus": "Shipped" if item.quantity_shipped >= item.quantity else "Unshipped",
                    "Quantity": item.quantity,
                    "QuantityShipped": item.quantity_shipped,
                    "IsBuyerRequestedCancel": item.buyer_cancel_reason is not None,
                }
                for item in order.items
            ],
        },
    }


def enqueue(sandbox: "Sandbox", subscription: Subscription, payload: dict[str, Any], at: float, subject: str) -> None:
    """Wraps a payload in the notification envelope and queues its delivery (duplicated or late per faults)."""
    state = sandbox.state
    destination = state.destinations.get(subscription.destination_id)
    if destination is None or (destination.sqs_arn is None and destination.event_bridge is None):
        return
    notification_id = state.ids.uuid()
    envelope = _envelope(sandbox, subscription, payload, at, notification_id)
    if sandbox.config.validate_responses:
        _check_envelope(subscription.notification_type, envelope)
    plan = sandbox.faults.delivery_plan()
    body = json.dumps(envelope)
    bridge = destination.event_bridge
    source = partner_source_name(bridge["accountId"], sandbox.config.application_id) if bridge else None
    for _ in range(plan.copies):
        # A duplicate is the same notification twice (same NotificationId), as SQS at-least-once delivery gives.
        state.deliveries.append(
            Delivery(
                notification_id=notification_id,
                destination_id=destination.destination_id,
                queue_arn=destination.sqs_arn or "",
                body=body,
                due=at + plan.delay,
                seller_id=subscription.seller_id,
                notification_type=subscription.notification_type,
                subject=subject,
                event_source=source,
                event_region=bridge["region"] if bridge else None,
            )
        )


def partner_source_name(account_id: str, application_id: str) -> str:
    """The partner event source an EventBridge destination delivers to: per AWS account and application, so one
    account's stack finds it by name (the stack's `sellersync:listingsEventSource` context)."""
    return f"aws.partner/sellingpartnerapi.amazon/{account_id}/{application_id}"


def _envelope(
    sandbox: "Sandbox", subscription: Subscription, payload: dict[str, Any], at: float, notification_id: str
) -> dict[str, Any]:
    envelope = {
        "NotificationVersion": "1.0",
        "NotificationType": subscription.notification_type,
        "PayloadVersion": subscription.payload_version,
        "EventTime": iso_millis(at),
        "Payload": payload,
        "NotificationMetadata": {
            "ApplicationId": sandbox.config.application_id,
            "SubscriptionId": subscription.subscription_id,
            "PublishTime": iso_millis(at),
            "NotificationId": notification_id,
        },
    }
    if subscription.notification_type not in CAMEL_CASE_TYPES:
        return envelope
    # The feed and report notifications spell their envelope in camelCase (their schemas say so).
    return _camel(envelope)


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: v if key == "Payload" else _camel(v) for key, v in value.items()}
    return value


def _matches(subscription: Subscription, order: Order, change_type: str) -> bool:
    event_filter = (subscription.processing_directive or {}).get("eventFilter") or {}
    marketplaces = event_filter.get("marketplaceIds")
    change_types = event_filter.get("orderChangeTypes")
    return (not marketplaces or order.marketplace_id in marketplaces) and (
        not change_types or change_type in change_types
    )


def _check_envelope(notification_type: str, envelope: dict[str, Any]) -> None:
    schema_file = SCHEMAS.get(notification_type)
    if schema_file is None:
        return
    errors = sorted(Draft7Validator(load_schema(schema_file)).iter_errors(envelope), key=str)
    if errors:
        raise ResponseValidationError(f"{notification_type} notification: {errors[0].message}")
