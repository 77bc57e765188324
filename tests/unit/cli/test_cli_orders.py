"""The CLI's order views without AWS: list rows, the per-marketplace summary, `orders show` and sync details."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import typer

from cli.commands.orders import OrderNotFoundError, list_summary, order_report
from cli.errors import reporting
from cli.render import console
from cli.tables import details_text, orders_table, outcome_text, print_order, sync_cells
from cli.views import cancellation_text, marketplace_counts, order_flags, order_row, sync_status_row
from shared.models.orders import ImportedOrder, Money, OrderLine, ShippingAddress
from shared.models.sync import SyncState, SyncStatus
from shared.repositories.orders import StoredOrder

DE, UK = "A1PA6795UKMFR9", "A1F83G8C2ARO7P"
PURCHASED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def line(item_id: str = "11", quantity: int = 1, **changes: Any) -> OrderLine:
    values: dict[str, Any] = {
        "order_item_id": item_id,
        "sku": f"SKU-{item_id}",
        "asin": f"B0000000{item_id}",
        "quantity_ordered": quantity,
        "quantity_unshipped": quantity,
    }
    return OrderLine(**(values | changes))


def order(order_id: str = "028-0000001-0000001", marketplace_id: str = DE, **changes: Any) -> ImportedOrder:
    values: dict[str, Any] = {
        "order_id": order_id,
        "connection_id": "eu-a1b2c3",
        "marketplace_id": marketplace_id,
        "status": "UNSHIPPED",
        "fulfilled_by": "MERCHANT",
        "purchase_date": PURCHASED,
        "last_updated": PURCHASED + timedelta(hours=1),
        "items": [line("11", 2), line("12", 3)],
    }
    return ImportedOrder(**(values | changes))


def rendered(*things: Any) -> str:
    with console.capture() as captured:
        for thing in things:
            console.print(thing)
    return captured.get()


def test_a_list_row_sums_quantities_and_prefers_the_mapped_shipping_method() -> None:
    placed = order(
        ship_by_latest=datetime(2026, 11, 22, 12, tzinfo=UTC),
        is_prime=True,
        is_seller_fulfilled_prime=True,
        is_business=True,
        shipping_service_level="Expedited",
        shipping_method="DHL Express",
        order_total=Money(amount=Decimal("42.50"), currency="EUR"),
    )

    row = order_row(placed)

    assert row["items"] == 5
    assert (row["marketplace"], row["total"], row["shipping"]) == ("DE", "42.50 EUR", "DHL Express")
    assert row["flags"] == ["Prime", "SFP", "Business"]
    assert (row["purchase_date"], row["ship_by_latest"]) == ("2026-11-20T09:30:00+00:00", "2026-11-22T12:00:00+00:00")


def test_without_a_mapped_method_the_row_shows_amazons_service_level() -> None:
    assert order_row(order(shipping_service_level="Standard"))["shipping"] == "Standard"
    assert order_row(order())["shipping"] is None
    assert order_flags(order(is_premium=True)) == ["Premium"]


def test_the_summary_counts_orders_per_marketplace_and_says_when_the_limit_cut_the_list() -> None:
    orders = [order("1", UK), order("2", DE), order("3", DE), order("4", "AXXXXXXXXXXXX")]

    assert marketplace_counts(orders) == {"DE": 2, "AXXXXXXXXXXXX": 1, "UK": 1}
    assert list_summary(orders, 50) == "4 order(s): DE 2, AXXXXXXXXXXXX 1, UK 1"
    assert list_summary(orders, 4).endswith("(the latest 4; --limit shows more)")
    assert list_summary([], 50) == "0 order(s)"


def test_the_list_table_drops_the_connection_column_when_the_title_names_the_connection() -> None:
    rows = [order_row(order(is_prime=True))]

    everywhere, one = rendered(orders_table("Orders", rows)), rendered(orders_table("Orders of eu-a1b2c3", rows, False))

    assert "connection" in everywhere and "eu-a1b2c3" in everywhere
    assert "connection" not in one
    for text in ("028-0000001-0000001", "UNSHIPPED", "2026-11-20", "2026-11-20 10:30", "Prime"):
        assert text in one


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, None),
        ({"cancellation_requested": True}, "requested"),
        ({"cancellation_requested": True, "cancellation_reason": "NoLongerNeeded"}, "requested: NoLongerNeeded"),
        ({"cancelled_by": "BUYER", "cancellation_reason": "OrderedByMistake"}, "cancelled by BUYER: OrderedByMistake"),
    ],
)
def test_cancellation_text(changes: dict[str, Any], expected: str | None) -> None:
    assert cancellation_text(line(**changes)) == expected


def test_show_prints_fields_lines_and_recipient_with_stored_text_escaped() -> None:
    stored = StoredOrder(
        order=order(
            status="PARTIALLY_SHIPPED",
            items=[
                line(
                    "11",
                    2,
                    quantity_shipped=1,
                    quantity_unshipped=1,
                    unit_price=Money(amount=Decimal("9.5"), currency="EUR"),
                ),
                line("12", 1, cancellation_requested=True, cancellation_reason="BuyerCanceled"),
            ],
            recipient=ShippingAddress(name="Erika [bold]Muster[/bold]", city="Berlin", postal_code="10115"),
        ),
        pending_events=("OrderStatusChanged",),
        pending_since=PURCHASED,
        previous_status="UNSHIPPED",
    )

    with console.capture() as captured:
        print_order(stored)
    text = captured.get()

    for expected in (
        "PARTIALLY_SHIPPED (was UNSHIPPED)",
        "DE (A1PA6795UKMFR9)",
        "SKU-11",
        "B000000011",
        "9.5 EUR",
        "requested: BuyerCanceled",
        "OrderStatusChanged",
        "Erika [bold]Muster[/bold]",
        "Berlin",
    ):
        assert expected in text


def test_show_without_items_or_recipient_says_so() -> None:
    with console.capture() as captured:
        print_order(StoredOrder(order(items=[]), (), None))
    text = captured.get()

    assert "No items." in text and "Ship to" not in text


def test_the_json_report_is_the_order_as_events_carry_it_plus_its_pending_events() -> None:
    placed = order(order_total=Money(amount=Decimal("12.50"), currency="GBP"))

    report = order_report(StoredOrder(placed, ("OrderImported",), PURCHASED, None))

    assert report["order"] == placed.model_dump(mode="json")
    assert report["order"]["order_total"] == {"amount": "12.50", "currency": "GBP"}
    assert report["pending_events"] == ["OrderImported"]
    assert (report["pending_since"], report["previous_status"]) == ("2026-11-20T09:30:00+00:00", None)


def test_an_unknown_order_is_a_usage_error() -> None:
    with pytest.raises(typer.Exit) as exited, reporting():
        raise OrderNotFoundError("028-9")
    assert exited.value.exit_code == 2


def test_sync_details_are_shown_compactly_below_the_counts_and_kept_in_json() -> None:
    details = {
        "window_before": "2026-11-24T09:58:00.123456+00:00",
        "window_after": "2026-11-24T08:00:00+00:00",
        "watermark": "2026-11-24T09:58:00+01:00",
        "note": "page 3",
    }
    status = SyncStatus(
        connection_id="eu-a1",
        sync_type="orders",
        state=SyncState.OK,
        last_run_at=PURCHASED,
        counts={"imported": 2, "fetched": 3},
        details=details,
    )

    row = sync_status_row(status)

    assert row["details"] == details
    assert details_text(details) == (
        "note=page 3, watermark=2026-11-24 08:58, window_after=2026-11-24 08:00, window_before=2026-11-24 09:58"
    )
    assert sync_cells(row)[4] == "fetched=3, imported=2\n" + str(details_text(details))
    assert outcome_text({}, {}) is None and details_text({}) is None
