"""Feeds: document upload URLs, the feed lifecycle, JSON_LISTINGS_FEED effects and per-message errors."""

import gzip
import json
from typing import Any
from urllib.parse import urlsplit

from local.sandbox.marketplaces import UK
from tests.unit.sandbox.sandbox_harness import Harness

CONTENT_TYPE = "application/json; charset=UTF-8"
FEEDS = "/feeds/2021-06-30"


def relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def upload(harness: Harness, token: str, content: bytes, content_type: str = CONTENT_TYPE) -> str:
    created = harness.call("POST", f"{FEEDS}/documents", token, json={"contentType": content_type})
    assert created.status_code == 201
    put = harness.client.put(relative(created.json["url"]), data=content, content_type=content_type)
    assert put.status_code == 200
    return str(created.json["feedDocumentId"])


def submit(harness: Harness, token: str, feed_type: str, content: bytes, marketplace_id: str = UK) -> str:
    document_id = upload(harness, token, content)
    body = {"feedType": feed_type, "marketplaceIds": [marketplace_id], "inputFeedDocumentId": document_id}
    response = harness.call("POST", f"{FEEDS}/feeds", token, json=body)
    assert response.status_code == 202, response.json
    return str(response.json["feedId"])


def finished_result(harness: Harness, token: str, feed_id: str) -> tuple[dict[str, Any], bytes]:
    harness.advance(91)
    feed = harness.call("GET", f"{FEEDS}/feeds/{feed_id}", token).json
    document = harness.call("GET", f"{FEEDS}/documents/{feed['resultFeedDocumentId']}", token).json
    assert document["compressionAlgorithm"] == "GZIP"
    return feed, gzip.decompress(harness.client.get(relative(document["url"])).data)


def patch(sku: str, message_id: int, *patches: dict[str, Any]) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "sku": sku,
        "operationType": "PATCH",
        "productType": "PRODUCT",
        "patches": list(patches),
    }


def availability(quantity: Any, handling: int = 3) -> dict[str, Any]:
    value = {"fulfillment_channel_code": "DEFAULT", "quantity": quantity, "lead_time_to_ship_max_days": handling}
    return {"op": "replace", "path": "/attributes/fulfillment_availability", "value": [value]}


def price(amount: float, minimum: float, currency: str = "GBP") -> dict[str, Any]:
    offer = {
        "marketplace_id": UK,
        "currency": currency,
        "audience": "ALL",
        "our_price": [{"schedule": [{"value_with_tax": amount}]}],
        "minimum_seller_allowed_price": [{"schedule": [{"value_with_tax": minimum}]}],
    }
    return {"op": "replace", "path": "/attributes/purchasable_offer", "value": [offer]}


def listings_feed(seller_id: str, *messages: dict[str, Any]) -> bytes:
    header = {"sellerId": seller_id, "version": "2.0", "issueLocale": "en_US"}
    return json.dumps({"header": header, "messages": list(messages)}).encode()


def test_feed_moves_through_its_states_and_changes_listings(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    content = listings_feed(seller_id, patch("OUT-MUG", 1, availability(7, 4), price(19.99, 15.0)))

    feed_id = submit(harness, token, "JSON_LISTINGS_FEED", content)
    assert harness.call("GET", f"{FEEDS}/feeds/{feed_id}", token).json["processingStatus"] == "IN_QUEUE"
    harness.advance(31)
    assert harness.call("GET", f"{FEEDS}/feeds/{feed_id}", token).json["processingStatus"] == "IN_PROGRESS"
    feed, result = finished_result(harness, token, feed_id)

    assert feed["processingStatus"] == "DONE"
    report = json.loads(result)
    assert report["summary"]["messagesAccepted"] == 1 and report["issues"] == []
    row = next(
        r
        for r in harness.steer("GET", f"/_sandbox/sellers/{seller_id}/listings?marketplaceId={UK}")
        if r["sku"] == "OUT-MUG"
    )
    assert (row["quantity"], row["handlingDays"], row["price"], row["minimumPrice"]) == (7, 4, "19.99", "15.00")


def test_processing_report_has_an_issue_per_bad_message(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    content = listings_feed(
        seller_id,
        patch("OUT-MUG", 1, availability(5)),
        patch("NO-SUCH-SKU", 2, availability(5)),
        patch("OUT-LANTERN", 3, availability(-1)),
        {"messageId": 4, "sku": "OUT-POLES", "operationType": "PATCH", "productType": "PRODUCT"},
        patch("OUT-DRYBAG", 5, price(10.0, 8.0, currency="EUR")),
        patch("OUT-TEE-BLA-M", 6, price(10.0, 12.0)),
    )

    _, result = finished_result(harness, token, submit(harness, token, "JSON_LISTINGS_FEED", content))

    report = json.loads(result)
    codes = {issue["messageId"]: issue["code"] for issue in report["issues"]}
    assert codes == {
        2: "SANDBOX_SKU_NOT_FOUND",
        3: "SANDBOX_INVALID_VALUE",
        4: "4002008",
        5: "SANDBOX_CURRENCY_MISMATCH",
        6: "SANDBOX_PRICE_BELOW_MINIMUM",
    }
    assert report["summary"] == {
        "errors": 5,
        "warnings": 0,
        "messagesProcessed": 6,
        "messagesAccepted": 1,
        "messagesInvalid": 5,
    }
    lantern = harness.sandbox.state.sellers[seller_id].listings["OUT-LANTERN"].offers[UK]
    assert lantern.quantity != -1


def test_a_json_listings_feed_takes_one_marketplace(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    document_id = upload(harness, token, listings_feed(seller_id, patch("OUT-MUG", 1, availability(1))))
    body = {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": [UK, "A1PA6795UKMFR9"],
        "inputFeedDocumentId": document_id,
    }

    response = harness.call("POST", f"{FEEDS}/feeds", token, json=body)

    assert response.status_code == 400
    assert (
        response.json["errors"][0]["message"] == "Too many 'marketplaceIds' values provided. Expected a maximum of 1."
    )


def test_json_listings_feeds_are_limited_to_five_per_five_minutes(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    content = listings_feed(seller_id, patch("OUT-MUG", 1, availability(1)))

    for _ in range(5):
        submit(harness, token, "JSON_LISTINGS_FEED", content)
    document_id = upload(harness, token, content)
    body = {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [UK], "inputFeedDocumentId": document_id}

    assert harness.call("POST", f"{FEEDS}/feeds", token, json=body).status_code == 429


def test_invalid_json_is_fatal_and_a_header_for_another_seller_is_rejected(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    broken = submit(harness, token, "JSON_LISTINGS_FEED", b"{not json")
    foreign = submit(
        harness, token, "JSON_LISTINGS_FEED", listings_feed("AOTHERSELLER", patch("OUT-MUG", 1, availability(1)))
    )

    broken_feed, _ = finished_result(harness, token, broken)
    _, foreign_result = finished_result(harness, token, foreign)

    assert broken_feed["processingStatus"] == "FATAL"
    assert json.loads(foreign_result)["summary"]["messagesProcessed"] == 0


def test_upload_url_checks_content_type_and_expires_after_five_minutes(harness: Harness) -> None:
    token = harness.token(harness.seller("EU"))
    created = harness.call("POST", f"{FEEDS}/documents", token, json={"contentType": CONTENT_TYPE}).json
    url = relative(created["url"])

    wrong_type = harness.client.put(url, data=b"{}", content_type="text/plain")
    harness.advance(301)
    expired = harness.client.put(url, data=b"{}", content_type=CONTENT_TYPE)

    assert wrong_type.status_code == 403 and b"SignatureDoesNotMatch" in wrong_type.data
    assert expired.status_code == 403 and b"Request has expired" in expired.data


def test_a_feed_without_uploaded_content_ends_fatal(harness: Harness) -> None:
    token = harness.token(harness.seller("EU"))
    document_id = harness.call("POST", f"{FEEDS}/documents", token, json={"contentType": CONTENT_TYPE}).json[
        "feedDocumentId"
    ]
    body = {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [UK], "inputFeedDocumentId": document_id}
    feed_id = harness.call("POST", f"{FEEDS}/feeds", token, json=body).json["feedId"]

    harness.advance(91)

    assert harness.call("GET", f"{FEEDS}/feeds/{feed_id}", token).json["processingStatus"] == "FATAL"


def test_order_acknowledgement_failure_cancels_the_order(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = next(o for o in harness.sandbox.state.sellers[seller_id].orders.values() if o.status == "UNSHIPPED")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>'
        f"<MerchantIdentifier>{seller_id}</MerchantIdentifier></Header><MessageType>OrderAcknowledgement</MessageType>"
        f"<Message><MessageID>1</MessageID><OrderAcknowledgement><AmazonOrderID>{order.order_id}</AmazonOrderID>"
        f"<StatusCode>Failure</StatusCode><Item><AmazonOrderItemCode>{order.items[0].order_item_id}</AmazonOrderItemCode>"
        "<CancelReason>NoInventory</CancelReason></Item></OrderAcknowledgement></Message>"
        "<Message><MessageID>2</MessageID><OrderAcknowledgement><AmazonOrderID>202-0000000-0000000</AmazonOrderID>"
        "<StatusCode>Success</StatusCode></OrderAcknowledgement></Message></AmazonEnvelope>"
    ).encode()

    _, result = finished_result(harness, token, submit(harness, token, "POST_ORDER_ACKNOWLEDGEMENT_DATA", xml))

    assert order.status == "CANCELLED" and order.cancel_reason == "NoInventory"
    assert b"<MessagesWithError>1</MessagesWithError>" in result
    acks = harness.steer("GET", f"/_sandbox/sellers/{seller_id}/acknowledgements")
    assert [(a["applied"], a["resultMessageCode"]) for a in acks] == [(True, None), (False, "18028")]


def test_retired_listings_feeds_end_fatal(harness: Harness) -> None:
    token = harness.token(harness.seller("EU"))
    feed_id = submit(harness, token, "POST_PRODUCT_PRICING_DATA", b"<AmazonEnvelope/>")

    harness.advance(91)

    assert harness.call("GET", f"{FEEDS}/feeds/{feed_id}", token).json["processingStatus"] == "FATAL"


def test_only_a_queued_feed_can_be_cancelled(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    content = listings_feed(seller_id, patch("OUT-MUG", 1, availability(1)))
    queued = submit(harness, token, "JSON_LISTINGS_FEED", content)

    assert harness.call("DELETE", f"{FEEDS}/feeds/{queued}", token).status_code == 200
    started = submit(harness, token, "JSON_LISTINGS_FEED", content)
    harness.advance(31)

    assert harness.call("DELETE", f"{FEEDS}/feeds/{started}", token).status_code == 400
    assert harness.call("GET", f"{FEEDS}/feeds/{queued}", token).json["processingStatus"] == "CANCELLED"


def test_create_feed_body_is_checked_against_the_model(harness: Harness) -> None:
    token = harness.token(harness.seller("EU"))
    body = {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": UK, "inputFeedDocumentId": "x"}

    response = harness.call("POST", f"{FEEDS}/feeds", token, json=body)

    assert response.status_code == 400
    assert "marketplaceIds" in response.json["errors"][0]["message"]
    assert harness.call("POST", f"{FEEDS}/feeds", token, data="{", content_type="application/json").status_code == 400
