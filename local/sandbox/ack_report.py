"""The XML processing report of an order feed (MWS-style ProcessingReport), built with ElementTree.

AmazonEnvelope{Header, MessageType=ProcessingReport, Message{MessageID=1, ProcessingReport{DocumentTransactionID
(the feed ID), StatusCode=Complete, ProcessingSummary{MessagesProcessed, MessagesSuccessful, MessagesWithError,
MessagesWithWarning}, Result*{MessageID, ResultCode Error|Warning, ResultMessageCode, ResultDescription,
AdditionalInfo{AmazonOrderID}?}}}}. Only messages with an error or warning get a Result, as in Amazon's reports.
"""

from dataclasses import dataclass
from xml.etree import ElementTree

ERROR = "Error"
WARNING = "Warning"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True)
class MessageResult:
    """The outcome of one message that did not simply succeed."""

    message_id: str
    result_code: str  # Error | Warning
    result_message_code: str
    description: str
    amazon_order_id: str | None = None


@dataclass(frozen=True)
class Summary:
    """ProcessingSummary counts; warnings are counted among the successful messages."""

    processed: int
    successful: int
    with_error: int
    with_warning: int


def summarize(processed: int, results: list[MessageResult]) -> Summary:
    """Counts from the message results of one document."""
    errors = sum(1 for r in results if r.result_code == ERROR)
    warnings = sum(1 for r in results if r.result_code == WARNING)
    return Summary(processed, processed - errors, errors, warnings)


def processing_report(merchant_id: str, feed_id: str, summary: Summary, results: list[MessageResult]) -> bytes:
    """The report document, UTF-8 with an XML declaration."""
    ElementTree.register_namespace("xsi", XSI)
    root = ElementTree.Element("AmazonEnvelope", {f"{{{XSI}}}noNamespaceSchemaLocation": "amzn-envelope.xsd"})
    header = ElementTree.SubElement(root, "Header")
    _leaf(header, "DocumentVersion", "1.02")
    _leaf(header, "MerchantIdentifier", merchant_id)
    _leaf(root, "MessageType", "ProcessingReport")
    message = ElementTree.SubElement(root, "Message")
    _leaf(message, "MessageID", "1")
    report = ElementTree.SubElement(message, "ProcessingReport")
    _leaf(report, "DocumentTransactionID", feed_id)
    _leaf(report, "StatusCode", "Complete")
    counts = ElementTree.SubElement(report, "ProcessingSummary")
    _leaf(counts, "MessagesProcessed", str(summary.processed))
    _leaf(counts, "MessagesSuccessful", str(summary.successful))
    _leaf(counts, "MessagesWithError", str(summary.with_error))
    _leaf(counts, "MessagesWithWarning", str(summary.with_warning))
    for found in results:
        result = ElementTree.SubElement(report, "Result")
        _leaf(result, "MessageID", found.message_id)
        _leaf(result, "ResultCode", found.result_code)
        _leaf(result, "ResultMessageCode", found.result_message_code)
        _leaf(result, "ResultDescription", found.description)
        if found.amazon_order_id:
            _leaf(ElementTree.SubElement(result, "AdditionalInfo"), "AmazonOrderID", found.amazon_order_id)
    return ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True)


def _leaf(parent: ElementTree.Element, tag: str, text: str) -> None:
    ElementTree.SubElement(parent, tag).text = text
