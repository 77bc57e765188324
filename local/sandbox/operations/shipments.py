"""Orders API v0 confirmShipment as Amazon runs it in 2026: one package per call, checked, then recorded.

Rules (LISTINGS-SHIPMENTS-CANCELLATIONS.md B1/B2, REFERENCE.md 6):
- packageReferenceId is a JSON string holding a positive integer. A JSON number is refused by the model check
  ("...fields with invalid type [packageDetail.packageReferenceId]", validation.py); anything else non-numeric or <= 0
  gets "PackageReferenceId: is invalid, must be a positive numeric value".
- Re-sending a packageReferenceId edits that package (items, quantities, carrier, tracking). A *new* one on an order
  that is already fully shipped is 400 PackageToUpdateNotFound.
- carrierCode matches data/carrier_codes.txt exactly; "Other" needs carrierName. shipDate is ISO 8601.
- orderItemIds must be the order's; quantities may not exceed what the order's other packages left unshipped.
- Only seller-fulfilled orders that are UNSHIPPED or PARTIALLY_SHIPPED (or SHIPPED, for an edit) take packages.
- Every change of shipped quantities publishes ORDER_CHANGE; the status moves to PARTIALLY_SHIPPED or SHIPPED.
- The unrecorded_shipment_* faults answer a valid call 204 and record nothing (#5232: a 204 is not proof).
"""

import functools
import re
from pathlib import Path
from typing import Any

from local.sandbox.api import ApiError, ApiResponse, Ctx, operation
from local.sandbox.clock import iso, parse_time
from local.sandbox.entities import CANCELLED, PARTIALLY_SHIPPED, PENDING, SHIPPED, Order, Package
from local.sandbox.notify import STATUS_CHANGE, order_changed
from local.sandbox.world import Sandbox

CARRIER_CODES_FILE = Path(__file__).parent.parent / "data" / "carrier_codes.txt"
INVALID_REFERENCE = "PackageReferenceId: is invalid, must be a positive numeric value."
INVALID_ITEM = "OrderItemId is invalid, please obtain the value through the getOrderItems API."
PACKAGE_NOT_FOUND = "Failed to create package due to not finding a matching package or order already fulfilled"
POSITIVE_NUMBER = re.compile(r"[0-9]+")


@functools.cache
def carrier_codes() -> frozenset[str]:
    """Amazon's CarrierCode values (exact spelling and case), one per line; '#' lines are comments."""
    lines = CARRIER_CODES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


@operation("ordersV0", "confirmShipment")
def confirm_shipment(ctx: Ctx) -> ApiResponse:
    """Checks the package, then records (or, under the unrecorded fault, drops) it; 204 either way."""
    seller = ctx.require_seller()
    order = seller.orders.get(ctx.params["orderId"])
    if order is None:
        raise ApiError(404, "NotFound", f"Order {ctx.params['orderId']} not found.")
    body = ctx.body
    detail = body["packageDetail"]
    _check_marketplace(order, body["marketplaceId"])
    reference = _check_reference(detail["packageReferenceId"])
    _check_carrier(detail)
    ship_date = _check_ship_date(detail["shipDate"])
    _check_order(order, reference)
    items = _check_items(order, reference, detail["orderItems"])
    package = Package(
        package_reference_id=reference,
        carrier_code=detail["carrierCode"],
        carrier_name=detail.get("carrierName"),
        tracking_number=detail["trackingNumber"],
        ship_date=ship_date,
        shipping_method=detail.get("shippingMethod"),
        items=items,
        confirmed_at=ctx.now,
        marketplace_id=order.marketplace_id,
    )
    recorded = ctx.sandbox.faults.records_shipment(order.seller_id, order.order_id)
    edit = order.package(reference) is not None
    if recorded:
        record_package(ctx.sandbox, order, package, ctx.now)
    ctx.sandbox.state.shipment_log.append(_log_entry(order, package, ctx.now, recorded, edit))
    return ApiResponse(204)


def record_package(sandbox: Sandbox, order: Order, package: Package, now: float) -> None:
    """Adds the package, or replaces the one with its packageReferenceId (keeping its creation time and place),
    recomputes shipped quantities and status, and publishes ORDER_CHANGE when shipped quantities changed."""
    before = order.shipped_quantities()
    existing = order.package(package.package_reference_id)
    if existing is None:
        order.packages.append(package)
    else:
        package.confirmed_at, package.updated_at = existing.confirmed_at, now
        order.packages[order.packages.index(existing)] = package
    for item in order.items:
        item.quantity_shipped = sum(q for p in order.packages for i, q in p.items if i == item.order_item_id)
    shipped = all(item.quantity_shipped >= item.quantity for item in order.items)
    order.status = SHIPPED if shipped else PARTIALLY_SHIPPED
    if order.shipped_quantities() != before:
        order_changed(sandbox, order, STATUS_CHANGE, now)
    else:
        # Carrier or tracking edits change the order but not what ORDER_CHANGE reports.
        order.last_updated = max(order.last_updated, now)


def _check_marketplace(order: Order, marketplace_id: str) -> None:
    if marketplace_id != order.marketplace_id:
        raise ApiError(400, "InvalidInput", f"Invalid marketplaceId {marketplace_id} for order {order.order_id}.")


def _check_reference(reference: str) -> str:
    # The model check already refused non-strings; this is the service's own rule (jlevers #489).
    if not POSITIVE_NUMBER.fullmatch(reference) or int(reference) <= 0:
        raise ApiError(400, "InvalidInput", INVALID_REFERENCE)
    return reference


def _check_carrier(detail: dict[str, Any]) -> None:
    code = detail["carrierCode"]
    # Amazon checks codes against its CarrierCode list; unknown ones leave orders unconfirmed (REFERENCE.md 6).
    if code not in carrier_codes():
        raise ApiError(400, "InvalidInput", f"Invalid carrierCode '{code}': use a CarrierCode value or 'Other'.")
    if code == "Other" and not str(detail.get("carrierName") or "").strip():
        raise ApiError(400, "InvalidInput", "carrierName is required when carrierCode is 'Other'.")
    if not detail["trackingNumber"].strip():
        raise ApiError(400, "InvalidInput", "trackingNumber must not be empty.")


def _check_ship_date(value: str) -> str:
    try:
        return iso(parse_time(value))
    except ValueError as exc:
        raise ApiError(400, "InvalidInput", "Invalid Input", "packageDetail.shipDate must be ISO 8601.") from exc


def _check_order(order: Order, reference: str) -> None:
    if not order.is_mfn:
        raise ApiError(400, "InvalidInput", "Shipment confirmation is only possible for seller-fulfilled orders.")
    if order.status in (PENDING, CANCELLED):
        raise ApiError(400, "InvalidInput", f"Order {order.order_id} is {order.status} and cannot be shipped.")
    if order.status == SHIPPED and order.package(reference) is None:
        # Seen in production for a new packageReferenceId on a fulfilled order (selling-partner-api-models #5037).
        raise ApiError(400, "PackageToUpdateNotFound", PACKAGE_NOT_FOUND)


def _check_items(order: Order, reference: str, requested: list[dict[str, Any]]) -> list[tuple[str, int]]:
    if not requested:
        raise ApiError(400, "InvalidInput", "packageDetail.orderItems must not be empty.")
    items: list[tuple[str, int]] = []
    others = [p for p in order.packages if p.package_reference_id != reference]
    for entry in requested:
        item_id, quantity = entry["orderItemId"], entry["quantity"]
        item = order.item(item_id)
        if item is None:
            raise ApiError(400, "InvalidInput", INVALID_ITEM, f"orderItemId {item_id}")
        if any(known == item_id for known, _ in items):
            raise ApiError(400, "InvalidInput", f"orderItemId {item_id} is listed twice in one package.")
        if quantity < 1:
            raise ApiError(400, "InvalidInput", f"Invalid quantity {quantity} for orderItemId {item_id}.")
        remaining = item.quantity - sum(q for p in others for i, q in p.items if i == item_id)
        if quantity > remaining:
            raise ApiError(
                400,
                "InvalidInput",
                f"Invalid quantity {quantity} for orderItemId {item_id}: only {remaining} unit(s) left to ship.",
            )
        items.append((item_id, quantity))
    return items


def _log_entry(order: Order, package: Package, at: float, recorded: bool, edit: bool) -> dict[str, Any]:
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
        "confirmedAt": iso(at),
        "orderStatus": order.status,
        "recorded": recorded,
        "edit": edit,
    }
