"""`sellersync shipments status [--at-risk]` and `sellersync orders cancel` against a stack on moto in process:
packages and cancellations written with the repositories are shown with their states; a cancellation is checked
against the stored order before it is queued."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from shared.models.shipments import (
    CancellationRecord,
    CancellationState,
    CancelReason,
    OrderCancellationRequested,
    PackageRecord,
    PackageState,
    ShipmentCreated,
)
from shared.repositories.cancellations import OrderPackages
from shared.shipments.carriers import coerce_carrier
from shared.shipments.validation import validate_shipment
from tests.unit.cli.shipments_stack import ORDER, UK, ShipStack, line, shipments_stack

CANCELLED_ONLY = "026-1000002-0000002"
SETTLED = "026-1000003-0000003"


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[ShipStack]:
    with shipments_stack(monkeypatch) as running:
        yield running


def record_package(stack: ShipStack, reference: str, carrier: str, state: PackageState, message: str | None) -> None:
    """A package recorded and answered as the shipments function records them."""
    request = ShipmentCreated(
        connection_id=stack.connection_id,
        order_id=ORDER,
        reference=reference,
        carrier=carrier,
        tracking_number=f"T-{reference}",
        items=[{"sku": "SKU-A", "quantity": 1}],
    )
    existing = stack.shipments.load(stack.connection_id, ORDER)
    order = stack.orders.get(ORDER)
    assert order is not None
    now = datetime.now(UTC)
    record = validate_shipment(request, order.order, existing, lambda n: coerce_carrier(n, UK, {}), now=now)
    assert isinstance(record, PackageRecord), record
    stack.shipments.record_package(record, existing)
    assert stack.shipments.transition(record, record.model_copy(update={"state": state, "message": message}))


def request_cancellation(stack: ShipStack, order_id: str, reason: CancelReason) -> CancellationRecord:
    now = datetime.now(UTC)
    record = CancellationRecord(
        connection_id=stack.connection_id,
        order_id=order_id,
        marketplace_id=UK,
        reason=reason,
        order_item_ids=("11111111111111", "22222222222222"),
        requested_at=now,
        updated_at=now,
    )
    assert stack.cancellations.request(record, OrderPackages(0, 0)).value == "created"
    return record


@pytest.fixture
def activity(stack: ShipStack) -> ShipStack:
    """ORDER: a package sent and one rejected; CANCELLED_ONLY: a pending cancellation; SETTLED: a cancelled one."""
    for order_id in (ORDER, CANCELLED_ONLY, SETTLED):
        stack.add_order(order_id)
    record_package(stack, "PKG-1", "Royal Mail 24", PackageState.SENT, None)
    record_package(stack, "PKG-2", "ups", PackageState.REJECTED, "InvalidInput: Invalid tracking number")
    request_cancellation(stack, CANCELLED_ONLY, CancelReason.NO_INVENTORY)
    settled = request_cancellation(stack, SETTLED, CancelReason.SHIPPING_ADDRESS_UNDELIVERABLE)
    now = datetime.now(UTC)
    claimed = stack.cancellations.claim(settled, "run-1", now)
    assert claimed is not None and stack.cancellations.mark_fed(claimed, "run-1", "feed-9", 1, now)
    assert stack.cancellations.settle(claimed, "feed-9", CancellationState.CANCELLED, "Order cancelled", now)
    return stack


def status(stack: ShipStack, *extra: str) -> list[dict[str, object]]:
    result = stack.run("shipments", "status", "--connection", stack.connection_id, "--json", *extra)
    assert result.exit_code == 0, result.output
    views: list[dict[str, object]] = json.loads(result.stdout)
    return views


def test_status_lists_packages_and_cancellations_with_their_states(activity: ShipStack) -> None:
    views = {v["order_id"]: v for v in status(activity)}

    assert set(views) == {ORDER, CANCELLED_ONLY, SETTLED}
    packages = views[ORDER]["packages"]
    assert isinstance(packages, list)
    assert [(p["reference"], p["carrier_given"], p["carrier_sent"], p["state"]) for p in packages] == [
        ("PKG-1", "Royal Mail 24", "Royal Mail", "sent"),
        ("PKG-2", "ups", "UPS", "rejected"),
    ]
    assert packages[1]["message"] == "InvalidInput: Invalid tracking number"
    assert views[ORDER]["cancellation"] is None
    assert views[CANCELLED_ONLY]["packages"] == []
    pending = views[CANCELLED_ONLY]["cancellation"]
    assert isinstance(pending, dict) and (pending["state"], pending["reason"]) == ("pending", "NoInventory")
    settled = views[SETTLED]["cancellation"]
    assert isinstance(settled, dict)
    assert (settled["state"], settled["verdict"], settled["feed_id"]) == ("cancelled", "Order cancelled", "feed-9")


def test_status_of_one_order_and_of_an_order_with_only_a_cancellation(activity: ShipStack) -> None:
    assert [v["order_id"] for v in status(activity, "--order", ORDER)] == [ORDER]
    (only,) = status(activity, "--order", CANCELLED_ONLY)
    assert only["packages"] == [] and isinstance(only["cancellation"], dict)
    assert status(activity, "--order", "026-9999999-9999999") == []


def test_status_of_an_unknown_connection_is_a_usage_error(stack: ShipStack) -> None:
    result = stack.run("shipments", "status", "--connection", "eu-nobody")

    assert result.exit_code == 2
    assert "eu-nobody" in result.stderr


def test_status_tables_show_both_carrier_spellings_and_the_cancellations(activity: ShipStack) -> None:
    result = activity.run("shipments", "status", "--connection", activity.connection_id)

    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Royal Mail 24" in text and "Invalid tracking number" in text and "rejected" in text
    assert "Cancellations" in text and CANCELLED_ONLY in text and "NoInventory" in text


def test_at_risk_lists_an_order_due_within_4_hours_and_not_one_due_in_3_days(stack: ShipStack) -> None:
    now = datetime.now(UTC)
    stack.add_order(ORDER, ship_by_latest=now + timedelta(hours=2))
    stack.add_order(CANCELLED_ONLY, ship_by_latest=now + timedelta(days=3))

    rows = status(stack, "--at-risk")
    table = stack.run("shipments", "status", "--connection", stack.connection_id, "--at-risk")

    assert [(r["order_id"], r["units_unconfirmed"], r["overdue"]) for r in rows] == [(ORDER, 3, False)]
    assert table.exit_code == 0 and ORDER in table.stdout and CANCELLED_ONLY not in table.stdout


def cancel(stack: ShipStack, reason: str, order_id: str = ORDER) -> list[str]:
    return ["orders", "cancel", order_id, "--connection", stack.connection_id, "--reason", reason, "--wait", "0"]


def test_a_cancellation_is_queued_with_amazons_reason(stack: ShipStack) -> None:
    stack.add_order()

    result = stack.run(*cancel(stack, "out of stock"))

    assert result.exit_code == 0, result.output
    assert f"Cancellation of {ORDER} queued (NoInventory)" in result.stdout
    assert stack.requests() == [
        OrderCancellationRequested(connection_id=stack.connection_id, order_id=ORDER, reason=CancelReason.NO_INVENTORY)
    ]


def test_a_cancellation_after_an_item_shipped_is_refused(stack: ShipStack) -> None:
    lines = [line("11111111111111", "SKU-A", 2, shipped=1), line("22222222222222", "SKU-B", 1)]
    stack.add_order(lines=lines, status="PARTIALLY_SHIPPED")

    result = stack.run(*cancel(stack, "NoInventory"))

    assert result.exit_code == 1
    assert "refused (shipped): an item has shipped" in " ".join(result.stderr.split())
    assert stack.requests() == []


def test_buyer_canceled_needs_the_buyers_request(stack: ShipStack) -> None:
    stack.add_order()
    asked = [line("11111111111111", "SKU-A", 2).model_copy(update={"cancellation_requested": True})]
    stack.add_order(CANCELLED_ONLY, lines=asked)

    refused = stack.run(*cancel(stack, "BuyerCanceled"))
    sent = stack.run(*cancel(stack, "buyer requested", CANCELLED_ONLY))

    assert refused.exit_code == 1 and "buyer_did_not_ask" in refused.stderr
    assert sent.exit_code == 0, sent.output
    assert [(r.order_id, getattr(r, "reason", None)) for r in stack.requests()] == [
        (CANCELLED_ONLY, CancelReason.BUYER_CANCELED)
    ]


def test_an_unknown_reason_is_a_usage_error_listing_amazons_values(stack: ShipStack) -> None:
    stack.add_order()

    result = stack.run(*cancel(stack, "changed my mind"))

    assert result.exit_code == 2
    listed = " ".join(result.stderr.split())
    assert all(reason.value in listed for reason in CancelReason)
    assert stack.requests() == []


def test_a_cancellation_already_recorded_is_shown_and_not_queued_again(stack: ShipStack) -> None:
    stack.add_order()
    request_cancellation(stack, ORDER, CancelReason.NO_INVENTORY)

    result = stack.run(*cancel(stack, "oos"))
    other = stack.run(*cancel(stack, "GeneralAdjustment"))

    assert result.exit_code == 0, result.output
    assert f"Cancellation of {ORDER} (NoInventory): pending" in result.stdout
    assert other.exit_code == 1 and "already_requested" in other.stderr
    assert stack.requests() == []


def test_a_new_request_after_a_rejected_cancellation_is_shown_queued_not_rejected(stack: ShipStack) -> None:
    stack.add_order()
    earlier = request_cancellation(stack, ORDER, CancelReason.NO_INVENTORY)
    now = datetime.now(UTC)
    claimed = stack.cancellations.claim(earlier, "run-1", now)
    assert claimed is not None and stack.cancellations.mark_fed(claimed, "run-1", "feed-1", 1, now)
    assert stack.cancellations.settle(claimed, "feed-1", CancellationState.REJECTED, "Amazon said no", now)

    result = stack.run(*cancel(stack, "NoInventory"))

    assert result.exit_code == 0, result.output
    assert f"Cancellation of {ORDER} queued (NoInventory)" in result.stdout
    assert len(stack.requests()) == 1


def test_a_package_held_while_paused_shows_as_held(stack: ShipStack) -> None:
    stack.add_order(ORDER)
    record_package(stack, "PKG-H", "Royal Mail 24", PackageState.HELD, None)

    (order,) = status(stack, "--order", ORDER)
    packages = order["packages"]
    assert isinstance(packages, list)
    assert [(p["reference"], p["state"]) for p in packages] == [("PKG-H", "held")]
