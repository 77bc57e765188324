"""Orders API v0 confirmShipment: one package per call; re-sending a packageReferenceId edits that package."""

import functools
from pathlib import Path
from typing import Any

from local.sandbox.api import ApiError, ApiResponse, Ctx, operation
from local.sandbox.clock import iso, parse_time
from local.sandbox.entities import CANCELLED, PARTIALLY_SHIPPED, PENDING, SHIPPED, Order, Package
from local.sandbox.notify import STATUS_CHANGE, order_changed

CARRIER_CODES_FILE = Path(__file__).parent.parent / "data" / "carrier_codes.txt"


@functools.cache
def carrier_codes() -> frozenset[str]:
    """Amazon's CarrierCode values (exact spelling and case)."""
    lines = CARRIER_CODES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


@operation("ordersV0", "confirmShipment")
def confirm_shipment(ctx: Ctx) -> ApiResponse:
    """Records a package, recomputes shipped quantities and the order status; 204 on success."""
    seller = ctx.require_seller()
    order = seller.orders.get(ctx.params["orderId"])
    if order is None:
        raise ApiError(404, "NotFound", f"Order {ctx.params['orderId']} not found.")
    body = ctx.body
    detail = body["packageDetail"]
    _check_order(order, body["marketplaceId"])
    _check_carrier(detail)
    package = _package(order, detail, ctx.now)
    _check_quantities(order, package)
    order.packages = [p for p in order.packages if p.package_reference_id != package.package_reference_id]
    order.packages.append(package)
    before = order.status
    _apply_packages(order)
    ctx.sandbox.state.shipment_log.append(_log_entry(order, package))
    if order.status != before:
        order_changed(ctx.sandbox, order, STATUS_CHANGE, ctx.now)
    else:
        order.last_updated = ctx.now
    return ApiResponse(204)


def _check_order(order: Order, marketplace_id: str) -> None:
    if marketplace_id != order.marketplace_id:
        raise ApiError(400, "InvalidInput", f"Invalid marketplaceId {marketplace_id} for order {order.order_id}.")
    if not order.is_mfn:
        raise ApiError(400, "InvalidInput", "Shipment confirmation is only possible for seller-fulfilled orders.")
    if order.status in (PENDING, CANCELLED):
        raise ApiError(400, "InvalidInput", f"Order {order.order_id} is {order.status} and cannot be shipped.")


def _check_carrier(detail: dict[str, Any]) -> None:
    code = detail["carrierCode"]
    # Amazon checks codes against its CarrierCode list; unknown ones leave orders unconfirmed (REFERENCE.md 6).
    if code not in carrier_codes():
        raise ApiError(400, "InvalidInput", f"Invalid carrierCode '{code}': use a CarrierCode value or 'Other'.")
    if code == "Other" and not detail.get("carrierName"):
        raise ApiError(400, "InvalidInput", "carrierName is required when carrierCode is 'Other'.")
    if not str(detail["trackingNumber"]).strip():
        raise ApiError(400, "InvalidInput", "trackingNumber must not be empty.")


def _package(order: Order, detail: dict[str, Any], now: float) -> Package:
    try:
        ship_date = iso(parse_time(detail["shipDate"]))
    except ValueError as exc:
        raise ApiError(400, "InvalidInput", "Invalid shipDate.") from exc
    items = [(str(i["orderItemId"]), int(i["quantity"])) for i in detail["orderItems"]]
    return Package(
        package_reference_id=str(detail["packageReferenceId"]),
        carrier_code=detail["carrierCode"],
        carrier_name=detail.get("carrierName"),
        tracking_number=str(detail["trackingNumber"]),
        ship_date=ship_date,
        shipping_method=detail.get("shippingMethod"),
        items=items,
        confirmed_at=now,
        marketplace_id=order.marketplace_id,
    )


def _check_quantities(order: Order, package: Package) -> None:
    if not package.items:
        raise ApiError(400, "InvalidInput", "packageDetail.orderItems must not be empty.")
    others = [p for p in order.packages if p.package_reference_id != package.package_reference_id]
    for item_id, quantity in package.items:
        item = order.item(item_id)
        if item is None:
            raise ApiError(400, "InvalidInput", f"Invalid orderItemId {item_id}.")
        shipped_elsewhere = sum(q for p in others for i, q in p.items if i == item_id)
        if quantity < 1 or quantity + shipped_elsewhere > item.quantity:
            raise ApiError(400, "InvalidInput", f"Invalid quantity {quantity} for orderItemId {item_id}.")


def _apply_packages(order: Order) -> None:
    for item in order.items:
        item.quantity_shipped = sum(q for p in order.packages for i, q in p.items if i == item.order_item_id)
    shipped = all(item.quantity_shipped >= item.quantity for item in order.items)
    order.status = SHIPPED if shipped else PARTIALLY_SHIPPED


def _log_entry(order: Order, package: Package) -> dict[str, Any]:
    return {
        "sellerId": order.seller_id,
        "orderId": order.order_id,
        "marketplaceId": order.marketplace_id,
        "packageReferenceId": package.package_reference_id,
        "carrierCode": package.carrier_code,
        "carrierName": package.carrier_name,
        "trackingNumber": package.tracking_number,
        "shipDate": package.ship_date,
        "shippingMethod": package.shipping_method,
        "items": [{"orderItemId": i, "quantity": q} for i, q in package.items],
        "confirmedAt": iso(package.confirmed_at),
        "orderStatus": order.status,
    }
