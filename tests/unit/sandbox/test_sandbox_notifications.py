"""Notifications API and ORDER_CHANGE / FEED_PROCESSING_FINISHED delivery (recorded, no SQS)."""

import json
from collections.abc import Callable
from typing import Any

from jsonschema import Draft7Validator

from local.sandbox.marketplaces import DE, UK
from local.sandbox.specs import load_schema
from tests.unit.sandbox.sandbox_harness import Harness

NOTIFICATIONS = "/notifications/v1"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:000000000000:sellersync-notifications"


def subscribe(harness: Harness, seller_id: str, notification_type: str = "ORDER_CHANGE", **directive: Any) -> str:
    grantless = harness.grantless_token()
    destination = harness.call(
        "POST",
        f"{NOTIFICATIONS}/destinations",
        grantless,
        json={"name": "sellersync", "resourceSpecification": {"sqs": {"arn": QUEUE_ARN}}},
    )
    if destination.status_code == 409:
        destination_id = harness.call("GET", f"{NOTIFICATIONS}/destinations", grantless).json["payload"][0][
            "destinationId"
        ]
    else:
        destination_id = destination.json["payload"]["destinationId"]
    body: dict[str, Any] = {"payloadVersion": "1.0", "destinationId": destination_id}
    if directive:
        body["processingDirective"] = {"eventFilter": {"eventFilterType": notification_type, **directive}}
    response = harness.call(
        "POST", f"{NOTIFICATIONS}/subscriptions/{notification_type}", harness.token(seller_id), json=body
    )
    assert response.status_code == 200, response.json
    return str(response.json["payload"]["subscriptionId"])


def sent(harness: Harness) -> list[dict[str, Any]]:
    return [json.loads(body) for _, body in harness.sender.sent]


def test_destinations_need_a_grantless_token(harness: Harness) -> None:
    body = {"name": "q", "resourceSpecification": {"sqs": {"arn": QUEUE_ARN}}}

    seller_token = harness.call("POST", f"{NOTIFICATIONS}/destinations", harness.token(harness.seller("EU")), json=body)
    grantless = harness.call("POST", f"{NOTIFICATIONS}/destinations", harness.grantless_token(), json=body)
    bad_arn = harness.call(
        "POST",
        f"{NOTIFICATIONS}/destinations",
        harness.grantless_token(),
        json={"name": "q", "resourceSpecification": {"sqs": {"arn": "queue"}}},
    )

    assert seller_token.status_code == 403
    assert grantless.status_code == 200
    assert bad_arn.status_code == 400


def test_order_change_is_sent_for_a_new_order_and_matches_its_schema(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    subscribe(harness, seller_id)

    order = harness.steer("POST", f"/_sandbox/sellers/{seller_id}/orders", json={"prime": True})

    ((queue_arn, _),) = harness.sender.sent
    message = sent(harness)[0]
    assert queue_arn == QUEUE_ARN
    assert not list(Draft7Validator(load_schema("notifications/OrderChangeNotification.json")).iter_errors(message))
    payload = message["Payload"]["OrderChangeNotification"]
    assert payload["AmazonOrderId"] == order["orderId"] and payload["Summary"]["OrderPrograms"] == ["Prime"]


def test_buyer_cancellation_request_is_a_buyer_requested_change(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    subscribe(harness, seller_id)
    order_id = harness.steer("POST", f"/_sandbox/sellers/{seller_id}/orders", json={})["orderId"]

    harness.client.patch(f"/_sandbox/orders/{order_id}", json={"buyerCancelReason": "Changed mind"})

    change = sent(harness)[-1]["Payload"]["OrderChangeNotification"]
    assert change["OrderChangeType"] == "BuyerRequestedChange"
    assert change["Summary"]["OrderItems"][0]["IsBuyerRequestedCancel"] is True


def test_event_filter_limits_marketplaces(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    subscribe(harness, seller_id, marketplaceIds=[DE])

    harness.client.post(f"/_sandbox/sellers/{seller_id}/orders", json={"marketplaceId": UK})
    harness.client.post(f"/_sandbox/sellers/{seller_id}/orders", json={"marketplaceId": DE})

    assert [m["Payload"]["OrderChangeNotification"]["Summary"]["MarketplaceId"] for m in sent(harness)] == [DE]


def test_duplicate_fault_delivers_the_same_notification_twice(harness: Harness) -> None:
    seller_id = harness.seller("NA")
    subscribe(harness, seller_id)
    harness.client.patch("/_sandbox/faults", json={"duplicate_notification_share": 1.0})

    harness.client.post(f"/_sandbox/sellers/{seller_id}/orders", json={})

    first, second = sent(harness)
    assert first == second


def test_late_fault_holds_a_notification_back(harness: Harness) -> None:
    seller_id = harness.seller("NA")
    subscribe(harness, seller_id)
    harness.client.patch("/_sandbox/faults", json={"late_notification_share": 1.0, "late_notification_seconds": 900})

    harness.client.post(f"/_sandbox/sellers/{seller_id}/orders", json={})
    assert harness.sender.sent == []
    harness.advance(901)

    assert len(harness.sender.sent) == 1


def test_arriving_orders_and_their_promotion_are_notified(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(orders_per_hour=6, pending_seconds=600)
    seller_id = harness.seller("EU")
    subscribe(harness, seller_id)

    harness.advance(3 * 3600)

    statuses = [m["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"] for m in sent(harness)]
    assert "Pending" in statuses and "Unshipped" in statuses


def test_subscription_conflict_get_and_grantless_delete(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    subscription_id = subscribe(harness, seller_id)
    token = harness.token(seller_id)

    again = harness.call(
        "POST",
        f"{NOTIFICATIONS}/subscriptions/ORDER_CHANGE",
        token,
        json={"payloadVersion": "1.0", "destinationId": "x"},
    )
    found = harness.call("GET", f"{NOTIFICATIONS}/subscriptions/ORDER_CHANGE", token)
    deleted = harness.call(
        "DELETE", f"{NOTIFICATIONS}/subscriptions/ORDER_CHANGE/{subscription_id}", harness.grantless_token()
    )

    assert again.status_code in (400, 409)
    assert found.json["payload"]["subscriptionId"] == subscription_id
    assert deleted.status_code == 200
    assert harness.call("GET", f"{NOTIFICATIONS}/subscriptions/ORDER_CHANGE", token).status_code == 404


def test_feed_processing_finished_is_sent_in_camel_case(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    subscribe(harness, seller_id, "FEED_PROCESSING_FINISHED")
    token = harness.token(seller_id)
    document = harness.call("POST", "/feeds/2021-06-30/documents", token, json={"contentType": "text/xml"}).json
    body = {"feedType": "POST_PRODUCT_DATA", "marketplaceIds": [UK], "inputFeedDocumentId": document["feedDocumentId"]}
    harness.call("POST", "/feeds/2021-06-30/feeds", token, json=body)

    harness.advance(91)

    message = sent(harness)[-1]
    assert message["notificationType"] == "FEED_PROCESSING_FINISHED"
    assert message["payload"]["feedProcessingFinishedNotification"]["processingStatus"] == "FATAL"


def test_grantless_reads_of_destinations_and_subscriptions(harness: Harness) -> None:
    subscription_id = subscribe(harness, harness.seller("EU"))
    grantless = harness.grantless_token()

    destinations = harness.call("GET", f"{NOTIFICATIONS}/destinations", grantless).json["payload"]
    found = harness.call("GET", f"{NOTIFICATIONS}/subscriptions/ORDER_CHANGE/{subscription_id}", grantless)

    assert [d["resource"]["sqs"]["arn"] for d in destinations] == [QUEUE_ARN]
    assert found.json["payload"]["subscriptionId"] == subscription_id


def test_shipment_confirmation_is_notified_as_a_status_change(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    subscribe(harness, seller_id)
    order = harness.steer("POST", f"/_sandbox/sellers/{seller_id}/orders", json={})
    package = {
        "packageReferenceId": "1",
        "carrierCode": "Royal Mail",
        "trackingNumber": "RM1",
        "shipDate": "2026-03-02T08:00:00Z",
        "orderItems": [{"orderItemId": i["orderItemId"], "quantity": i["quantity"]} for i in order["items"]],
    }
    body = {"marketplaceId": order["marketplaceId"], "packageDetail": package}

    harness.call(
        "POST", f"/orders/v0/orders/{order['orderId']}/shipmentConfirmation", harness.token(seller_id), json=body
    )

    assert sent(harness)[-1]["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"] == "Shipped"
