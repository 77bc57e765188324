"""The order acknowledgement document (built, then checked against the schema structure) and the processing report
(read safely: no DTD, so no entity expansion)."""

from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.models.shipments import CancellationRecord, CancelReason
from shared.shipments.ack_feed import (
    CONTENT_TYPE,
    FeedSchemaError,
    ReportError,
    build_cancellation_feed,
    parse_processing_report,
    validate,
)

T0 = datetime(2026, 12, 7, 9, tzinfo=UTC)


def record(
    order_id: str, items: tuple[str, ...], reason: CancelReason = CancelReason.NO_INVENTORY
) -> CancellationRecord:
    return CancellationRecord(
        connection_id="conn-1",
        order_id=order_id,
        marketplace_id="A1F83G8C2ARO7P",
        reason=reason,
        order_item_ids=items,
        requested_at=T0,
        updated_at=T0,
    )


ONE = record("111-1111111-1111111", ("11111111111111", "11111111111112"))
TWO = record("222-2222222-2222222", ("22222222222221",), CancelReason.BUYER_CANCELED)


def test_feed_holds_one_failure_message_per_order_with_every_item_and_its_reason() -> None:
    feed = build_cancellation_feed("A1SELLER", [ONE, TWO])

    root = ElementTree.fromstring(feed.content)
    assert feed.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert CONTENT_TYPE == "text/xml; charset=UTF-8"
    assert root.findtext("Header/MerchantIdentifier") == "A1SELLER"
    assert root.findtext("Header/DocumentVersion") == "1.01"
    assert root.findtext("MessageType") == "OrderAcknowledgement"
    messages = root.findall("Message")
    assert [m.findtext("MessageID") for m in messages] == ["1", "2"]
    assert feed.messages == {1: ONE.order_id, 2: TWO.order_id}
    first = messages[0].find("OrderAcknowledgement")
    assert first is not None
    assert [child.tag for child in first] == ["AmazonOrderID", "StatusCode", "Item", "Item"]
    assert first.findtext("StatusCode") == "Failure"
    assert [(i.findtext("AmazonOrderItemCode"), i.findtext("CancelReason")) for i in first.findall("Item")] == [
        ("11111111111111", "NoInventory"),
        ("11111111111112", "NoInventory"),
    ]
    assert messages[1].findtext("OrderAcknowledgement/Item/CancelReason") == "BuyerCanceled"


def test_merchant_identifier_is_escaped_by_the_library_and_too_long_a_one_fails_the_schema() -> None:
    feed = build_cancellation_feed("A&B<C", [ONE])
    assert b"<MerchantIdentifier>A&amp;B&lt;C</MerchantIdentifier>" in feed.content

    with pytest.raises(FeedSchemaError, match="MerchantIdentifier"):
        build_cancellation_feed("X" * 51, [ONE])


@pytest.mark.parametrize(
    ("broken", "where"),
    [
        (b"<StatusCode>Failure</StatusCode>", "StatusCode"),  # replaced below by an unknown code
        (b"<CancelReason>NoInventory</CancelReason>", "CancelReason"),
        (b"<MessageID>2</MessageID>", "UniqueMessageID"),
        (b"<MessageType>OrderAcknowledgement</MessageType>", "MessageType"),
    ],
)
def test_a_broken_document_does_not_validate(broken: bytes, where: str) -> None:
    content = build_cancellation_feed("A1SELLER", [ONE, TWO]).content
    validate(content)  # the built one does
    replacement = {
        "StatusCode": b"<StatusCode>Cancelled</StatusCode>",
        "CancelReason": b"<CancelReason>OutOfStock</CancelReason>",
        "UniqueMessageID": b"<MessageID>1</MessageID>",
        "MessageType": b"<MessageType>Inventory</MessageType>",
    }[where]
    with pytest.raises(FeedSchemaError, match=where):
        validate(content.replace(broken, replacement, 1))


def test_elements_out_of_the_schema_order_do_not_validate() -> None:
    content = build_cancellation_feed("A1SELLER", [ONE]).content
    swapped = content.replace(
        b"<AmazonOrderID>111-1111111-1111111</AmazonOrderID><StatusCode>Failure</StatusCode>",
        b"<StatusCode>Failure</StatusCode><AmazonOrderID>111-1111111-1111111</AmazonOrderID>",
    )
    assert swapped != content
    with pytest.raises(FeedSchemaError):
        validate(swapped)


def test_an_item_code_amazon_would_refuse_fails_before_anything_is_sent() -> None:
    with pytest.raises(FeedSchemaError, match="AmazonOrderItemCode"):
        build_cancellation_feed("A1SELLER", [record("333-3333333-3333333", ("12AB",))])


def test_refuses_no_orders_an_order_twice_and_an_order_without_items() -> None:
    with pytest.raises(ValueError, match="no cancellations"):
        build_cancellation_feed("A1SELLER", [])
    with pytest.raises(ValueError, match="twice"):
        build_cancellation_feed("A1SELLER", [ONE, ONE])
    with pytest.raises(ValueError, match="no items"):
        build_cancellation_feed("A1SELLER", [record("333-3333333-3333333", ())])


@given(
    st.lists(st.integers(min_value=10**13, max_value=10**14 - 1), min_size=1, max_size=5), st.sampled_from(CancelReason)
)
def test_any_valid_cancellation_builds_a_document_that_validates(items: list[int], reason: CancelReason) -> None:
    feed = build_cancellation_feed("A1SELLER", [record("404-1234567-7654321", tuple(map(str, items)), reason)])
    root = ElementTree.fromstring(feed.content)
    assert len(root.findall("Message/OrderAcknowledgement/Item")) == len(items)
    assert {i.text for i in root.iter("CancelReason")} == {reason.value}


REPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
  <Header><DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>A1SELLER</MerchantIdentifier></Header>
  <MessageType>ProcessingReport</MessageType>
  <Message><MessageID>1</MessageID><ProcessingReport>
    <DocumentTransactionID>50001</DocumentTransactionID><StatusCode>Complete</StatusCode>
    <ProcessingSummary><MessagesProcessed>3</MessagesProcessed><MessagesSuccessful>1</MessagesSuccessful>
      <MessagesWithError>2</MessagesWithError><MessagesWithWarning>1</MessagesWithWarning></ProcessingSummary>
    <Result><MessageID>2</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>18028</ResultMessageCode>
      <ResultDescription>The order  has shipped
        and cannot be cancelled.</ResultDescription></Result>
    <Result><MessageID>3</MessageID><ResultCode>Warning</ResultCode><ResultMessageCode>5001</ResultMessageCode>
      <ResultDescription>Merchant order id ignored.</ResultDescription></Result>
    <Result><MessageID>3</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>18030</ResultMessageCode>
      <ResultDescription>Order not found.</ResultDescription></Result>
  </ProcessingReport></Message>
</AmazonEnvelope>"""


def test_processing_report_counts_and_per_message_results() -> None:
    report = parse_processing_report(REPORT)

    assert (report.status_code, report.processed, report.successful, report.with_error, report.with_warning) == (
        "Complete",
        3,
        1,
        2,
        1,
    )
    assert report.errors_of(1) == []
    [shipped] = report.errors_of(2)
    assert (shipped.message_code, shipped.description) == ("18028", "The order has shipped and cannot be cancelled.")
    assert [(r.result_code, r.message_code) for r in report.results if r.message_id == 3] == [
        ("Warning", "5001"),
        ("Error", "18030"),
    ]
    assert [r.message_code for r in report.errors_of(3)] == ["18030"]
    assert report.document_errors == []


def test_a_whole_document_error_is_message_zero() -> None:
    content = REPORT.replace(b"<MessageID>2</MessageID>", b"<MessageID>0</MessageID>")
    assert [r.message_code for r in parse_processing_report(content).document_errors] == ["18028"]


@pytest.mark.parametrize(
    "hostile",
    [
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<AmazonEnvelope><Message><ProcessingReport><StatusCode>&b;</StatusCode></ProcessingReport></Message>"
        b"</AmazonEnvelope>",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<AmazonEnvelope><Message><ProcessingReport><StatusCode>&x;</StatusCode></ProcessingReport></Message>"
        b"</AmazonEnvelope>",
        b'<?xml version="1.0"?><!DOCTYPE AmazonEnvelope SYSTEM "http://127.0.0.1:9/evil.dtd"><AmazonEnvelope/>',
    ],
    ids=["entity-expansion", "external-entity", "external-dtd"],
)
def test_a_report_with_a_doctype_is_refused_before_any_entity_is_expanded(hostile: bytes) -> None:
    with pytest.raises(ReportError, match="DOCTYPE"):
        parse_processing_report(hostile)


@pytest.mark.parametrize("content", [b"not xml", b"<Other/>", b"<AmazonEnvelope><Message/></AmazonEnvelope>"])
def test_something_else_than_a_processing_report_is_refused(content: bytes) -> None:
    with pytest.raises(ReportError):
        parse_processing_report(content)
