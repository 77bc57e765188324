"""JSON views of sandbox entities for the inspection API (camelCase, sandbox times as ISO strings)."""

from typing import Any

from local.sandbox.clock import iso
from local.sandbox.entities import Listing, Order, Package, Seller
from local.sandbox.records import Acknowledgement, Delivery, Feed


def seller_view(seller: Seller, authorized: bool) -> dict[str, Any]:
    """A seller and whether it currently has a live authorization."""
    return {
        "sellingPartnerId": seller.selling_partner_id,
        "storeName": seller.store_name,
        "region": seller.region,
        "marketplaceIds": seller.marketplace_ids,
        "authorized": authorized,
        "listings": len(seller.listings),
        "orders": len(seller.orders),
    }


def listing_rows(listing: Listing, marketplace_id: str | None) -> list[dict[str, Any]]:
    """One row per marketplace offer: quantity, price, floor and handling time."""
    return [
        {
            "sku": listing.sku,
            "asin": listing.asin,
            "marketplaceId": offer.marketplace_id,
            "parentSku": listing.parent_sku,
            "isParent": listing.is_parent,
            "fulfillmentChannel": listing.fulfillment_channel,
            "quantity": offer.quantity,
            "handlingDays": offer.handling_days,
            "price": offer.price,
            "minimumPrice": offer.minimum_price,
            "currency": offer.currency,
            "lastUpdated": iso(listing.updated),
        }
        for offer in listing.offers.values()
        if marketplace_id is None or offer.marketplace_id == marketplace_id
    ]


def order_view(order: Order) -> dict[str, Any]:
    """An order with its lines and shipment packages."""
    return {
        "orderId": order.order_id,
        "sellerId": order.seller_id,
        "marketplaceId": order.marketplace_id,
        "status": order.status,
        "fulfilledBy": order.fulfilled_by,
        "programs": order.programs,
        "created": iso(order.created),
        "lastUpdated": iso(order.last_updated),
        "items": [
            {
                "orderItemId": item.order_item_id,
                "sku": item.sku,
                "quantity": item.quantity,
                "quantityShipped": item.quantity_shipped,
                "buyerCancelReason": item.buyer_cancel_reason,
            }
            for item in order.items
        ],
        "packages": [package_view(p) for p in order.packages],
        "cancelledBy": order.cancelled_by,
        "cancelReason": order.cancel_reason,
        "merchantOrderId": order.merchant_order_id,
    }


def package_view(package: Package) -> dict[str, Any]:
    """A package as Amazon holds it after confirmShipment (created on the first call, updated by edits)."""
    return {
        "packageReferenceId": package.package_reference_id,
        "carrierCode": package.carrier_code,
        "carrierName": package.carrier_name,
        "shippingMethod": package.shipping_method,
        "trackingNumber": package.tracking_number,
        "shipDate": package.ship_date,
        "created": iso(package.confirmed_at),
        "updated": iso(package.updated_at) if package.updated_at is not None else None,
        "items": [{"orderItemId": i, "quantity": q} for i, q in package.items],
    }


def feed_view(feed: Feed) -> dict[str, Any]:
    """A feed's progress and the message counts of its processing report."""
    return {
        "feedId": feed.feed_id,
        "feedType": feed.feed_type,
        "marketplaceIds": feed.marketplace_ids,
        "status": feed.status,
        "created": iso(feed.created),
        "resultFeedDocumentId": feed.result_document_id,
        "summary": feed.summary,
    }


def acknowledgement_view(ack: Acknowledgement) -> dict[str, Any]:
    """One order acknowledgement from an order feed."""
    return {
        "feedId": ack.feed_id,
        "orderId": ack.order_id,
        "statusCode": ack.status_code,
        "cancelReasons": ack.cancel_reasons,
        "applied": ack.applied,
        "message": ack.message,
        "messageId": ack.message_id,
        "merchantOrderId": ack.merchant_order_id,
        "resultCode": ack.result_code,
        "resultMessageCode": ack.result_message_code,
        "cancelled": ack.cancelled,
        "at": iso(ack.at),
    }


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    """A notification delivery and its state."""
    return {
        "notificationId": delivery.notification_id,
        "notificationType": delivery.notification_type,
        "sellerId": delivery.seller_id,
        "subject": delivery.subject,
        "queueArn": delivery.queue_arn,
        "due": iso(delivery.due),
        "status": delivery.status,
        "error": delivery.error,
    }
