"""confirmShipment's effects: the unrecorded-204 fault, ORDER_CHANGE on every change of shipped quantities, the
v2026 PACKAGES / FULFILLMENT rendering and the inspection view of one order."""

from typing import Any

import pytest

from local.sandbox.config import FaultConfig
from local.sandbox.entities import PARTIALLY_SHIPPED, SHIPPED
from tests.unit.sandbox.order_helpers import confirm, new_order, package
from tests.unit.sandbox.sandbox_harness import Harness
from tests.unit.sandbox.test_sandbox_notifications import sent, subscribe


def order_changes(harness: Harness, order_id: str) -> list[dict[str, Any]]:
    found = [m["Payload"]["OrderChangeNotification"] for m in sent(harness)]
    return [p for p in found if p["AmazonOrderId"] == order_id]


@pytest.mark.parametrize("target", ["seller", "order"])
def test_the_unrecorded_fault_answers_204_and_records_nothing(harness: Harness, target: str) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order, bystander = new_order(harness, seller_id), new_order(harness, seller_id)
    fault = {"unrecorded_shipment_sellers": [seller_id]} if target == "seller" else {}
    fault |= {"unrecorded_shipment_orders": [order.order_id]} if target == "order" else {}
    harness.steer("PATCH", "/_sandbox/faults", json=fault)

    dropped = confirm(harness, token, order, package(order))
    invalid = confirm(harness, token, order, package(order, carrierCode="nope"))
    other = confirm(harness, token, bystander, package(bystander))
    harness.steer(
        "PATCH", "/_sandbox/faults", json={"unrecorded_shipment_sellers": [], "unrecorded_shipment_orders": []}
    )
    retried = confirm(harness, token, order, package(order))

    assert (dropped.status_code, dropped.data) == (204, b"") and invalid.status_code == 400
    assert retried.status_code == 204
    assert order.packages and order.status == SHIPPED  # only the retry after the fault landed
    assert (other.status_code, bool(bystander.packages)) == (204, target == "order")
    log = [
        e for e in harness.steer("GET", f"/_sandbox/sellers/{seller_id}/shipments") if e["orderId"] == order.order_id
    ]
    assert [e["recorded"] for e in log] == [False, True]


def test_fault_lists_come_from_the_command_line_as_comma_separated_text() -> None:
    config = FaultConfig.model_validate({"unrecorded_shipment_orders": "A,B", "unrecorded_shipment_sellers": ""})

    assert (config.unrecorded_shipment_orders, config.unrecorded_shipment_sellers) == (["A", "B"], [])


def test_order_change_goes_out_on_every_change_of_shipped_quantities(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    subscribe(harness, seller_id)
    token = harness.token(seller_id)
    order = new_order(harness, seller_id, (3,))
    created = len(order_changes(harness, order.order_id))

    confirm(harness, token, order, package(order, "1", [(0, 1)]))
    confirm(harness, token, order, package(order, "2", [(0, 1)]))  # still PARTIALLY_SHIPPED
    confirm(harness, token, order, package(order, "2", [(0, 1)], trackingNumber="RETRACKED"))  # no quantity change
    confirm(harness, token, order, package(order, "3", [(0, 1)]))

    changes = order_changes(harness, order.order_id)[created:]
    assert [(c["Summary"]["OrderStatus"], c["Summary"]["NumberOfItemsShipped"]) for c in changes] == [
        ("PartiallyShipped", 1),
        ("PartiallyShipped", 2),
        ("Shipped", 3),
    ]
    assert changes[-1]["Summary"]["OrderItems"][0]["QuantityShipped"] == 3


def test_get_order_renders_packages_and_item_fulfillment(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = new_order(harness, seller_id, (2, 1))
    confirm(harness, token, order, package(order, "1", [(0, 1)], shippingMethod="Tracked 24"))
    confirm(
        harness,
        token,
        order,
        package(order, "2", [(0, 1)], carrierCode="Other", carrierName="Speedy", trackingNumber="S2"),
    )

    found = harness.call(
        "GET", f"/orders/2026-01-01/orders/{order.order_id}?includedData=PACKAGES,FULFILLMENT", token
    ).json["order"]

    first, second = found["packages"]
    assert first == {
        "packageReferenceId": "1",
        "createdTime": first["createdTime"],
        "packageStatus": {"status": "SHIPPED"},
        "carrier": "DHL",
        "shipTime": "2026-03-02T08:00:00Z",
        "shippingService": "Tracked 24",
        "trackingNumber": "TRACK1",
        "packageItems": [{"orderItemId": order.items[0].order_item_id, "quantity": 1}],
    }
    assert (second["carrier"], second["trackingNumber"], "shippingService" in second) == ("Speedy", "S2", False)
    assert [i["fulfillment"] for i in found["orderItems"]] == [
        {"quantityFulfilled": 2, "quantityUnfulfilled": 0},
        {"quantityFulfilled": 0, "quantityUnfulfilled": 1},
    ]
    assert found["fulfillment"]["fulfillmentStatus"] == PARTIALLY_SHIPPED


def test_amazon_fulfilled_orders_render_no_packages(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    shipped_fba = next(
        o for o in harness.sandbox.state.sellers[seller_id].orders.values() if not o.is_mfn and o.packages
    )

    found = harness.call("GET", f"/orders/2026-01-01/orders/{shipped_fba.order_id}?includedData=PACKAGES", token)

    assert "packages" not in found.json["order"]


def test_the_inspection_api_shows_one_order_as_amazon_holds_it(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    order = new_order(harness, seller_id, (2,))
    confirm(
        harness, harness.token(seller_id), order, package(order, "4", [(0, 1)], carrierCode="Other", carrierName="Bike")
    )

    view = harness.steer("GET", f"/_sandbox/orders/{order.order_id}")
    missing = harness.client.get("/_sandbox/orders/202-0000000-0000000")

    assert view["status"] == PARTIALLY_SHIPPED and view["items"][0]["quantityShipped"] == 1
    (held,) = view["packages"]
    assert (held["packageReferenceId"], held["carrierCode"], held["carrierName"], held["updated"]) == (
        "4",
        "Other",
        "Bike",
        None,
    )
    assert held["items"] == [{"orderItemId": order.items[0].order_item_id, "quantity": 1}]
    assert missing.status_code == 404
