"""Listings notifications out of the sandbox: EventBridge destinations only, an event per change (recorded, no AWS),
each one an envelope our consumer parses (shared/catalog/notification_models.py)."""

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from local.sandbox.marketplaces import UK
from local.sandbox.notify import partner_source_name
from shared.catalog.notification_models import parse_notification
from tests.unit.sandbox.sandbox_harness import Harness

NOTIFICATIONS = "/notifications/v1"
ACCOUNT = "123456789012"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:000000000000:sellersync-notifications"


@dataclass
class RecordingEvents:
    """Collects EventBridge puts instead of calling AWS."""

    put: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)

    def put_event(self, region: str, source: str, detail_type: str, detail: str) -> None:
        self.put.append((region, source, detail_type, json.loads(detail)))


@pytest.fixture
def events(harness: Harness) -> RecordingEvents:
    recording = RecordingEvents()
    harness.sandbox.events = recording
    return recording


def destination(harness: Harness, resource: dict[str, Any]) -> Any:
    body = {"name": "sellersync", "resourceSpecification": resource}
    return harness.call("POST", f"{NOTIFICATIONS}/destinations", harness.grantless_token(), json=body)


def subscribe(harness: Harness, seller_id: str, notification_type: str, destination_id: str) -> Any:
    body = {"payloadVersion": "1.0", "destinationId": destination_id}
    return harness.call(
        "POST", f"{NOTIFICATIONS}/subscriptions/{notification_type}", harness.token(seller_id), json=body
    )


def bridge(harness: Harness) -> str:
    created = destination(harness, {"eventBridge": {"region": "eu-west-1", "accountId": ACCOUNT}})
    assert created.status_code == 200, created.json
    source = created.json["payload"]["resource"]["eventBridge"]["name"]
    assert source == partner_source_name(ACCOUNT, harness.sandbox.config.application_id)
    assert destination(harness, {"eventBridge": {"region": "eu-west-1", "accountId": ACCOUNT}}).status_code == 409
    return str(created.json["payload"]["destinationId"])


def merchant_sku(harness: Harness, seller_id: str, marketplace_id: str = UK) -> str:
    seller = harness.sandbox.state.sellers[seller_id]
    return next(
        sku
        for sku, listing in seller.listings.items()
        if listing.fulfillment_channel == "DEFAULT" and not listing.is_parent and marketplace_id in listing.offers
    )


def test_listings_types_go_to_eventbridge_destinations_only(harness: Harness) -> None:
    seller = harness.seller("EU")
    sqs = destination(harness, {"sqs": {"arn": QUEUE_ARN}}).json["payload"]["destinationId"]
    refused = subscribe(harness, seller, "LISTINGS_ITEM_MFN_QUANTITY_CHANGE", sqs)
    assert refused.status_code == 400 and "EventBridge" in refused.json["errors"][0]["message"]
    assert subscribe(harness, seller, "ORDER_CHANGE", bridge(harness)).status_code == 400


def test_a_quantity_change_puts_a_quantity_event_on_the_partner_source(
    harness: Harness, events: RecordingEvents
) -> None:
    seller = harness.seller("EU")
    destination_id = bridge(harness)
    for kind in ("LISTINGS_ITEM_MFN_QUANTITY_CHANGE", "LISTINGS_ITEM_STATUS_CHANGE"):
        assert subscribe(harness, seller, kind, destination_id).status_code == 200
    sku = merchant_sku(harness, seller)
    harness.steer("PATCH", f"/_sandbox/sellers/{seller}/listings/{sku}", json={"quantity": 0, "marketplaceId": UK})

    # Stock gone: the quantity changed, and the listing is no longer buyable in the UK.
    kinds = {detail_type: detail for _, _, detail_type, detail in events.put}
    assert set(kinds) == {"LISTINGS_ITEM_MFN_QUANTITY_CHANGE", "LISTINGS_ITEM_STATUS_CHANGE"}
    region, source, _, _ = events.put[0]
    assert (region, source) == ("eu-west-1", partner_source_name(ACCOUNT, harness.sandbox.config.application_id))
    quantity = kinds["LISTINGS_ITEM_MFN_QUANTITY_CHANGE"]["Payload"]
    assert quantity == {"SellerId": seller, "FulfillmentChannelCode": "DEFAULT", "Sku": sku, "Quantity": 0}
    status = kinds["LISTINGS_ITEM_STATUS_CHANGE"]["Payload"]
    assert (status["MarketplaceId"], status["Sku"], status["Status"]) == (UK, sku, ["DISCOVERABLE"])
    app = harness.sandbox.config.application_id
    notices = [parse_notification(json.dumps(detail), app) for _, _, _, detail in events.put]
    assert {(n.sku, n.marketplace_id) for n in notices} == {(sku, UK), (sku, None)}


def test_no_change_and_no_subscription_send_nothing(harness: Harness, events: RecordingEvents) -> None:
    subscribed, other = harness.seller("EU"), harness.seller("NA")
    assert subscribe(harness, subscribed, "LISTINGS_ITEM_MFN_QUANTITY_CHANGE", bridge(harness)).status_code == 200
    for seller_id in (subscribed, other):
        marketplace = harness.sandbox.state.sellers[seller_id].marketplace_ids[0]
        sku = merchant_sku(harness, seller_id, marketplace)
        same = harness.sandbox.state.sellers[seller_id].listings[sku].offers[marketplace].quantity
        path = f"/_sandbox/sellers/{seller_id}/listings/{sku}"
        harness.steer("PATCH", path, json={"title": "New title", "marketplaceId": marketplace})
        harness.steer("PATCH", path, json={"quantity": same, "marketplaceId": marketplace})
    harness.steer("PATCH", path, json={"quantity": (same or 0) + 1, "marketplaceId": marketplace})
    # A title or the same quantity again is no quantity change; the other seller has no subscription.
    assert events.put == []
