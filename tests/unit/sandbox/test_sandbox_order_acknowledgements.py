"""POST_ORDER_ACKNOWLEDGEMENT_DATA: the XSD structure, per-message results with stable codes, whole-order
cancellation, refusal after shipment, the processing report, buyer cancellation requests."""

from typing import Any

import pytest

from local.sandbox.ack_report import MessageResult, processing_report, summarize
from local.sandbox.entities import CANCELLED, PARTIALLY_SHIPPED, PENDING, SHIPPED, UNSHIPPED, Order
from tests.unit.sandbox.order_helpers import (
    acknowledgement,
    confirm,
    envelope,
    new_order,
    package,
    results,
    run_order_feed,
)
from tests.unit.sandbox.sandbox_harness import Harness
from tests.unit.sandbox.test_sandbox_notifications import sent, subscribe


def cancel(order: Order, message_id: str = "1", reason: str | None = "NoInventory") -> str:
    return acknowledgement(message_id, order.order_id, "Failure", [(i.order_item_id, reason) for i in order.items])


def summary(report: Any) -> dict[str, str]:
    counts = report.find("Message/ProcessingReport/ProcessingSummary")
    return {child.tag: child.text or "" for child in counts}


def test_a_valid_failure_cancels_the_order_and_reports_success(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    subscribe(harness, seller_id)
    token = harness.token(seller_id)
    order = new_order(harness, seller_id, (2, 1))

    feed, report = run_order_feed(harness, token, envelope(seller_id, cancel(order, reason="CustomerExchange")))

    assert feed["processingStatus"] == "DONE"
    assert report.findtext("Message/ProcessingReport/DocumentTransactionID") == feed["feedId"]
    assert report.findtext("Message/ProcessingReport/StatusCode") == "Complete"
    assert report.findtext("MessageType") == "ProcessingReport"
    assert summary(report) == {
        "MessagesProcessed": "1",
        "MessagesSuccessful": "1",
        "MessagesWithError": "0",
        "MessagesWithWarning": "0",
    }
    assert results(report) == []
    assert (order.status, order.cancelled_by, order.cancel_reason) == (CANCELLED, "MERCHANT", "CustomerExchange")
    change = sent(harness)[-1]["Payload"]["OrderChangeNotification"]
    assert (change["AmazonOrderId"], change["Summary"]["OrderStatus"]) == (order.order_id, "Canceled")
    assert change["Summary"]["NumberOfItemsUnshipped"] == 0
    rendered = harness.call(
        "GET", f"/orders/2026-01-01/orders/{order.order_id}?includedData=CANCELLATION,FULFILLMENT", token
    ).json["order"]
    assert [i["cancellation"]["cancellationExecution"] for i in rendered["orderItems"]] == [
        {"cancelledBy": "MERCHANT", "cancelReason": "CustomerExchange"}
    ] * 2
    assert rendered["fulfillment"]["fulfillmentStatus"] == CANCELLED


def test_a_failure_naming_some_items_cancels_the_whole_order(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = new_order(harness, seller_id, (1, 1))
    first = order.items[0].order_item_id

    run_order_feed(
        harness, token, envelope(seller_id, acknowledgement("1", order.order_id, "Failure", [(first, "NoInventory")]))
    )

    assert order.status == CANCELLED
    (record,) = harness.steer("GET", f"/_sandbox/sellers/{seller_id}/acknowledgements")
    assert record["cancelReasons"] == {first: "NoInventory"} and record["cancelled"] is True


@pytest.mark.parametrize("status", [SHIPPED, PARTIALLY_SHIPPED])
def test_a_failure_after_shipment_is_refused(harness: Harness, status: str) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = new_order(harness, seller_id, (2,))
    confirm(harness, token, order, package(order, "1", [(0, 2 if status == SHIPPED else 1)]))
    assert order.status == status

    _, report = run_order_feed(harness, token, envelope(seller_id, cancel(order, "3")))

    assert results(report) == [
        {
            "MessageID": "3",
            "ResultCode": "Error",
            "ResultMessageCode": "18031",
            "ResultDescription": f"Order {order.order_id} cannot be cancelled after shipment.",
            "AmazonOrderID": order.order_id,
        }
    ]
    assert order.status == status and order.cancelled_by is None


def test_each_refused_message_gets_its_own_result_and_the_rest_apply(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    other_seller = harness.seller("EU", 1)
    token = harness.token(seller_id)
    good, bad_reason, bad_item, twice = (new_order(harness, seller_id) for _ in range(4))
    foreign = new_order(harness, other_seller)
    messages = [
        cancel(good, "1"),
        acknowledgement("2", "202-0000000-0000000", "Success", []),
        cancel(foreign, "3"),
        cancel(bad_reason, "4", reason="ChangedMyMind"),
        acknowledgement("5", bad_item.order_id, "Failure", [("99999999999999", "NoInventory")]),
        cancel(twice, "1"),
    ]

    _, report = run_order_feed(harness, token, envelope(seller_id, *messages))

    assert [(r["MessageID"], r["ResultMessageCode"], r["AmazonOrderID"]) for r in results(report)] == [
        ("2", "18028", "202-0000000-0000000"),
        ("3", "18028", foreign.order_id),
        ("4", "18029", bad_reason.order_id),
        ("5", "18030", bad_item.order_id),
        ("1", "18032", twice.order_id),
    ]
    assert summary(report)["MessagesProcessed"] == "6" and summary(report)["MessagesWithError"] == "5"
    assert summary(report)["MessagesSuccessful"] == "1"
    assert good.status == CANCELLED
    assert [o.status for o in (foreign, bad_reason, bad_item, twice)] == [UNSHIPPED] * 4
    records = harness.steer("GET", f"/_sandbox/sellers/{seller_id}/acknowledgements")
    assert [(r["messageId"], r["applied"], r["resultCode"]) for r in records] == [
        ("1", True, None),
        ("2", False, "Error"),
        ("3", False, "Error"),
        ("4", False, "Error"),
        ("5", False, "Error"),
        ("1", False, "Error"),
    ]


def test_orders_that_cannot_be_cancelled_get_their_own_codes(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    fba = new_order(harness, seller_id, fulfilledBy="AMAZON")
    pending = new_order(harness, seller_id, status=PENDING)
    no_items = new_order(harness, seller_id)
    messages = [cancel(fba, "1"), cancel(pending, "2"), acknowledgement("3", no_items.order_id, "Failure", [])]

    _, report = run_order_feed(harness, token, envelope(seller_id, *messages))

    assert [r["ResultMessageCode"] for r in results(report)] == ["18033", "18034", "18035"]
    assert (fba.status, pending.status, no_items.status) == (UNSHIPPED, PENDING, UNSHIPPED)


def test_cancelling_a_cancelled_order_again_is_only_a_warning(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = new_order(harness, seller_id)
    run_order_feed(harness, token, envelope(seller_id, cancel(order)))

    _, report = run_order_feed(harness, token, envelope(seller_id, cancel(order, reason="BuyerCanceled")))

    assert [(r["ResultCode"], r["ResultMessageCode"]) for r in results(report)] == [("Warning", "18036")]
    assert summary(report) == {
        "MessagesProcessed": "1",
        "MessagesSuccessful": "1",
        "MessagesWithError": "0",
        "MessagesWithWarning": "1",
    }
    assert order.cancel_reason == "NoInventory"


def test_success_acknowledges_and_keeps_the_merchant_order_id(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = new_order(harness, seller_id)
    message = (
        f"<Message><MessageID>1</MessageID><OrderAcknowledgement><AmazonOrderID>{order.order_id}</AmazonOrderID>"
        "<MerchantOrderID>WH-42</MerchantOrderID><StatusCode>Success</StatusCode></OrderAcknowledgement></Message>"
    )

    _, report = run_order_feed(harness, token, envelope(seller_id, message))

    assert results(report) == [] and order.status == UNSHIPPED and order.merchant_order_id == "WH-42"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"<AmazonEnvelope><Header>", "5001"),
        (b"<Envelope/>", "5000"),
        # StatusCode before AmazonOrderID: the sequence is broken.
        (
            b"<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier>"
            b"</Header><MessageType>OrderAcknowledgement</MessageType><Message><MessageID>1</MessageID>"
            b"<OrderAcknowledgement><StatusCode>Failure</StatusCode><AmazonOrderID>{order}</AmazonOrderID>"
            b"</OrderAcknowledgement></Message></AmazonEnvelope>",
            "5000",
        ),
        # MessageType before Header.
        (
            b"<AmazonEnvelope><MessageType>OrderAcknowledgement</MessageType><Header><DocumentVersion>1.01"
            b"</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier></Header><Message><MessageID>1</MessageID>"
            b"<OrderAcknowledgement><AmazonOrderID>{order}</AmazonOrderID><StatusCode>Failure</StatusCode>"
            b"</OrderAcknowledgement></Message></AmazonEnvelope>",
            "5000",
        ),
    ],
)
def test_a_document_against_the_schema_is_refused_whole(harness: Harness, content: bytes, code: str) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = new_order(harness, seller_id)

    feed, report = run_order_feed(harness, token, content.replace(b"{order}", order.order_id.encode()))

    assert feed["processingStatus"] == "FATAL"
    ((result),) = results(report)
    assert (result["MessageID"], result["ResultCode"], result["ResultMessageCode"]) == ("0", "Error", code)
    assert order.status == UNSHIPPED


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda x: x.replace("<CancelReason>", "<MerchantOrderItemID>A</MerchantOrderItemID><CancelReason>"), None),
        (lambda x: x.replace("<CancelReason>NoInventory</CancelReason>", "") + "", None),
        (lambda x: x.replace("Failure", "Maybe"), "StatusCode"),
        (lambda x: x.replace("<MessageID>1</MessageID>", "<MessageID>one</MessageID>"), "MessageID"),
        (lambda x: x.replace("<Item>", "<Item><Extra/>"), "Extra"),
        (lambda x: x.replace("OrderAcknowledgement</MessageType>", "OrderFulfillment</MessageType>"), "MessageType"),
        (lambda x: x.replace("<DocumentVersion>1.01</DocumentVersion>", ""), "DocumentVersion"),
    ],
)
def test_the_structure_follows_the_xsd(harness: Harness, mutate: Any, fragment: str | None) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = new_order(harness, seller_id)
    content = mutate(envelope(seller_id, cancel(order)).decode()).encode()

    feed, report = run_order_feed(harness, token, content)

    if fragment is None:  # still valid: optional elements in their place
        assert feed["processingStatus"] == "DONE" and order.status == CANCELLED
    else:
        assert feed["processingStatus"] == "FATAL" and order.status == UNSHIPPED
        assert fragment in results(report)[0]["ResultDescription"]


def test_a_buyer_cancellation_request_is_rendered_and_can_be_honoured(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    subscribe(harness, seller_id)
    token = harness.token(seller_id)
    order = new_order(harness, seller_id, (1, 1))
    first = order.items[0].order_item_id

    steered = harness.steer(
        "PATCH",
        f"/_sandbox/orders/{order.order_id}",
        json={"buyerCancelReason": "Changed mind", "buyerCancelItems": [first]},
    )
    rendered = harness.call("GET", f"/orders/2026-01-01/orders/{order.order_id}?includedData=CANCELLATION", token)
    change = sent(harness)[-1]["Payload"]["OrderChangeNotification"]
    run_order_feed(harness, token, envelope(seller_id, cancel(order, reason="BuyerCanceled")))

    assert [i["buyerCancelReason"] for i in steered["items"]] == ["Changed mind", None]
    items = rendered.json["order"]["orderItems"]
    assert items[0]["cancellation"]["cancellationRequest"] == {"requester": "BUYER", "cancelReason": "Changed mind"}
    assert "cancellation" not in items[1]
    assert change["OrderChangeType"] == "BuyerRequestedChange"
    assert [i["IsBuyerRequestedCancel"] for i in change["Summary"]["OrderItems"]] == [True, False]
    assert (order.status, order.cancel_reason) == (CANCELLED, "BuyerCanceled")


def test_a_buyer_cancellation_of_an_unknown_item_is_a_steering_error(harness: Harness) -> None:
    order = new_order(harness, harness.seller("EU"))

    response = harness.client.patch(
        f"/_sandbox/orders/{order.order_id}",
        json={"buyerCancelReason": "x", "buyerCancelItems": ["1"], "status": CANCELLED},
    )

    assert response.status_code == 400 and order.status == UNSHIPPED


def test_the_report_is_real_xml_even_with_markup_in_the_text() -> None:
    found = [MessageResult("7", "Error", "18028", "Order <A&B> was not found.", "202-1234567-1234567")]

    report = processing_report("SELLER<1>", "123", summarize(9, found), found)

    assert report.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b"Order &lt;A&amp;B&gt; was not found." in report and b"<MerchantIdentifier>SELLER&lt;1&gt;" in report
    assert b"<MessagesSuccessful>8</MessagesSuccessful>" in report
