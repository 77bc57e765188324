"""The POST_ORDER_ACKNOWLEDGEMENT_DATA document that cancels orders, and the processing report Amazon answers with.

Amazon has no cancel operation for merchant-fulfilled orders we may use (REFERENCE.md 7; cancelOrder was published and
withdrawn in 2026): an OrderAcknowledgement with StatusCode Failure and a CancelReason on every item of the order
cancels it. `build_cancellation_feed` writes one Message per order with xml.etree (escaping is the library's, never
string formatting) and checks the bytes against the schema structure in `schemas/` (xmlschema) before they leave:
a document Amazon would reject as malformed never goes out.

`parse_processing_report` reads Amazon's answer, which is untrusted input: any DOCTYPE is refused before ElementTree
sees the bytes, so no entity is ever declared, expanded or fetched (billion laughs, external entities). That is
defusedxml's `forbid_dtd` done with the standard library's expat, without a second dependency in the Lambda layer;
Amazon's reports carry no DTD.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

import xmlschema

from shared.models.shipments import CancellationRecord

FEED_TYPE = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
CONTENT_TYPE = "text/xml; charset=UTF-8"
DOCUMENT_VERSION = "1.01"
SCHEMA = Path(__file__).resolve().parent / "schemas" / "order-acknowledgement-envelope.xsd"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
# A feed of at most this many orders (Amazon takes far bigger documents; a bound keeps one feed's report readable).
MAX_MESSAGES = 1_000


class FeedSchemaError(ValueError):
    """The document does not match the OrderAcknowledgement structure; `problems` says where."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems[:5]) or "invalid document")


class ReportError(ValueError):
    """A processing report that cannot be read (not XML, a DOCTYPE, or not a ProcessingReport)."""


@dataclass(frozen=True)
class AckFeed:
    """The document's bytes and which order each MessageID cancels."""

    content: bytes
    messages: Mapping[int, str]


@dataclass(frozen=True)
class MessageResult:
    """One Result of a processing report: MessageID 0 (or absent) is about the whole document."""

    message_id: int
    result_code: str
    message_code: str | None
    description: str

    @property
    def is_error(self) -> bool:
        """An Error (a Warning leaves the message applied)."""
        return self.result_code == "Error"


@dataclass(frozen=True)
class ProcessingReport:
    """Amazon's ProcessingReport: the status, the summary counts and the per-message results."""

    status_code: str
    processed: int
    successful: int
    with_error: int
    with_warning: int
    results: tuple[MessageResult, ...] = field(default_factory=tuple)

    def errors_of(self, message_id: int) -> list[MessageResult]:
        """The errors reported for one message."""
        return [r for r in self.results if r.message_id == message_id and r.is_error]

    @property
    def document_errors(self) -> list[MessageResult]:
        """Errors about the whole document (MessageID 0): every message failed."""
        return [r for r in self.results if r.message_id == 0 and r.is_error]


def build_cancellation_feed(merchant_id: str, cancellations: Sequence[CancellationRecord]) -> AckFeed:
    """One document cancelling every given order: MessageID 1..n, each order's every item with its CancelReason.

    ValueError for no cancellations, an order twice, an order without items or too many orders; FeedSchemaError
    when the result does not match the schema (an order id or item code Amazon would refuse, a merchant id too long).
    """
    if not cancellations:
        raise ValueError("no cancellations to send")
    if len(cancellations) > MAX_MESSAGES:
        raise ValueError(f"{len(cancellations)} cancellations: at most {MAX_MESSAGES} per feed")
    orders = [record.order_id for record in cancellations]
    if len(set(orders)) != len(orders):
        raise ValueError("an order appears twice: one message per order")
    root = ElementTree.Element("AmazonEnvelope", {f"{{{_XSI}}}noNamespaceSchemaLocation": "amzn-envelope.xsd"})
    header = ElementTree.SubElement(root, "Header")
    ElementTree.SubElement(header, "DocumentVersion").text = DOCUMENT_VERSION
    ElementTree.SubElement(header, "MerchantIdentifier").text = merchant_id
    ElementTree.SubElement(root, "MessageType").text = "OrderAcknowledgement"
    messages: dict[int, str] = {}
    for message_id, record in enumerate(cancellations, start=1):
        if not record.order_item_ids:
            raise ValueError(f"order {record.order_id}: no items (Amazon cancels only whole orders, item by item)")
        message = ElementTree.SubElement(root, "Message")
        ElementTree.SubElement(message, "MessageID").text = str(message_id)
        ack = ElementTree.SubElement(message, "OrderAcknowledgement")
        ElementTree.SubElement(ack, "AmazonOrderID").text = record.order_id
        ElementTree.SubElement(ack, "StatusCode").text = "Failure"
        for item_id in record.order_item_ids:
            item = ElementTree.SubElement(ack, "Item")
            ElementTree.SubElement(item, "AmazonOrderItemCode").text = item_id
            ElementTree.SubElement(item, "CancelReason").text = record.reason.value
        messages[message_id] = record.order_id
    content = ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True)
    validate(content)
    return AckFeed(content=content, messages=messages)


def validate(content: bytes) -> None:
    """Checks a document against the OrderAcknowledgement envelope schema; FeedSchemaError lists what is wrong."""
    try:
        root = safe_parse(content)
    except ReportError as exc:
        raise FeedSchemaError([str(exc)]) from None
    problems = [f"{error.path}: {error.reason}" for error in _schema().iter_errors(root)]
    if problems:
        raise FeedSchemaError(problems)


@cache
def _schema() -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(str(SCHEMA))


def safe_parse(content: bytes) -> ElementTree.Element:
    """Parses untrusted XML: a DOCTYPE (so any entity declaration) is refused before ElementTree parses it."""
    _refuse_dtd(content)
    try:
        return ElementTree.fromstring(content)
    except ElementTree.ParseError as exc:
        raise ReportError(f"not well-formed XML: {exc}") from None


def _refuse_dtd(content: bytes) -> None:
    checker = expat.ParserCreate()

    def refuse(*_: Any) -> None:
        raise ReportError("a document with a DOCTYPE is refused (no entity is expanded)")

    checker.StartDoctypeDeclHandler = refuse
    checker.EntityDeclHandler = refuse
    checker.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    try:
        checker.Parse(content, True)
    except expat.ExpatError as exc:
        raise ReportError(f"not well-formed XML: {exc}") from None


def parse_processing_report(content: bytes) -> ProcessingReport:
    """Amazon's processing report of an XML feed (ProcessingReport.xsd); ReportError when it is not one."""
    root = safe_parse(content)
    report = root.find("Message/ProcessingReport") if root.tag == "AmazonEnvelope" else None
    if report is None and root.tag == "ProcessingReport":
        report = root
    if report is None:
        raise ReportError(f"not a ProcessingReport (root element {root.tag!r})")
    summary = report.find("ProcessingSummary")
    results = tuple(
        MessageResult(
            message_id=_int(result.findtext("MessageID")),
            result_code=(result.findtext("ResultCode") or "").strip(),
            message_code=(result.findtext("ResultMessageCode") or "").strip() or None,
            description=" ".join((result.findtext("ResultDescription") or "").split()),
        )
        for result in report.findall("Result")
    )
    return ProcessingReport(
        status_code=(report.findtext("StatusCode") or "").strip(),
        processed=_int(summary.findtext("MessagesProcessed") if summary is not None else None),
        successful=_int(summary.findtext("MessagesSuccessful") if summary is not None else None),
        with_error=_int(summary.findtext("MessagesWithError") if summary is not None else None),
        with_warning=_int(summary.findtext("MessagesWithWarning") if summary is not None else None),
        results=results,
    )


def _int(text: str | None) -> int:
    try:
        return int((text or "0").strip())
    except ValueError:
        raise ReportError(f"not a number: {text!r}") from None
