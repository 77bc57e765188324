"""`sellersync orders list|show` on an orders table seeded as the orders sync writes it; sync details in `status`."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shared.models.orders import ImportedOrder, Money, OrderLine, ShippingAddress
from tests.integration.cli.harness import CliStack

pytestmark = pytest.mark.integration

DE, UK, US = "A1PA6795UKMFR9", "A1F83G8C2ARO7P", "ATVPDKIKX0DER"
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def imported(order_id: str, connection_id: str, marketplace_id: str, hours: int, **changes: Any) -> ImportedOrder:
    """An order as the sync imports it, last updated `hours` after START."""
    values: dict[str, Any] = {
        "order_id": order_id,
        "connection_id": connection_id,
        "marketplace_id": marketplace_id,
        "status": "UNSHIPPED",
        "fulfilled_by": "MERCHANT",
        "purchase_date": START,
        "last_updated": START + timedelta(hours=hours),
        "ship_by_latest": START + timedelta(days=2),
        "items": [
            OrderLine(
                order_item_id=f"{order_id}-1",
                sku="MUG-RED",
                asin="B0MUG00001",
                quantity_ordered=2,
                quantity_unshipped=2,
            ),
        ],
    }
    return ImportedOrder(**(values | changes))


def seed(stack: CliStack) -> tuple[str, str]:
    """Two connections: an EU one with three orders (DE, DE, UK) and an NA one with one (US); returns their ids."""
    eu, _ = stack.connect(stack.seller("EU"), name="EU shop")
    na, _ = stack.connect(stack.seller("NA"), name="US shop")
    orders = [
        imported("028-0000001-0000001", eu, DE, 1),
        imported(
            "028-0000002-0000002",
            eu,
            DE,
            4,
            status="PARTIALLY_SHIPPED",
            is_prime=True,
            is_seller_fulfilled_prime=True,
            shipping_service_level="Expedited",
            shipping_method="DHL Express",
            order_total=Money(amount=Decimal("59.90"), currency="EUR"),
        ),
        imported("203-0000003-0000003", eu, UK, 2, status="SHIPPED", shipping_service_level="Standard"),
        imported("111-0000004-0000004", na, US, 3, is_business=True),
    ]
    for order in orders:
        assert stack.orders.put_version(order, [], None)
    return eu, na


def test_list_shows_every_connections_orders_latest_update_first(stack: CliStack) -> None:
    eu, na = seed(stack)

    listed = stack.json("orders", "list")
    table = stack.run("orders", "list")

    assert [o["order_id"] for o in listed] == [
        "028-0000002-0000002",
        "111-0000004-0000004",
        "203-0000003-0000003",
        "028-0000001-0000001",
    ]
    assert listed[0] == stack.orders.list_for_connection(eu)[0].model_dump(mode="json")
    assert listed[0]["order_total"] == {"amount": "59.90", "currency": "EUR"}
    assert table.exit_code == 0, table.output
    for text in ("028-0000002-0000002", "111-0000004-0000004", eu, na, "PARTIALLY_SHIPPED", "2026-11-22 08:00"):
        assert text in table.stdout
    assert "4 order(s): DE 2, UK 1, US 1" in table.stdout


def test_list_of_one_connection_shows_totals_flags_and_shipping(stack: CliStack) -> None:
    eu, _ = seed(stack)

    table = stack.run("orders", "list", "--connection", eu)

    assert table.exit_code == 0, table.output
    for text in (f"Orders of {eu}", "59.90 EUR", "Prime SFP", "DHL Express", "2026-11-20 12:00"):
        assert text in table.stdout
    assert "Standard" in table.stdout  # no mapped method: Amazon's service level
    assert "3 order(s): DE 2, UK 1" in table.stdout


def test_list_filters_by_connection_and_status_and_stops_at_the_limit(stack: CliStack) -> None:
    eu, _ = seed(stack)

    shipped = stack.json("orders", "list", "--connection", eu, "--status", "shipped")
    of_eu = stack.json("orders", "list", "--connection", eu)
    latest = stack.run("orders", "list", "--limit", "2")

    assert [(o["order_id"], o["status"]) for o in shipped] == [("203-0000003-0000003", "SHIPPED")]
    assert [o["order_id"] for o in of_eu] == ["028-0000002-0000002", "203-0000003-0000003", "028-0000001-0000001"]
    assert latest.exit_code == 0, latest.output
    assert "028-0000002-0000002" in latest.stdout and "111-0000004-0000004" in latest.stdout
    assert "028-0000001-0000001" not in latest.stdout
    assert "2 order(s): DE 1, US 1 (the latest 2; --limit shows more)" in latest.stdout
    assert stack.json("orders", "list", "--status", "CANCELLED") == []


def test_list_refuses_an_unknown_connection_or_status(stack: CliStack) -> None:
    seed(stack)

    unknown = stack.run("orders", "list", "--connection", "eu-nobody")
    bad_status = stack.run("orders", "list", "--status", "LOST")

    assert unknown.exit_code == 2 and "no connection 'eu-nobody'" in unknown.stderr
    assert bad_status.exit_code == 2 and "--status" in bad_status.stderr


def test_show_prints_one_order_with_its_lines_and_recipient(stack: CliStack) -> None:
    eu, _ = stack.connect(stack.seller("EU"))
    first = imported("028-0000009-0000009", eu, DE, 1)
    newer = imported(
        "028-0000009-0000009",
        eu,
        DE,
        5,
        status="PARTIALLY_SHIPPED",
        recipient=ShippingAddress(name="Erika Mustermann", city="Berlin", postal_code="10115", country_code="DE"),
        items=[
            OrderLine(
                order_item_id="71",
                sku="MUG-RED",
                asin="B0MUG00001",
                quantity_ordered=3,
                quantity_shipped=1,
                quantity_unshipped=2,
                unit_price=Money(amount=Decimal("9.95"), currency="EUR"),
                cancellation_requested=True,
                cancellation_reason="BuyerCanceled",
            )
        ],
    )
    assert stack.orders.put_version(first, [], None)
    assert stack.orders.put_version(newer, ["OrderStatusChanged"], first)

    shown = stack.run("orders", "show", "028-0000009-0000009")
    report = stack.json("orders", "show", "028-0000009-0000009")

    assert shown.exit_code == 0, shown.output
    for text in (
        "PARTIALLY_SHIPPED (was UNSHIPPED)",
        "DE (A1PA6795UKMFR9)",
        "MUG-RED",
        "B0MUG00001",
        "9.95 EUR",
        "requested: BuyerCanceled",
        "OrderStatusChanged",
        "Erika Mustermann",
        "10115",
    ):
        assert text in shown.stdout
    assert report["order"] == newer.model_dump(mode="json")
    assert (report["pending_events"], report["previous_status"]) == (["OrderStatusChanged"], "UNSHIPPED")
    assert report["pending_since"] is not None


def test_show_of_an_unknown_order_is_a_usage_error(stack: CliStack) -> None:
    result = stack.run("orders", "show", "028-0000000-0000000")

    assert result.exit_code == 2
    assert "no order '028-0000000-0000000'" in result.stderr and result.stdout == ""


def test_status_and_connections_show_carry_the_details_of_the_latest_run(stack: CliStack) -> None:
    eu, _ = stack.connect(stack.seller("EU"))
    details = {
        "window_after": "2026-11-20T08:00:00+00:00",
        "window_before": "2026-11-20T09:58:00+00:00",
        "watermark": "2026-11-20T09:58:00+00:00",
    }
    stack.statuses.record_success(eu, "orders", START, {"imported": 2, "window_complete": 1}, 850, details)

    [entry] = stack.json("status", "--connection", eu)
    table = stack.run("status", "--connection", eu)
    shown = stack.json("connections", "show", eu)

    [run] = entry["syncs"]
    assert (run["sync_type"], run["counts"], run["details"]) == (
        "orders",
        {"imported": 2, "window_complete": 1},
        details,
    )
    assert shown["sync_statuses"][0]["details"] == details
    assert table.exit_code == 0, table.output
    flat = " ".join(table.stdout.split())
    for text in ("imported=2", "window_after=2026-11-20", "08:00", "watermark=2026-11-20"):
        assert text in flat
    assert json.dumps(details) not in table.stdout  # compact, not raw JSON
