"""What a stored order allows a seller-initiated cancellation (shared/shipments/cancellations.py asks): pure checks.

Amazon must not be sent: a cancellation after any item shipped (it refunds the whole order), one naming only some
items (partial cancellation is unsupported), one for an order Amazon fulfils or that is not unshipped, or
BuyerCanceled when the buyer did not ask (it counts against the seller).
"""

from enum import StrEnum

from shared.models.orders import CANCELLED, MERCHANT, ImportedOrder
from shared.models.shipments import CancelReason, OrderCancellationRequested

SHIPPED_STATUSES = frozenset({"SHIPPED", "PARTIALLY_SHIPPED"})


class RefusalCode(StrEnum):
    """Why a cancellation request was refused before anything went to Amazon."""

    NOT_IMPORTED = "not_imported"
    NOT_MERCHANT_FULFILLED = "not_merchant_fulfilled"
    ALREADY_CANCELLED = "already_cancelled"
    ALREADY_REQUESTED = "already_requested"
    NOT_CANCELLABLE = "not_cancellable"
    SHIPPED = "shipped"
    PACKAGE_ACTIVE = "package_active"
    UNKNOWN_ITEMS = "unknown_items"
    PARTIAL = "partial"
    BUYER_DID_NOT_ASK = "buyer_did_not_ask"


PACKAGE_ACTIVE = "a package is pending or sent for this order (cancel only once Amazon has rejected it)"
BUYER_DID_NOT_ASK = (
    "the buyer has not asked to cancel, and BuyerCanceled would count against the seller: use another reason "
    "(e.g. NoInventory)"
)


def items_problem(event: OrderCancellationRequested, order: ImportedOrder) -> tuple[RefusalCode, str] | None:
    """Items named that the order does not have, or not all of its items (Amazon cancels whole orders only)."""
    if event.items is None:
        return None
    names = set(event.items)
    known = {line.order_item_id for line in order.items} | {line.sku for line in order.items if line.sku}
    if names - known:
        return RefusalCode.UNKNOWN_ITEMS, f"not items of the order: {', '.join(sorted(names - known))}"
    if len({line.order_item_id for line in order.items if names & {line.order_item_id, line.sku}}) < len(order.items):
        return RefusalCode.PARTIAL, "Amazon does not support partial cancellation: name every item, or none"
    return None


def order_problem(event: OrderCancellationRequested, order: ImportedOrder) -> tuple[RefusalCode, str] | None:
    """Why the stored order cannot be cancelled as asked, or None."""
    if order.fulfilled_by != MERCHANT:
        return RefusalCode.NOT_MERCHANT_FULFILLED, f"the order is fulfilled by {order.fulfilled_by or 'unknown'}"
    if order.status == CANCELLED:
        return RefusalCode.ALREADY_CANCELLED, "the order is already cancelled at Amazon"
    if order.status in SHIPPED_STATUSES or any(line.quantity_shipped > 0 for line in order.items):
        return RefusalCode.SHIPPED, "an item has shipped: a cancellation now would refund the whole order"
    if order.status != "UNSHIPPED" or not order.items:
        return RefusalCode.NOT_CANCELLABLE, f"only unshipped orders can be cancelled (the order is {order.status})"
    if event.reason == CancelReason.BUYER_CANCELED and not order.buyer_cancellation_requested:
        return RefusalCode.BUYER_DID_NOT_ASK, BUYER_DID_NOT_ASK
    return None
