"""Helpers for the shipment and order-acknowledgement tests: steered orders, confirmShipment calls, order feeds."""

import gzip
from typing import Any
from xml.etree import ElementTree

from local.sandbox.entities import Order
from tests.unit.sandbox.sandbox_harness import Harness
from tests.unit.sandbox.test_sandbox_feeds import relative

FEEDS = "/feeds/2021-06-30"
XML_TYPE = "text/xml; charset=UTF-8"


def new_order(harness: Harness, seller_id: str, quantities: tuple[int, ...] = (1,), **spec: Any) -> Order:
    """A steered order (MFN, UNSHIPPED unless spec says otherwise) whose lines hold the given quantities."""
    skus = [s.sku for s in harness.sandbox.state.sellers[seller_id].listings.values() if _buyable_mfn(s)]
    body = {"skus": skus[: len(quantities)], **spec}
    if spec.get("fulfilledBy") == "AMAZON":
        body["skus"] = [
            s.sku
            for s in harness.sandbox.state.sellers[seller_id].listings.values()
            if s.fulfillment_channel != "DEFAULT" and not s.is_parent
        ][: len(quantities)]
    view = harness.steer("POST", f"/_sandbox/sellers/{seller_id}/orders", json=body)
    order = harness.sandbox.state.sellers[seller_id].orders[view["orderId"]]
    for item, quantity in zip(order.items, quantities, strict=True):
        item.quantity = quantity
    return order


def _buyable_mfn(listing: Any) -> bool:
    return listing.fulfillment_channel == "DEFAULT" and not listing.is_parent


def package(order: Order, reference: Any = "1", items: list[tuple[int, int]] | None = None, **fields: Any) -> dict:
    """A packageDetail: items are (line index, quantity); default every line in full."""
    lines = items if items is not None else [(i, item.quantity) for i, item in enumerate(order.items)]
    detail = {
        "packageReferenceId": reference,
        "carrierCode": "DHL",
        "trackingNumber": "TRACK1",
        "shipDate": "2026-03-02T08:00:00Z",
        "orderItems": [{"orderItemId": order.items[i].order_item_id, "quantity": q} for i, q in lines],
        **fields,
    }
    return {k: v for k, v in detail.items() if v is not None}


def confirm(harness: Harness, token: str, order: Order, detail: dict[str, Any], **body: Any) -> Any:
    """POST confirmShipment for the order with this packageDetail."""
    payload = {"marketplaceId": order.marketplace_id, "packageDetail": detail, **body}
    payload = {k: v for k, v in payload.items() if v is not None}
    return harness.call("POST", f"/orders/v0/orders/{order.order_id}/shipmentConfirmation", token, json=payload)


def acknowledgement(message_id: str, order_id: str, status: str, items: list[tuple[str, str | None]]) -> str:
    """One <Message> with an OrderAcknowledgement; items are (AmazonOrderItemCode, CancelReason or None)."""
    lines = "".join(
        f"<Item><AmazonOrderItemCode>{code}</AmazonOrderItemCode>"
        + (f"<CancelReason>{reason}</CancelReason>" if reason else "")
        + "</Item>"
        for code, reason in items
    )
    return (
        f"<Message><MessageID>{message_id}</MessageID><OrderAcknowledgement><AmazonOrderID>{order_id}</AmazonOrderID>"
        f"<StatusCode>{status}</StatusCode>{lines}</OrderAcknowledgement></Message>"
    )


def envelope(seller_id: str, *messages: str) -> bytes:
    """An AmazonEnvelope of OrderAcknowledgement messages."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>'
        f"<MerchantIdentifier>{seller_id}</MerchantIdentifier></Header><MessageType>OrderAcknowledgement</MessageType>"
        + "".join(messages)
        + "</AmazonEnvelope>"
    ).encode()


def run_order_feed(harness: Harness, token: str, content: bytes) -> tuple[dict[str, Any], ElementTree.Element]:
    """Uploads and submits POST_ORDER_ACKNOWLEDGEMENT_DATA, lets it finish; returns getFeed and the parsed report."""
    created = harness.call("POST", f"{FEEDS}/documents", token, json={"contentType": XML_TYPE}).json
    assert harness.client.put(relative(created["url"]), data=content, content_type=XML_TYPE).status_code == 200
    body = {
        "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        "marketplaceIds": [harness.sandbox.state.sellers[harness_seller(harness, token)].marketplace_ids[0]],
        "inputFeedDocumentId": created["feedDocumentId"],
    }
    feed_id = harness.call("POST", f"{FEEDS}/feeds", token, json=body).json["feedId"]
    harness.advance(91)
    feed = harness.call("GET", f"{FEEDS}/feeds/{feed_id}", token).json
    document = harness.call("GET", f"{FEEDS}/documents/{feed['resultFeedDocumentId']}", token).json
    report = gzip.decompress(harness.client.get(relative(document["url"])).data)
    return feed, ElementTree.fromstring(report)


def harness_seller(harness: Harness, token: str) -> str:
    """The seller an access token belongs to."""
    access = harness.sandbox.state.access_tokens[token]
    assert access.authorization_id is not None
    return harness.sandbox.state.authorizations[access.authorization_id].selling_partner_id


def results(report: ElementTree.Element) -> list[dict[str, str]]:
    """The report's Result elements as {MessageID, ResultCode, ResultMessageCode, ResultDescription, AmazonOrderID}."""
    found = []
    for result in report.iter("Result"):
        row = {child.tag: (child.text or "") for child in result if child.tag != "AdditionalInfo"}
        row["AmazonOrderID"] = result.findtext("AdditionalInfo/AmazonOrderID", "")
        found.append(row)
    return found
