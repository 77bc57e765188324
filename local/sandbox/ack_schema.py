"""The structure of a POST_ORDER_ACKNOWLEDGEMENT_DATA document, checked the way Amazon's XSDs would.

amzn-envelope.xsd, amzn-header.xsd and OrderAcknowledgement.xsd (REFERENCE.md 7) are all xsd:sequence, so element
order matters: AmazonEnvelope{Header{DocumentVersion, MerchantIdentifier}, MessageType, [MarketplaceName,
EffectiveDate, PurgeAndReplace,] Message+{MessageID, [OperationType,] OrderAcknowledgement{AmazonOrderID,
MerchantOrderID?, StatusCode, Item*{AmazonOrderItemCode, MerchantOrderItemID?, CancelReason?}}}}.

A document that breaks the schema is refused whole (nothing applied), as XSD validation works on the whole file.
CancelReason's value is left to the per-message check (an error for that message only), and so is MessageID
uniqueness, which the XSD cannot express.
"""

import re
from dataclasses import dataclass
from xml.etree import ElementTree

# Amazon's MWS-era numeric codes for document-level failures, kept by the SP-API processing reports.
NOT_WELL_FORMED = "5001"
SCHEMA_VIOLATION = "5000"

Rule = tuple[str, int, int | None]  # (tag, minOccurs, maxOccurs or None for unbounded)
ENVELOPE: list[Rule] = [
    ("Header", 1, 1),
    ("MessageType", 1, 1),
    ("MarketplaceName", 0, 1),
    ("EffectiveDate", 0, 1),
    ("PurgeAndReplace", 0, 1),
    ("Message", 1, None),
]
HEADER: list[Rule] = [("DocumentVersion", 1, 1), ("MerchantIdentifier", 1, 1)]
MESSAGE: list[Rule] = [("MessageID", 1, 1), ("OperationType", 0, 1), ("OrderAcknowledgement", 1, 1)]
ACKNOWLEDGEMENT: list[Rule] = [
    ("AmazonOrderID", 1, 1),
    ("MerchantOrderID", 0, 1),
    ("StatusCode", 1, 1),
    ("Item", 0, None),
]
ITEM: list[Rule] = [("AmazonOrderItemCode", 1, 1), ("MerchantOrderItemID", 0, 1), ("CancelReason", 0, 1)]
PATTERNS = {
    "DocumentVersion": re.compile(r"\d{1,2}\.\d{1,2}"),
    "MessageID": re.compile(r"[1-9][0-9]{0,19}"),
    "AmazonOrderID": re.compile(r"\w{3}-\w{7}-\w{7}"),
    "AmazonOrderItemCode": re.compile(r"\d{14}"),
}
STATUS_CODES = ("Success", "Failure")
PARENTS = frozenset({"Header", "Message", "OrderAcknowledgement", "Item"})  # elements whose text is not checked


class DocumentRejected(Exception):
    """The whole document is refused: not well-formed XML (5001) or against the schema (5000)."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


@dataclass(frozen=True)
class AckItem:
    """One Item of an OrderAcknowledgement."""

    amazon_order_item_code: str
    merchant_order_item_id: str | None
    cancel_reason: str | None


@dataclass(frozen=True)
class AckMessage:
    """One Message: the acknowledgement of one order."""

    message_id: str
    amazon_order_id: str
    merchant_order_id: str | None
    status_code: str
    items: tuple[AckItem, ...]


@dataclass(frozen=True)
class AckDocument:
    """A structurally valid acknowledgement document."""

    document_version: str
    merchant_identifier: str
    messages: tuple[AckMessage, ...]


def parse_acknowledgements(content: bytes) -> AckDocument:
    """Parses and checks the document; raises DocumentRejected when it is not well-formed or breaks the schema."""
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError as exc:
        raise DocumentRejected(NOT_WELL_FORMED, f"XML Parsing Fatal Error: {exc}") from exc
    if root.tag != "AmazonEnvelope":
        raise _violation(f"the root element must be AmazonEnvelope, found '{root.tag}'")
    envelope = _sequence(root, ENVELOPE)
    header = _sequence(envelope["Header"][0], HEADER)
    message_type = _text(envelope["MessageType"][0])
    if message_type != "OrderAcknowledgement":
        raise _violation(f"MessageType must be OrderAcknowledgement, found '{message_type}'")
    return AckDocument(
        document_version=_text(header["DocumentVersion"][0]),
        merchant_identifier=_text(header["MerchantIdentifier"][0]),
        messages=tuple(_message(element) for element in envelope["Message"]),
    )


def _message(element: ElementTree.Element) -> AckMessage:
    parts = _sequence(element, MESSAGE)
    ack = _sequence(parts["OrderAcknowledgement"][0], ACKNOWLEDGEMENT)
    status_code = _text(ack["StatusCode"][0])
    if status_code not in STATUS_CODES:
        raise _violation(f"StatusCode '{status_code}' is not one of {', '.join(STATUS_CODES)}")
    return AckMessage(
        message_id=_text(parts["MessageID"][0]),
        amazon_order_id=_text(ack["AmazonOrderID"][0]),
        merchant_order_id=_optional(ack, "MerchantOrderID"),
        status_code=status_code,
        items=tuple(_item(item) for item in ack.get("Item", [])),
    )


def _item(element: ElementTree.Element) -> AckItem:
    parts = _sequence(element, ITEM)
    return AckItem(
        amazon_order_item_code=_text(parts["AmazonOrderItemCode"][0]),
        merchant_order_item_id=_optional(parts, "MerchantOrderItemID"),
        cancel_reason=_optional(parts, "CancelReason"),
    )


def _sequence(parent: ElementTree.Element, rules: list[Rule]) -> dict[str, list[ElementTree.Element]]:
    """Matches the children against an xsd:sequence; returns them by tag. Unknown, missing, repeated or
    out-of-order elements are violations, worded like the XSD validator's cvc-complex-type messages."""
    children = list(parent)
    found: dict[str, list[ElementTree.Element]] = {}
    position = 0
    for index, (tag, minimum, maximum) in enumerate(rules):
        taken: list[ElementTree.Element] = []
        while position < len(children) and children[position].tag == tag:
            if maximum is not None and len(taken) == maximum:
                break
            taken.append(children[position])
            position += 1
        if len(taken) < minimum:
            raise _unexpected(parent, children[position] if position < len(children) else None, rules[index:])
        for child in taken:
            pattern = PATTERNS.get(tag)
            if pattern is not None and not pattern.fullmatch(_text(child)):
                raise _violation(f"'{_text(child)}' is not a valid value for {tag}")
            if tag not in PARENTS and not _text(child):
                raise _violation(f"{tag} must not be empty")
        found[tag] = taken
    if position < len(children):
        raise _unexpected(parent, children[position], [])
    return found


def _unexpected(parent: ElementTree.Element, child: ElementTree.Element | None, expected: list[Rule]) -> Exception:
    wanted = ", ".join(tag for tag, _, _ in expected[:3]) or "no further element"
    if child is None:
        return _violation(f"the content of element '{parent.tag}' is not complete. One of '{{{wanted}}}' is expected")
    return _violation(
        f"invalid content was found starting with element '{child.tag}'. One of '{{{wanted}}}' is expected"
    )


def _violation(text: str) -> DocumentRejected:
    return DocumentRejected(SCHEMA_VIOLATION, f"XML schema violation: {text}.")


def _text(element: ElementTree.Element) -> str:
    return (element.text or "").strip()


def _optional(parts: dict[str, list[ElementTree.Element]], tag: str) -> str | None:
    found = parts.get(tag) or []
    return _text(found[0]) if found else None
