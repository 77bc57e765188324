"""Order events: which versions publish which events, and the versioned detail they carry."""

import json
from datetime import timedelta
from typing import Any

from shared.models.orders import ImportedOrder
from shared.orders.events import (
    MAX_DETAIL_BYTES,
    SCHEMA_VERSION,
    SOURCE,
    OrderEventType,
    classify,
    detail,
    entries,
    event_id,
)
from tests.unit.orders.amazon import CID, ORDER_ID, T0, amazon_item, imported
from tests.unit.orders.fakes import BUS

LATER = T0 + timedelta(minutes=30)
IMPORTED, CHANGED, CANCELLED, REQUESTED = (
    OrderEventType.IMPORTED,
    OrderEventType.CHANGED,
    OrderEventType.CANCELLED,
    OrderEventType.BUYER_CANCELLATION_REQUESTED,
)


def with_merchant_skus(order: dict[str, Any]) -> dict[str, Any]:
    """The order as an event carries it: each item also names its merchant SKU (the same without a SKU map)."""
    return order | {"items": [item | {"merchant_sku": item["sku"]} for item in order["items"]]}


def test_a_new_order_is_imported() -> None:
    assert classify(None, imported()) == [IMPORTED]


def test_a_new_order_with_a_buyer_request_also_reports_the_request() -> None:
    assert classify(None, imported(items=[amazon_item(request_reason="BUYER_CANCELLED")])) == [IMPORTED, REQUESTED]


def test_a_cancellation_is_only_a_cancellation() -> None:
    before = imported()
    after = imported(
        status="CANCELLED",
        updated=LATER,
        items=[amazon_item(request_reason="BUYER_CANCELLED", cancelled_by="BUYER", cancel_reason="BUYER_CANCELLED")],
    )

    assert classify(before, after) == [CANCELLED]


def test_a_new_buyer_request_alone_is_only_a_request() -> None:
    before = imported()
    after = imported(updated=LATER, items=[amazon_item(request_reason="BUYER_CANCELLED")])

    assert classify(before, after) == [REQUESTED]


def test_a_status_change_is_a_change() -> None:
    assert classify(imported(), imported(status="SHIPPED", updated=LATER)) == [CHANGED]


def test_a_status_change_with_a_new_request_is_both() -> None:
    after = imported(status="PARTIALLY_SHIPPED", updated=LATER, items=[amazon_item(request_reason="OTHER")])

    assert classify(imported(), after) == [CHANGED, REQUESTED]


def test_any_visible_field_is_a_change() -> None:
    before = imported()
    assert classify(before, imported(updated=LATER, items=[amazon_item(shipped=1)])) == [CHANGED]
    assert classify(before, imported(updated=LATER, recipient=False)) == [CHANGED]
    assert classify(before, imported(updated=LATER, total="30.00")) == [CHANGED]


def test_only_a_new_last_updated_time_publishes_nothing() -> None:
    assert classify(imported(), imported(updated=LATER)) == []


def test_a_known_request_is_not_reported_again_but_a_new_item_request_is() -> None:
    known = [amazon_item("1", request_reason="BUYER_CANCELLED"), amazon_item("2", "SKU-B")]
    before = imported(items=known)

    assert classify(before, imported(updated=LATER, items=known)) == []
    reworded = [amazon_item("1", request_reason="OTHER"), amazon_item("2", "SKU-B")]
    assert classify(before, imported(updated=LATER, items=reworded)) == []
    both = [amazon_item("1", request_reason="BUYER_CANCELLED"), amazon_item("2", "SKU-B", request_reason="OTHER")]
    assert classify(before, imported(updated=LATER, items=both)) == [REQUESTED]


def test_the_detail_is_schema_version_1_with_the_whole_order() -> None:
    order = imported(status="SHIPPED")

    body = detail(order, CHANGED, "UNSHIPPED")

    assert body == {
        "schema_version": SCHEMA_VERSION,
        "event_id": f"{ORDER_ID}:2026-11-24T10:00:00+00:00:4.0.0:OrderChanged",
        "connection_id": CID,
        "previous_status": "UNSHIPPED",
        "order": with_merchant_skus(json.loads(order.model_dump_json())),
        "items_truncated": False,
    }
    assert SCHEMA_VERSION == 1
    assert detail(order, IMPORTED, None)["previous_status"] is None


def test_the_event_id_is_stable_per_version_and_type() -> None:
    order = imported()
    stored = ImportedOrder.model_validate_json(order.model_dump_json())  # as the table gives it back

    assert event_id(order, IMPORTED) == event_id(stored, IMPORTED) == event_id(imported(), IMPORTED)
    assert event_id(order, IMPORTED) != event_id(order, REQUESTED)
    assert event_id(order, IMPORTED) != event_id(imported(updated=LATER), IMPORTED)


def test_an_oversized_order_is_published_without_its_later_items() -> None:
    lines = [amazon_item(f"{n:014d}", f"SKU-{n}") for n in range(400)]
    for line in lines:
        line["product"]["title"] = "Größe XL " * 120
    order = imported(items=lines)
    assert len(order.model_dump_json()) > MAX_DETAIL_BYTES

    body = detail(order, IMPORTED, None)

    assert body["items_truncated"] is True
    assert len(json.dumps(body)) <= MAX_DETAIL_BYTES
    kept = body["order"]["items"]
    assert 0 < len(kept) < 400
    assert kept == with_merchant_skus(json.loads(order.model_dump_json()))["items"][: len(kept)]
    assert order.items[-1].order_item_id == f"{399:014d}"  # the order itself keeps every item


def test_entries_carry_source_type_bus_and_detail() -> None:
    order = imported(items=[amazon_item(request_reason="BUYER_CANCELLED")])

    found = entries(order, [IMPORTED, REQUESTED], None, BUS)

    assert [(e["Source"], e["DetailType"], e["EventBusName"]) for e in found] == [
        (SOURCE, "OrderImported", BUS),
        (SOURCE, "BuyerCancellationRequested", BUS),
    ]
    assert [json.loads(e["Detail"]) for e in found] == [detail(order, IMPORTED, None), detail(order, REQUESTED, None)]
    assert SOURCE == "sellersync.orders"


def test_two_versions_within_one_second_have_distinct_event_ids() -> None:
    # Both are stored and published (shared/models/orders.is_newer); a consumer de-duplicating on event_id must
    # keep both
    partly = imported(status="PARTIALLY_SHIPPED", items=[amazon_item(shipped=1)])
    fully = imported(status="SHIPPED", items=[amazon_item(shipped=2)])

    assert partly.last_updated == fully.last_updated
    assert event_id(partly, CHANGED) != event_id(fully, CHANGED)
