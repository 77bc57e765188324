"""POST_ORDER_ACKNOWLEDGEMENT_DATA (XML): acknowledgements are recorded; StatusCode=Failure cancels the whole order
(never after shipment). The result is an MWS-style XML processing report.

Whether Failure with only some Items cancels just those is not documented (REFERENCE.md 7); the sandbox cancels
the order and records which items were named.
"""

from typing import TYPE_CHECKING
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from local.sandbox.entities import CANCELLED, PARTIALLY_SHIPPED, SHIPPED, Seller
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


def process_order_acknowledgements(sandbox: "Sandbox", feed: Feed, content: bytes) -> tuple[str, bytes, str]:
    """Applies each OrderAcknowledgement message; returns (status, XML processing report, content type)."""
    seller = sandbox.state.sellers[feed.seller_id]
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError as exc:
        return "FATAL", _report(feed, 0, [("0", f"XML parsing error: {exc}")]), "text/xml"
    if root.tag != "AmazonEnvelope" or root.findtext("MessageType") != "OrderAcknowledgement":
        return (
            "FATAL",
            _report(feed, 0, [("0", "Expected an AmazonEnvelope of MessageType OrderAcknowledgement.")]),
            "text/xml",
        )
    messages = root.findall("Message")
    errors = []
    for message in messages:
        message_id = message.findtext("MessageID", "0")
        problem = _acknowledge(sandbox, seller, feed, message)
        if problem:
            errors.append((message_id, problem))
    feed.summary = {"messagesProcessed": len(messages), "messagesWithError": len(errors)}
    return "DONE", _report(feed, len(messages), errors), "text/xml"


def _acknowledge(sandbox: "Sandbox", seller: Seller, feed: Feed, message: ElementTree.Element) -> str | None:
    ack = message.find("OrderAcknowledgement")
    if ack is None:
        return "Message has no OrderAcknowledgement."
    order_id, status_code = ack.findtext("AmazonOrderID", ""), ack.findtext("StatusCode", "")
    reasons = {
        item.findtext("AmazonOrderItemCode", ""): item.findtext("CancelReason", "") for item in ack.findall("Item")
    }
    order = seller.orders.get(order_id)
    problem = _problem(order_id, status_code, reasons, order is not None, order.status if order else "")
    record = Acknowledgement(feed.feed_id, order_id, status_code, reasons, problem is None, problem or "accepted")
    sandbox.state.acknowledgements.append(record)
    if problem is None and status_code == "Failure" and order is not None:
        order.status, order.cancelled_by = CANCELLED, "SELLER"
        order.cancel_reason = next((r for r in reasons.values() if r), "GeneralAdjustment")
        order_changed(sandbox, order, STATUS_CHANGE, sandbox.now())
    return problem


def _problem(order_id: str, status_code: str, reasons: dict[str, str], known: bool, status: str) -> str | None:
    if not known:
        return f"Order {order_id} was not found for this merchant."
    if status_code not in ("Success", "Failure"):
        return f"StatusCode must be Success or Failure, got '{status_code}'."
    if any(reason and reason not in CANCEL_REASONS for reason in reasons.values()):
        return "CancelReason is not a valid value."
    if status_code == "Failure" and status in (SHIPPED, PARTIALLY_SHIPPED, CANCELLED):
        return f"Order {order_id} is {status} and cannot be cancelled."
    return None


def _report(feed: Feed, processed: int, errors: list[tuple[str, str]]) -> bytes:
    results = "".join(
        f"<Result><MessageID>{escape(message_id)}</MessageID><ResultCode>Error</ResultCode>"
        f"<ResultDescription>{escape(text)}</ResultDescription></Result>"
        for message_id, text in errors
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope>'
        f"<Header><DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>{feed.seller_id}</MerchantIdentifier></Header>"
        "<MessageType>ProcessingReport</MessageType><Message><MessageID>1</MessageID><ProcessingReport>"
        f"<DocumentTransactionID>{feed.feed_id}</DocumentTransactionID><StatusCode>Complete</StatusCode>"
        f"<ProcessingSummary><MessagesProcessed>{processed}</MessagesProcessed>"
        f"<MessagesSuccessful>{processed - len(errors)}</MessagesSuccessful>"
        f"<MessagesWithError>{len(errors)}</MessagesWithError><MessagesWithWarning>0</MessagesWithWarning>"
        f"</ProcessingSummary>{results}</ProcessingReport></Message></AmazonEnvelope>"
    )
    return body.encode()
