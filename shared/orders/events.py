"""Order events on the stack's bus: which changes are meaningful, and the versioned detail every event carries.

Source `sellersync.orders`; detail types `OrderImported`, `OrderChanged`, `OrderCancelled` and
`BuyerCancellationRequested`. One stored version of an order yields at most one of the first three (the primary
event) plus `BuyerCancellationRequested` when a cancellation request appears that the previous version did not have.
A version that changes nothing a consumer sees (only Amazon's `lastUpdatedTime`) publishes nothing.

Detail (schema version 1, README "Order events"): `schema_version`, `event_id` (stable: the same order version and
type always give the same id, so consumers can de-duplicate a re-publication), `connection_id`, `previous_status`,
`order` (ImportedOrder as JSON) and `items_truncated`. Each of the order's items also carries `merchant_sku`: the
merchant's SKU that feeds the line's Amazon `sku` (the connection's SKU map when the event is built, the same SKU when
unmapped; null when the line has no SKU). An added field: schema version 1 still (docs/orders.md).
"""

import json
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from shared.models.orders import CANCELLED, ImportedOrder, progress
from shared.models.sku_map import IDENTITY, SkuMap

SOURCE = "sellersync.orders"
SCHEMA_VERSION = 1
# EventBridge takes entries up to 256 KiB; an order with hundreds of lines is published without its items beyond
# this budget (the stored order keeps them all; `items_truncated` says so).
MAX_DETAIL_BYTES = 200_000


class OrderEventType(StrEnum):
    """The detail types of order events."""

    IMPORTED = "OrderImported"
    CHANGED = "OrderChanged"
    CANCELLED = "OrderCancelled"
    BUYER_CANCELLATION_REQUESTED = "BuyerCancellationRequested"


# What a consumer sees change; last_updated is the version stamp, and the requests are their own event type.
_IGNORED_FIELDS = {"last_updated"}
_IGNORED_LINE_FIELDS = {"cancellation_requested", "cancellation_reason"}


def _visible(order: ImportedOrder) -> dict[str, Any]:
    visible = order.model_dump(mode="json", exclude=_IGNORED_FIELDS)
    visible["items"] = [{k: v for k, v in line.items() if k not in _IGNORED_LINE_FIELDS} for line in visible["items"]]
    return visible


def classify(previous: ImportedOrder | None, current: ImportedOrder) -> list[OrderEventType]:
    """The events one new version of an order publishes (empty: nothing a consumer sees changed)."""
    events: list[OrderEventType] = []
    if previous is None:
        events.append(OrderEventType.IMPORTED)
    elif current.status == CANCELLED and previous.status != CANCELLED:
        events.append(OrderEventType.CANCELLED)
    elif _visible(previous) != _visible(current):
        events.append(OrderEventType.CHANGED)
    already = previous.requested_cancellations() if previous else set()
    if current.status != CANCELLED and current.requested_cancellations() - already:
        events.append(OrderEventType.BUYER_CANCELLATION_REQUESTED)
    return events


def event_id(order: ImportedOrder, event_type: OrderEventType) -> str:
    """Stable id of one event of one order version (its progress too: two versions may share a lastUpdatedTime)."""
    rank, shipped, requests = progress(order)
    return f"{order.order_id}:{order.last_updated.isoformat()}:{rank}.{shipped}.{requests}:{event_type.value}"


def detail(
    order: ImportedOrder, event_type: OrderEventType, previous_status: str | None, sku_map: SkuMap = IDENTITY
) -> dict[str, Any]:
    """The event's detail (schema version 1), each item with its `merchant_sku` through `sku_map`; items are cut to
    keep the entry within EventBridge's size limit."""
    body: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "event_id": event_id(order, event_type),
        "connection_id": order.connection_id,
        "previous_status": previous_status,
        "order": order.model_dump(mode="json"),
        "items_truncated": False,
    }
    for item in body["order"]["items"]:
        item["merchant_sku"] = None if item.get("sku") is None else sku_map.merchant_of(item["sku"])
    while len(json.dumps(body)) > MAX_DETAIL_BYTES and body["order"]["items"]:
        body["order"]["items"] = body["order"]["items"][: len(body["order"]["items"]) // 2]
        body["items_truncated"] = True
    return body


def entries(
    order: ImportedOrder,
    event_types: Sequence[OrderEventType],
    previous_status: str | None,
    bus_name: str,
    sku_map: SkuMap = IDENTITY,
) -> list[dict[str, Any]]:
    """PutEvents entries for the events of one order version."""
    return [
        {
            "Source": SOURCE,
            "DetailType": event_type.value,
            "Detail": json.dumps(detail(order, event_type, previous_status, sku_map)),
            "EventBusName": bus_name,
        }
        for event_type in event_types
    ]
