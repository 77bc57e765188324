"""Orders v2026-01-01 rendering: the basic order always, each includedData set only when asked for.

Mapping of includedData to fields follows Amazon's tutorial "Get orders with filtering criteria": FULFILLMENT ->
order.fulfillment + items' fulfillment, PROCEEDS -> proceeds, CANCELLATION -> items' cancellation, PACKAGES ->
packages, BUYER -> buyer, RECIPIENT -> recipient. Other sets (EXPENSE, TAX...) are accepted and left out.
"""

from decimal import Decimal
from typing import Any

from local.sandbox.clock import iso
from local.sandbox.entities import CANCELLED, Order, OrderItem, Package
from local.sandbox.marketplaces import marketplace

# Amazon returns the buyer email for MFN orders in these states only (REFERENCE.md 5, PII).
EMAIL_STATUSES = ("UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED")


def order_json(order: Order, included: set[str]) -> dict[str, Any]:
    """One order as searchOrders and getOrder return it."""
    body: dict[str, Any] = {
        "orderId": order.order_id,
        "createdTime": iso(order.created),
        "lastUpdatedTime": iso(order.last_updated),
        "programs": list(order.programs),
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": order.marketplace_id,
            "marketplaceName": marketplace(order.marketplace_id).name,
        },
        "orderItems": [_item(order, item, included) for item in order.items],
    }
    if "BUYER" in included:
        body["buyer"] = _buyer(order)
    if "RECIPIENT" in included and order.is_mfn:
        body["recipient"] = {"deliveryAddress": _address(order)}
    if "PROCEEDS" in included and order.status != "PENDING":
        body["proceeds"] = {"grandTotal": _money(_total(order), order.currency)}
    if "FULFILLMENT" in included:
        body["fulfillment"] = _fulfillment(order)
    if "PACKAGES" in included and order.is_mfn and order.packages:
        # Packages are FBM-only (OrderPackage's description); FBA shipments are Amazon's own.
        body["packages"] = [_package(p) for p in order.packages]
    return body


def _item(order: Order, item: OrderItem, included: set[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "orderItemId": item.order_item_id,
        "quantityOrdered": item.quantity,
        "product": {
            "asin": item.asin,
            "title": item.title,
            "sellerSku": item.sku,
            "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
            "price": {"unitPrice": _money(item.unit_price, order.currency)},
        },
    }
    if "PROCEEDS" in included and order.status != "PENDING":
        subtotal = _money(str(Decimal(item.unit_price) * item.quantity), order.currency)
        body["proceeds"] = {"proceedsTotal": subtotal, "breakdowns": [{"type": "ITEM", "subtotal": subtotal}]}
    if "FULFILLMENT" in included:
        body["fulfillment"] = {
            "quantityFulfilled": item.quantity_shipped,
            "quantityUnfulfilled": 0 if order.status == CANCELLED else item.quantity - item.quantity_shipped,
        }
    if "CANCELLATION" in included:
        cancellation = _cancellation(order, item)
        if cancellation:
            body["cancellation"] = cancellation
    return body


def _cancellation(order: Order, item: OrderItem) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if item.buyer_cancel_reason:
        found["cancellationRequest"] = {"requester": "BUYER", "cancelReason": item.buyer_cancel_reason}
    if order.status == CANCELLED:
        found["cancellationExecution"] = {
            "cancelledBy": order.cancelled_by or "MERCHANT",
            "cancelReason": order.cancel_reason or "",
        }
    return found


def _buyer(order: Order) -> dict[str, Any]:
    buyer: dict[str, Any] = {"buyerName": order.buyer_name}
    if order.is_mfn and order.status in EMAIL_STATUSES:
        buyer["buyerEmail"] = order.buyer_email
    if order.buyer_company:
        buyer["buyerCompanyName"] = order.buyer_company
    return buyer


def _address(order: Order) -> dict[str, Any]:
    address = order.address
    found = {
        "name": address.name,
        "addressLine1": address.line1,
        "city": address.city,
        "postalCode": address.postal_code,
        "countryCode": address.country_code,
        "addressType": "COMMERCIAL" if order.buyer_company else "RESIDENTIAL",
    }
    if address.state_or_region:
        found["stateOrRegion"] = address.state_or_region
    if address.phone:
        found["phone"] = address.phone
    return found


def _fulfillment(order: Order) -> dict[str, Any]:
    found: dict[str, Any] = {
        "fulfillmentStatus": order.status,
        "fulfilledBy": order.fulfilled_by,
        "fulfillmentServiceLevel": order.service_level.upper(),
    }
    if order.is_mfn:
        found["shipByWindow"] = {"earliestDateTime": iso(order.ship_by[0]), "latestDateTime": iso(order.ship_by[1])}
        found["deliverByWindow"] = {
            "earliestDateTime": iso(order.deliver_by[0]),
            "latestDateTime": iso(order.deliver_by[1]),
        }
    return found


def _package(package: Package) -> dict[str, Any]:
    # `carrier` is the code Amazon accepted, or the carrierName that came with "Other"; detailedStatus is left out,
    # as it is missing in practice (selling-partner-api-models #5127).
    found: dict[str, Any] = {
        "packageReferenceId": package.package_reference_id,
        "createdTime": iso(package.confirmed_at),
        "packageStatus": {"status": "SHIPPED"},
        "carrier": package.carrier_name
        if package.carrier_code == "Other" and package.carrier_name
        else package.carrier_code,
        "shipTime": package.ship_date,
        "trackingNumber": package.tracking_number,
        "packageItems": [{"orderItemId": item_id, "quantity": quantity} for item_id, quantity in package.items],
    }
    if package.shipping_method:
        found["shippingService"] = package.shipping_method
    return found


def _total(order: Order) -> str:
    return str(sum((Decimal(i.unit_price) * i.quantity for i in order.items), Decimal("0")))


def _money(amount: str, currency: str) -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}
