"""Amazon's side of shipments and cancellations, read over real HTTP with SandboxInspector: packages, status,
the unrecorded-204 fault, buyer cancellation requests and order acknowledgement records."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from local.sandbox.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from local.sandbox.inspector import OrderInfo
from local.sandbox.marketplaces import UK

pytestmark = pytest.mark.integration
XML_TYPE = "text/xml; charset=UTF-8"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(seed=12, orders_per_hour=0, validate_responses=True)) as running:
        yield running


@pytest.fixture
def inspector(server: SandboxServer) -> SandboxInspector:
    return SandboxInspector(server.url)


class Seller:
    """A fresh EU seller and its access token."""

    def __init__(self, server: SandboxServer, inspector: SandboxInspector) -> None:
        self.url, self.inspector = server.url, inspector
        self.seller_id = inspector.new_seller("EU").selling_partner_id
        form = {
            "grant_type": "refresh_token",
            "refresh_token": inspector.authorize(self.seller_id),
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        }
        self.token = requests.post(f"{self.url}/auth/o2/token", data=form, timeout=10).json()["access_token"]

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"x-amz-access-token": self.token}
        return requests.request(method, f"{self.url}/eu{path}", headers=headers, timeout=10, **kwargs)

    def ship(self, order: OrderInfo, reference: str, lines: list[tuple[int, int]], **fields: str) -> int:
        detail = {
            "packageReferenceId": reference,
            "carrierCode": "Royal Mail",
            "trackingNumber": f"RM{reference}GB",
            "shipDate": self.inspector.now(),
            "orderItems": [{"orderItemId": order.items[i].order_item_id, "quantity": q} for i, q in lines],
            **fields,
        }
        body = {"marketplaceId": order.marketplace_id, "packageDetail": detail}
        return self.call("POST", f"/orders/v0/orders/{order.order_id}/shipmentConfirmation", json=body).status_code

    def order_feed(self, content: str) -> str:
        document = self.call("POST", "/feeds/2021-06-30/documents", json={"contentType": XML_TYPE}).json()
        requests.put(document["url"], data=content.encode(), headers={"Content-Type": XML_TYPE}, timeout=10)
        body = {
            "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
            "marketplaceIds": [UK],
            "inputFeedDocumentId": document["feedDocumentId"],
        }
        feed_id = str(self.call("POST", "/feeds/2021-06-30/feeds", json=body).json()["feedId"])
        self.inspector.advance(120)
        return feed_id


def two_line_order(inspector: SandboxInspector, seller_id: str) -> OrderInfo:
    return inspector.add_order(seller_id, marketplaceId=UK, lines=2)


def test_packages_and_status_as_amazon_holds_them(server: SandboxServer, inspector: SandboxInspector) -> None:
    seller = Seller(server, inspector)
    order = two_line_order(inspector, seller.seller_id)
    first, second = (line.quantity for line in order.items)

    statuses = [
        seller.ship(order, "1", [(0, first)]),
        seller.ship(order, "2", [(1, second)], carrierCode="Other", carrierName="Local Van"),
        seller.ship(order, "1", [(0, first)], trackingNumber="RM1-EDITED"),
        seller.ship(order, "3", [(0, 1)]),
    ]

    held = inspector.order(order.order_id)
    assert statuses == [204, 204, 204, 400]
    assert held.status == "SHIPPED" and [line.quantity_shipped for line in held.items] == [first, second]
    packages = held.package_infos()
    assert [(p.package_reference_id, p.carrier_code, p.carrier_name, p.tracking_number) for p in packages] == [
        ("1", "Royal Mail", None, "RM1-EDITED"),
        ("2", "Other", "Local Van", "RM2GB"),
    ]
    assert packages[0].updated is not None and packages[1].updated is None


def test_the_unrecorded_fault_leaves_amazon_without_the_package(
    server: SandboxServer, inspector: SandboxInspector
) -> None:
    seller = Seller(server, inspector)
    order = two_line_order(inspector, seller.seller_id)
    inspector.drop_shipments(order_ids=[order.order_id])
    try:
        answered = seller.ship(order, "1", [(0, order.items[0].quantity)])
        faults = inspector.faults()
    finally:
        inspector.drop_shipments()

    held = inspector.order(order.order_id)
    assert answered == 204 and faults["unrecorded_shipment_orders"] == [order.order_id]
    assert held.packages == [] and held.status == "UNSHIPPED"
    assert [entry["recorded"] for entry in inspector.shipments(seller.seller_id)] == [False]
    assert inspector.faults()["unrecorded_shipment_orders"] == []


def test_cancellations_and_their_acknowledgement_records(server: SandboxServer, inspector: SandboxInspector) -> None:
    seller = Seller(server, inspector)
    wanted, shipped = (two_line_order(inspector, seller.seller_id) for _ in range(2))
    inspector.request_buyer_cancellation(wanted.order_id, "Ordered by mistake", [wanted.items[0].order_item_id])
    seller.ship(shipped, "1", [(0, 1)])

    def cancel(message_id: int, order: OrderInfo) -> str:
        items = "".join(
            f"<Item><AmazonOrderItemCode>{line.order_item_id}</AmazonOrderItemCode>"
            "<CancelReason>BuyerCanceled</CancelReason></Item>"
            for line in order.items
        )
        return (
            f"<Message><MessageID>{message_id}</MessageID><OrderAcknowledgement><AmazonOrderID>{order.order_id}"
            f"</AmazonOrderID><StatusCode>Failure</StatusCode>{items}</OrderAcknowledgement></Message>"
        )

    feed_id = seller.order_feed(
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>'
        f"<MerchantIdentifier>{seller.seller_id}</MerchantIdentifier></Header>"
        f"<MessageType>OrderAcknowledgement</MessageType>{cancel(1, wanted)}{cancel(2, shipped)}</AmazonEnvelope>"
    )

    records = inspector.acknowledgements(seller.seller_id)
    assert [(r.feed_id, r.message_id, r.cancelled, r.result_message_code) for r in records] == [
        (feed_id, "1", True, None),
        (feed_id, "2", False, "18031"),
    ]
    assert "cannot be cancelled after shipment" in records[1].message
    cancelled = inspector.order(wanted.order_id)
    assert (cancelled.status, cancelled.cancelled_by, cancelled.cancel_reason) == (
        "CANCELLED",
        "MERCHANT",
        "BuyerCanceled",
    )
    assert [line.buyer_cancel_reason for line in cancelled.items] == ["Ordered by mistake", None]
    assert inspector.order(shipped.order_id).status == "PARTIALLY_SHIPPED"
