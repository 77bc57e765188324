"""confirmShipment as Amazon runs it in 2026: packageReferenceId rules, required fields, carriers, items and
quantities, edits and PackageToUpdateNotFound (the fault, ORDER_CHANGE and rendering: test_sandbox_shipment_state)."""

from pathlib import Path
from typing import Any

import pytest

from local.sandbox.entities import CANCELLED, PARTIALLY_SHIPPED, PENDING, SHIPPED, UNSHIPPED
from local.sandbox.operations import shipments
from tests.unit.sandbox.order_helpers import confirm, new_order, package
from tests.unit.sandbox.sandbox_harness import Harness

INVALID_TYPE = (
    "The input you have submitted is not valid. Please check the fields with invalid type "
    "[packageDetail.packageReferenceId]."
)


def error(response: Any) -> tuple[int, str, str]:
    first = response.json["errors"][0]
    return response.status_code, first["code"], first["message"]


def test_a_json_number_as_package_reference_id_is_an_invalid_type(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    order = new_order(harness, seller_id)

    response = confirm(harness, harness.token(seller_id), order, package(order, reference=1))

    assert error(response) == (400, "InvalidInput", INVALID_TYPE)
    assert order.packages == [] and order.status == UNSHIPPED


@pytest.mark.parametrize("reference", ["pkg-1", "0", "-1", "1.5", "", " 1", "WH/OUT/0001"])
def test_a_package_reference_id_must_be_a_positive_number(harness: Harness, reference: str) -> None:
    seller_id = harness.seller("EU")
    order = new_order(harness, seller_id)

    response = confirm(harness, harness.token(seller_id), order, package(order, reference=reference))

    assert error(response) == (400, "InvalidInput", "PackageReferenceId: is invalid, must be a positive numeric value.")
    assert order.packages == []


@pytest.mark.parametrize(
    ("missing", "where"),
    [
        ("packageReferenceId", "packageReferenceId"),
        ("carrierCode", "carrierCode"),
        ("trackingNumber", "trackingNumber"),
        ("shipDate", "shipDate"),
        ("orderItems", "orderItems"),
    ],
)
def test_every_required_package_field_is_required(harness: Harness, missing: str, where: str) -> None:
    seller_id = harness.seller("EU")
    order = new_order(harness, seller_id)

    response = confirm(harness, harness.token(seller_id), order, package(order, **{missing: None}))

    status, code, message = error(response)
    assert (status, code) == (400, "InvalidInput") and where in message
    assert order.status == UNSHIPPED


def test_marketplace_id_and_item_fields_are_required(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = new_order(harness, seller_id)
    item_id = order.items[0].order_item_id

    no_marketplace = harness.call(
        "POST",
        f"/orders/v0/orders/{order.order_id}/shipmentConfirmation",
        token,
        json={"packageDetail": package(order)},
    )
    no_quantity = confirm(harness, token, order, package(order, orderItems=[{"orderItemId": item_id}]))
    no_item_id = confirm(harness, token, order, package(order, orderItems=[{"quantity": 1}]))

    assert error(no_marketplace)[0] == 400 and "marketplaceId" in error(no_marketplace)[2]
    assert error(no_quantity)[0] == 400 and "quantity" in error(no_quantity)[2]
    assert error(no_item_id)[0] == 400 and "orderItemId" in error(no_item_id)[2]
    assert order.packages == []


@pytest.mark.parametrize("ship_date", ["02/21/2022", "yesterday", "2026-13-45T00:00:00Z"])
def test_a_ship_date_that_is_not_iso_8601_is_invalid_input(harness: Harness, ship_date: str) -> None:
    seller_id = harness.seller("EU")
    order = new_order(harness, seller_id)

    response = confirm(harness, harness.token(seller_id), order, package(order, shipDate=ship_date))

    assert error(response) == (400, "InvalidInput", "Invalid Input")
    assert "shipDate" in response.json["errors"][0]["details"]


def test_carrier_codes_match_the_list_exactly_and_other_needs_a_name(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = new_order(harness, seller_id)

    wrong_case = confirm(harness, token, order, package(order, carrierCode="dhl"))
    old_spelling = confirm(harness, token, order, package(order, carrierCode="SEUR"))
    other_unnamed = confirm(harness, token, order, package(order, carrierCode="Other"))
    other_blank = confirm(harness, token, order, package(order, carrierCode="Other", carrierName=" "))
    other_named = confirm(harness, token, order, package(order, carrierCode="Other", carrierName="Local Courier"))

    assert [r.status_code for r in (wrong_case, old_spelling, other_unnamed, other_blank)] == [400] * 4
    assert "carrierCode" in error(wrong_case)[2] and "carrierName" in error(other_unnamed)[2]
    assert other_named.status_code == 204
    assert (order.packages[0].carrier_code, order.packages[0].carrier_name) == ("Other", "Local Courier")


def test_the_carrier_list_is_read_from_its_data_file(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = tmp_path / "carrier_codes.txt"
    listed.write_text("# a newer list\nBrand New Carrier\nDHL\n", encoding="utf-8")
    monkeypatch.setattr(shipments, "CARRIER_CODES_FILE", listed)
    shipments.carrier_codes.cache_clear()
    try:
        seller_id = harness.seller("EU")
        token = harness.token(seller_id)
        order = new_order(harness, seller_id)

        royal_mail = confirm(harness, token, order, package(order, carrierCode="Royal Mail"))
        new_carrier = confirm(harness, token, order, package(order, carrierCode="Brand New Carrier"))
        codes = shipments.carrier_codes()
    finally:
        shipments.carrier_codes.cache_clear()

    assert (royal_mail.status_code, new_carrier.status_code) == (400, 204)
    assert codes == {"Brand New Carrier", "DHL"}


def test_an_unknown_order_item_id_is_refused_in_amazons_words(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    order = new_order(harness, seller_id)
    detail = package(order, orderItems=[{"orderItemId": "00000000000000", "quantity": 1}])

    response = confirm(harness, harness.token(seller_id), order, detail)

    assert error(response) == (
        400,
        "InvalidInput",
        "OrderItemId is invalid, please obtain the value through the getOrderItems API.",
    )


def test_over_shipment_counts_the_other_packages(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = new_order(harness, seller_id, (3,))

    first = confirm(harness, token, order, package(order, "1", [(0, 2)]))
    too_many = confirm(harness, token, order, package(order, "2", [(0, 2)]))
    zero = confirm(harness, token, order, package(order, "2", [(0, 0)]))
    rest = confirm(harness, token, order, package(order, "2", [(0, 1)]))

    assert first.status_code == 204 and rest.status_code == 204
    assert error(too_many)[0] == 400 and "only 1 unit(s) left" in error(too_many)[2]
    assert error(zero)[0] == 400
    assert order.status == SHIPPED and order.items[0].quantity_shipped == 3


def test_the_same_item_twice_in_one_package_is_refused(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    order = new_order(harness, seller_id, (2,))

    response = confirm(harness, harness.token(seller_id), order, package(order, "1", [(0, 1), (0, 1)]))

    assert error(response)[0] == 400 and order.packages == []


@pytest.mark.parametrize(("status", "fulfilled_by"), [(CANCELLED, "MERCHANT"), (PENDING, "MERCHANT")])
def test_cancelled_and_pending_orders_take_no_package(harness: Harness, status: str, fulfilled_by: str) -> None:
    seller_id = harness.seller("EU")
    order = new_order(harness, seller_id, status=status, fulfilledBy=fulfilled_by)

    response = confirm(harness, harness.token(seller_id), order, package(order))

    assert error(response)[0] == 400 and status in error(response)[2]
    assert order.packages == [] and order.status == status


def test_amazon_fulfilled_orders_take_no_package(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    order = new_order(harness, seller_id, fulfilledBy="AMAZON")

    response = confirm(harness, harness.token(seller_id), order, package(order))

    assert error(response)[0] == 400 and "seller-fulfilled" in error(response)[2]
    assert order.packages == []


def test_resending_a_reference_edits_the_package_items_quantities_and_tracking(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = new_order(harness, seller_id, (2, 1))

    confirm(harness, token, order, package(order, "7", [(0, 2), (1, 1)], trackingNumber="FIRST"))
    assert order.status == SHIPPED
    harness.advance(60)
    edited = confirm(harness, token, order, package(order, "7", [(0, 1)], trackingNumber="SECOND", carrierCode="UPS"))

    assert edited.status_code == 204
    (kept,) = order.packages
    assert (kept.package_reference_id, kept.tracking_number, kept.carrier_code) == ("7", "SECOND", "UPS")
    assert kept.items == [(order.items[0].order_item_id, 1)]
    assert kept.updated_at is not None and kept.updated_at - kept.confirmed_at == 60
    assert [i.quantity_shipped for i in order.items] == [1, 0] and order.status == PARTIALLY_SHIPPED
    log = harness.steer("GET", f"/_sandbox/sellers/{seller_id}/shipments")[-2:]
    assert [(e["edit"], e["recorded"], e["trackingNumber"]) for e in log] == [
        (False, True, "FIRST"),
        (True, True, "SECOND"),
    ]


def test_an_edit_of_a_shipped_order_is_allowed_but_a_new_reference_is_not(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = new_order(harness, seller_id, (1,))
    confirm(harness, token, order, package(order, "1"))

    retracked = confirm(harness, token, order, package(order, "1", trackingNumber="NEW"))
    second = confirm(harness, token, order, package(order, "2"))

    assert retracked.status_code == 204 and order.packages[0].tracking_number == "NEW"
    assert error(second) == (
        400,
        "PackageToUpdateNotFound",
        "Failed to create package due to not finding a matching package or order already fulfilled",
    )
    assert [p.package_reference_id for p in order.packages] == ["1"]
