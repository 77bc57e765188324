"""from_amazon: Amazon's v2026 order (camelCase on the wire) into our stable ImportedOrder."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shared.models.orders import (
    ImportedOrder,
    Money,
    OrderLine,
    ShippingAddress,
    from_amazon,
    is_newer,
    mapped_shipping_method,
)
from shared.spapi.models.orders import Order
from tests.unit.orders.amazon import CID, DE, ORDER_ID, T0, amazon_item, amazon_order, imported, order


def test_an_order_maps_field_by_field() -> None:
    result = imported(
        status="PARTIALLY_SHIPPED",
        items=[amazon_item("1", "SKU-A", quantity=3, shipped=1, price="9.50"), amazon_item("2", "SKU-B")],
        total="41.48",
    )

    created = T0 - timedelta(hours=1)
    assert result.model_dump(exclude={"items", "recipient"}) == {
        "order_id": ORDER_ID,
        "connection_id": CID,
        "marketplace_id": DE,
        "status": "PARTIALLY_SHIPPED",
        "fulfilled_by": "MERCHANT",
        "purchase_date": created,
        "last_updated": T0,
        "ship_by_earliest": created + timedelta(days=1),
        "ship_by_latest": created + timedelta(days=2),
        "deliver_by_earliest": created + timedelta(days=3),
        "deliver_by_latest": created + timedelta(days=5),
        "is_prime": False,
        "is_seller_fulfilled_prime": False,
        "is_business": False,
        "is_premium": False,
        "shipping_service_level": "STANDARD",
        "shipping_method": None,
        "order_total": {"amount": Decimal("41.48"), "currency": "EUR"},
    }
    assert result.items == [
        OrderLine(
            order_item_id="1",
            sku="SKU-A",
            asin="B0TESTASIN",
            title="Product SKU-A",
            quantity_ordered=3,
            quantity_shipped=1,
            quantity_unshipped=2,
            unit_price=Money(amount=Decimal("9.50"), currency="EUR"),
        ),
        OrderLine(
            order_item_id="2",
            sku="SKU-B",
            asin="B0TESTASIN",
            title="Product SKU-B",
            quantity_ordered=2,
            quantity_shipped=0,
            quantity_unshipped=2,
            unit_price=Money(amount=Decimal("12.99"), currency="EUR"),
        ),
    ]


@pytest.mark.parametrize(
    "status", ["PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED", "CANCELLED", "UNFULFILLABLE"]
)
def test_the_status_is_amazons_fulfillment_status(status: str) -> None:
    assert imported(status=status).status == status


@pytest.mark.parametrize(
    ("programs", "fulfilled_by", "flags"),
    [
        ([], "MERCHANT", (False, False, False, False)),
        (["PRIME"], "MERCHANT", (True, True, False, False)),
        (["PRIME"], "AMAZON", (True, False, False, False)),
        (["AMAZON_BUSINESS"], "MERCHANT", (False, False, True, False)),
        (["PREMIUM"], "MERCHANT", (False, False, False, True)),
        (["PRIME", "AMAZON_BUSINESS", "PREMIUM"], "MERCHANT", (True, True, True, True)),
    ],
    ids=["none", "seller-fulfilled-prime", "fba-prime", "business", "premium", "all"],
)
def test_program_flags(programs: list[str], fulfilled_by: str, flags: tuple[bool, bool, bool, bool]) -> None:
    result = imported(programs=programs, fulfilled_by=fulfilled_by)

    assert (result.is_prime, result.is_seller_fulfilled_prime, result.is_business, result.is_premium) == flags
    assert result.fulfilled_by == fulfilled_by


@pytest.mark.parametrize(
    ("level", "method_map", "expected"),
    [
        ("Expedited", {"Expedited": "DHL Express"}, "DHL Express"),
        ("STANDARD", {"Standard": "DHL Paket"}, "DHL Paket"),  # the sandbox sends upper case
        ("standard", {"Standard": "DHL Paket"}, "DHL Paket"),
        ("Standard", {"STANDARD": "Hermes", "Standard": "DHL Paket"}, "DHL Paket"),  # exact key wins
        ("NextDay", {"Standard": "DHL Paket"}, None),
        ("Standard", {}, None),
    ],
)
def test_the_shipping_method_maps_exactly_first_then_case_insensitively(
    level: str, method_map: dict[str, str], expected: str | None
) -> None:
    result = imported(method_map, service_level=level)

    assert (result.shipping_service_level, result.shipping_method) == (level, expected)
    assert mapped_shipping_method(level, method_map) == expected


def test_no_service_level_maps_to_no_method() -> None:
    result = imported({"Standard": "DHL Paket"}, service_level=None)

    assert (result.shipping_service_level, result.shipping_method) == (None, None)
    assert mapped_shipping_method("", {"": "x"}) is None


def test_money_travels_as_exact_decimal_strings_in_json() -> None:
    result = imported(items=[amazon_item(price="12.50")], total="0.10")

    as_json = json.loads(result.model_dump_json())

    assert as_json["order_total"] == {"amount": "0.10", "currency": "EUR"}
    assert as_json["items"][0]["unit_price"] == {"amount": "12.50", "currency": "EUR"}
    assert ImportedOrder.model_validate_json(result.model_dump_json()) == result  # what the table stores reads back


def test_an_order_without_proceeds_has_no_total() -> None:
    assert imported(status="PENDING", total=None).order_total is None


def test_the_recipient_is_mapped_only_when_amazon_sends_one() -> None:
    assert imported(recipient=False).recipient is None
    assert imported().recipient == ShippingAddress(
        name="Erika Mustermann",
        address_line1="Hauptstr. 1",
        city="Berlin",
        postal_code="10115",
        country_code="DE",
        address_type="RESIDENTIAL",
    )


def test_an_open_buyer_cancellation_request() -> None:
    result = imported(items=[amazon_item("1", request_reason="BUYER_CANCELLED"), amazon_item("2", "SKU-B")])

    first, second = result.items
    assert (first.cancellation_requested, first.cancellation_reason, first.cancelled_by) == (
        True,
        "BUYER_CANCELLED",
        None,
    )
    assert (second.cancellation_requested, second.cancellation_reason, second.cancelled_by) == (False, None, None)
    assert result.buyer_cancellation_requested
    assert result.requested_cancellations() == {"1"}


def test_an_executed_cancellation_takes_its_reason_unless_a_request_gave_one() -> None:
    result = imported(
        status="CANCELLED",
        items=[
            amazon_item("1", cancelled_by="SELLER", cancel_reason="NO_INVENTORY"),
            amazon_item("2", "SKU-B", request_reason="BUYER_CANCELLED", cancelled_by="BUYER", cancel_reason="OTHER"),
        ],
    )

    first, second = result.items
    assert (first.cancellation_requested, first.cancellation_reason, first.cancelled_by) == (
        False,
        "NO_INVENTORY",
        "SELLER",
    )
    assert (second.cancellation_requested, second.cancellation_reason, second.cancelled_by) == (
        True,
        "BUYER_CANCELLED",
        "BUYER",
    )
    assert not result.buyer_cancellation_requested  # the request is settled
    assert result.requested_cancellations() == {"2"}


def test_naive_timestamps_are_utc_and_offsets_are_converted() -> None:
    body = amazon_order()
    body["lastUpdatedTime"] = "2026-11-24T10:00:00"
    body["createdTime"] = "2026-11-24T10:30:00+01:00"
    body["fulfillment"]["shipByWindow"] = {"earliestDateTime": "2026-11-25T08:00:00", "latestDateTime": None}

    result = from_amazon(Order.model_validate(body), CID, {})

    assert result.last_updated == T0 and result.last_updated.utcoffset() == timedelta(0)
    assert result.purchase_date == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert result.purchase_date.utcoffset() == timedelta(0)
    assert result.ship_by_earliest == datetime(2026, 11, 25, 8, tzinfo=UTC)
    assert result.ship_by_latest is None


def test_an_item_without_fulfillment_data_is_all_unshipped() -> None:
    item = amazon_item(quantity=4)
    del item["fulfillment"]

    (line,) = imported(items=[item]).items

    assert (line.quantity_ordered, line.quantity_shipped, line.quantity_unshipped) == (4, 0, 4)


def test_the_wire_model_drops_what_we_do_not_use() -> None:
    body = amazon_order()
    body["buyer"] = {"buyerEmail": "x@marketplace.amazon.de"}
    body["packages"] = []
    body["somethingNew"] = {"v": 1}

    assert from_amazon(Order.model_validate(body), CID, {}) == from_amazon(order(), CID, {})


def test_a_later_last_updated_time_is_newer_whatever_the_progress() -> None:
    earlier, later = imported(status="SHIPPED"), imported(updated=T0 + timedelta(seconds=1))

    assert is_newer(later, earlier)
    assert not is_newer(earlier, later)


@pytest.mark.parametrize(
    ("candidate", "newer"),
    [
        ({"status": "SHIPPED", "items": [amazon_item(shipped=2)]}, True),
        ({"status": "PARTIALLY_SHIPPED", "items": [amazon_item(shipped=1)]}, True),
        ({"items": [amazon_item(request_reason="BUYER_CANCELLED")]}, True),
        ({"status": "CANCELLED"}, True),
        ({}, False),  # the same version again
        ({"status": "PENDING"}, False),  # an order never moves back
    ],
    ids=["shipped", "partially-shipped", "buyer-request", "cancelled", "replay", "backwards"],
)
def test_within_one_second_the_order_that_progressed_is_newer(candidate: dict[str, Any], newer: bool) -> None:
    stored = imported()

    assert is_newer(imported(**candidate), stored) is newer
