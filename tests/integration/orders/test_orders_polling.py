"""Polling: first import, incremental import, updates to known orders, many pages, a crash mid-window."""

from collections import Counter
from typing import Any

import pytest

from shared.repositories.orders import OrdersRepository
from tests.integration.orders.conftest import IMPORTED, World, sandbox_now, utc

pytestmark = pytest.mark.integration


def _imported(world: World) -> Counter[str]:
    return Counter(order_id for kind, order_id in world.event_counts().elements() if kind == "OrderImported")


def test_first_import_brings_in_the_unshipped_merchant_orders_once_with_their_events(world: World) -> None:
    expected = world.expected()
    assert expected, "the seeded world has unshipped MFN orders"

    result = world.run()

    assert result["state"] == "OK", result
    assert set(world.stored()) == expected
    assert _imported(world) == Counter(expected)
    order = next(iter(world.stored().values()))
    assert order.connection_id == world.connection_id and order.items and order.items[0].sku
    assert order.status in IMPORTED and order.fulfilled_by == "MERCHANT"
    # The window: from the order age limit (7 days) to 2 minutes and a little before Amazon's now.
    details = result["details"]
    now = sandbox_now(world.inspector)
    assert 7 * 86400 - 60 < (now - utc(details["window_after"])).total_seconds() < 7 * 86400 + 60
    assert 120 < (now - utc(details["watermark"])).total_seconds() < 200
    assert result["counts"]["window_complete"] == 1 and result["counts"]["imported"] == len(expected)
    # Subscribed to ORDER_CHANGE at the notifications queue, and the subscription recorded for disconnect.
    assert result["counts"]["subscription_subscribed"] == 1
    status = world.statuses.get(world.connection_id, "orders")
    assert status is not None and status.state == "OK" and status.details["watermark"] == details["watermark"]


def test_a_second_run_imports_only_what_is_new_and_republishes_nothing(world: World) -> None:
    world.run()
    before = world.event_counts()
    new = world.inspector.add_order(world.seller.selling_partner_id, status="UNSHIPPED", lines=2)
    world.advance(180)

    result = world.run()

    assert result["counts"]["imported"] == 1, result
    assert result["counts"]["subscription_recorded"] == 1
    assert new.order_id in world.stored()
    after = world.event_counts()
    assert after - before == Counter({("OrderImported", new.order_id): 1})
    # Orders already held and seen again in the overlap write nothing and publish nothing.
    assert result["counts"].get("changed", 0) == 0


def test_updates_to_known_orders_are_applied_and_published_by_kind(world: World) -> None:
    world.run()
    shipped, cancelled, requested = sorted(world.stored())[:3]
    world.inspector.update_order(shipped, status="SHIPPED")
    world.inspector.update_order(cancelled, status="CANCELLED", cancelledBy="BUYER")
    world.inspector.update_order(requested, buyerCancelReason="ORDERED_BY_MISTAKE")
    world.advance(180)

    result = world.run()

    stored = world.stored()
    assert (stored[shipped].status, stored[cancelled].status) == ("SHIPPED", "CANCELLED")
    assert stored[requested].buyer_cancellation_requested
    counts = world.event_counts()
    assert counts[("OrderChanged", shipped)] == 1
    assert counts[("OrderCancelled", cancelled)] == 1
    assert counts[("BuyerCancellationRequested", requested)] == 1
    assert counts[("OrderChanged", requested)] == 0
    assert result["counts"]["changed"] == 3
    changed = next(e for e in world.events() if e["detail-type"] == "OrderChanged")
    assert changed["detail"]["previous_status"] in IMPORTED and changed["detail"]["schema_version"] == 1


def _add_orders(world: World, count: int) -> set[str]:
    return {
        world.inspector.add_order(world.seller.selling_partner_id, status="UNSHIPPED").order_id for _ in range(count)
    }


def test_pagination_across_many_pages_imports_everything_once(world: World) -> None:
    added = _add_orders(world, 230)
    world.advance(180)

    result = world.run()

    assert result["counts"]["pages"] >= 3, result
    assert added <= set(world.stored())
    assert set(_imported(world).values()) == {1}
    assert set(_imported(world)) == world.expected()


def test_a_crash_mid_window_resumes_at_the_saved_page_with_nothing_lost_or_doubled(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_orders(world, 230)
    world.advance(180)
    original = OrdersRepository.put_version
    written: list[str] = []

    def crash_after_150(self: OrdersRepository, order: Any, *args: Any, **kwargs: Any) -> bool:
        if len(written) >= 150:
            raise RuntimeError("Lambda killed mid-page")
        written.append(order.order_id)
        return original(self, order, *args, **kwargs)

    monkeypatch.setattr(OrdersRepository, "put_version", crash_after_150)
    crashed = world.run()
    assert crashed["state"] == "ERROR" and "Lambda killed" in crashed["error"]
    cursor = world.cursors.get(world.connection_id)
    assert cursor is not None and cursor.next_token and cursor.pages >= 1, cursor
    assert cursor.watermark is None  # the window is not done: the watermark has not moved

    monkeypatch.setattr(OrdersRepository, "put_version", original)
    resumed = world.run()

    assert resumed["state"] == "OK" and resumed["counts"]["window_complete"] == 1
    assert set(world.stored()) == world.expected()
    assert set(_imported(world)) == world.expected()
    assert set(_imported(world).values()) == {1}


def test_orders_in_other_statuses_or_fulfilled_by_amazon_are_not_imported(world: World) -> None:
    world.run()
    sandbox = {o.order_id: o for o in world.sandbox_orders()}
    for order_id in world.stored():
        assert sandbox[order_id].fulfilled_by == "MERCHANT" and sandbox[order_id].status in IMPORTED
    assert any(
        o.status in {"PENDING", "SHIPPED", "CANCELLED"} or o.fulfilled_by != "MERCHANT" for o in sandbox.values()
    )
