"""POST_ORDER_ACKNOWLEDGEMENT_DATA (XML): StatusCode=Failure cancels an order, Success only acknowledges it.

The document is checked against the XSDs' structure first (ack_schema.py): a broken one ends FATAL with a 5000/5001
result and nothing applied. Each message is then taken on its own; a refused message is a Result in the processing
report (ack_report.py) and changes nothing. The sandbox's ResultMessageCodes (stable; Amazon's own numbers for these
cases are not published, these follow the 18xxx range of its order-feed codes):

| code  | kind    | when |
|-------|---------|------|
| 18028 | Error   | the AmazonOrderID is unknown, or belongs to another seller |
| 18029 | Error   | a CancelReason is not one of the 10 XSD values |
| 18030 | Error   | an AmazonOrderItemCode is not an item of that order |
| 18031 | Error   | Failure on a SHIPPED or PARTIALLY_SHIPPED order: cannot be cancelled after shipment |
| 18032 | Error   | the MessageID was already used earlier in the same document |
| 18033 | Error   | Failure on an Amazon-fulfilled (AFN) order |
| 18034 | Error   | Failure on a PENDING order (only Unshipped orders can be cancelled) |
| 18035 | Error   | Failure without any Item (Amazon needs the items listed for a cancel to take) |
| 18036 | Warning | Failure on an order that is already CANCELLED: nothing changes (a redelivered cancel is harmless) |

Partial cancellation is unsupported upstream (the pruned cancelOrder text: "partial cancellations are not supported
across our interfaces"), so a Failure naming only some of an order's items cancels the whole order, as the
MWS-era documentation describes Failure; the record keeps which items were named.
"""

from typing import TYPE_CHECKING

from local.sandbox.ack_report import ERROR, WARNING, MessageResult, processing_report, summarize
from local.sandbox.ack_schema import AckMessage, DocumentRejected, parse_acknowledgements
from local.sandbox.entities import CANCELLED, PARTIALLY_SHIPPED, PENDING, SHIPPED, Order, Seller
from local.sandbox.notify import STATUS_CHANGE, order_changed
from local.sandbox.records import Acknowledgement, Feed

if TYPE_CHECKING:
    from local.sandbox.world import Sandbox

CANCEL_REASONS = frozenset(
    {
        "NoInventory",
        "ShippingAddressUndeliverable",
        "CustomerExchange",
        "BuyerCanceled",
        "GeneralAdjustment",
        "CarrierCreditDecision",
        "RiskAssessmentInformationNotValid",
        "CarrierCoverageFailure",
        "CustomerReturn",
        "MerchandiseNotReceived",
    }
)
DEFAULT_CANCEL_REASON = "GeneralAdjustment"
ORDER_NOT_FOUND = "18028"
INVALID_CANCEL_REASON = "18029"
ITEM_NOT_IN_ORDER = "18030"
ALREADY_SHIPPED = "18031"
DUPLICATE_MESSAGE_ID = "18032"
NOT_MERCHANT_FULFILLED = "18033"
ORDER_PENDING = "18034"
NO_ITEMS = "18035"
ALREADY_CANCELLED = "18036"
XML = "text/xml"


def process_order_acknowledgements(sandbox: "Sandbox", feed: Feed, content: bytes) -> tuple[str, bytes, str]:
    """Applies each OrderAcknowledgement message; returns (status, XML processing report, content type)."""
    seller = sandbox.state.sellers[feed.seller_id]
    try:
        document = parse_acknowledgements(content)
    except DocumentRejected as exc:
        rejected = [MessageResult("0", ERROR, exc.code, exc.description)]
        feed.summary = {"messagesProcessed": 0, "messagesWithError": 1}
        return "FATAL", processing_report(feed.seller_id, feed.feed_id, summarize(0, []), rejected), XML
    at = feed.ended if feed.ended is not None else sandbox.now()
    results: list[MessageResult] = []
    seen: set[str] = set()
    for message in document.messages:
        found = _refusal(seller, message, seen)
        seen.add(message.message_id)
        order = seller.orders.get(message.amazon_order_id)
        cancels = found is None and message.status_code == "Failure" and order is not None
        if found is None and order is not None and message.merchant_order_id:
            order.merchant_order_id = message.merchant_order_id
        if cancels and order is not None:
            _cancel(sandbox, order, message, at)
        if found is not None:
            results.append(found)
        sandbox.state.acknowledgements.append(_record(feed, message, found, cancels, at))
    summary = summarize(len(document.messages), results)
    feed.summary = {
        "messagesProcessed": summary.processed,
        "messagesSuccessful": summary.successful,
        "messagesWithError": summary.with_error,
        "messagesWithWarning": summary.with_warning,
    }
    return "DONE", processing_report(feed.seller_id, feed.feed_id, summary, results), XML


def _refusal(seller: Seller, message: AckMessage, seen: set[str]) -> MessageResult | None:
    """The error or warning for one message, or None when it is applied as sent."""
    order_id = message.amazon_order_id
    if message.message_id in seen:
        text = f"MessageID {message.message_id} is used more than once in this feed."
        return _result(message, DUPLICATE_MESSAGE_ID, text)
    order = seller.orders.get(order_id)
    if order is None:
        return _result(message, ORDER_NOT_FOUND, f"The order ID {order_id} was not found for this merchant.")
    bad_reasons = sorted(
        {i.cancel_reason for i in message.items if i.cancel_reason and i.cancel_reason not in CANCEL_REASONS}
    )
    if bad_reasons:
        return _result(message, INVALID_CANCEL_REASON, f"CancelReason '{bad_reasons[0]}' is not a valid value.")
    unknown = [i.amazon_order_item_code for i in message.items if order.item(i.amazon_order_item_code) is None]
    if unknown:
        text = f"AmazonOrderItemCode {unknown[0]} is not an item of order {order_id}."
        return _result(message, ITEM_NOT_IN_ORDER, text)
    return _cancel_refusal(order, message) if message.status_code == "Failure" else None


def _cancel_refusal(order: Order, message: AckMessage) -> MessageResult | None:
    order_id = order.order_id
    if not order.is_mfn:
        return _result(
            message, NOT_MERCHANT_FULFILLED, f"Order {order_id} is fulfilled by Amazon and cannot be cancelled."
        )
    if order.status == CANCELLED:
        return _result(message, ALREADY_CANCELLED, f"Order {order_id} is already cancelled.", WARNING)
    if order.status == PENDING:
        return _result(message, ORDER_PENDING, f"Order {order_id} is Pending; only Unshipped orders can be cancelled.")
    if order.status in (SHIPPED, PARTIALLY_SHIPPED) or any(i.quantity_shipped for i in order.items):
        return _result(message, ALREADY_SHIPPED, f"Order {order_id} cannot be cancelled after shipment.")
    if not message.items:
        return _result(message, NO_ITEMS, f"A cancellation of order {order_id} must list the order's items.")
    return None


def _result(message: AckMessage, code: str, text: str, kind: str = ERROR) -> MessageResult:
    return MessageResult(message.message_id, kind, code, text, message.amazon_order_id)


def _cancel(sandbox: "Sandbox", order: Order, message: AckMessage, at: float) -> None:
    """Cancels the whole order, whichever of its items the message names (partial cancellation is unsupported)."""
    order.status, order.cancelled_by = CANCELLED, "MERCHANT"
    order.cancel_reason = next((i.cancel_reason for i in message.items if i.cancel_reason), DEFAULT_CANCEL_REASON)
    order_changed(sandbox, order, STATUS_CHANGE, at)


def _record(
    feed: Feed, message: AckMessage, found: MessageResult | None, cancelled: bool, at: float
) -> Acknowledgement:
    applied = found is None or found.result_code == WARNING
    return Acknowledgement(
        feed_id=feed.feed_id,
        order_id=message.amazon_order_id,
        status_code=message.status_code,
        cancel_reasons={i.amazon_order_item_code: i.cancel_reason or "" for i in message.items},
        applied=applied,
        message=found.description if found else ("cancelled" if cancelled else "accepted"),
        seller_id=feed.seller_id,
        message_id=message.message_id,
        merchant_order_id=message.merchant_order_id,
        result_code=found.result_code if found else None,
        result_message_code=found.result_message_code if found else None,
        cancelled=cancelled,
        at=at,
    )
