"""The shipments verification reads the order our own order events carry, whose items also name `merchant_sku` (an
event-only field): the order comes back as stored, and anything else the event does not vouch for is still refused."""

import pytest

from shared.models.orders import order_from_event
from shared.models.sku_map import SkuMap
from shared.orders.events import OrderEventType, detail
from shared.shipments.handling import ORDER_EVENTS_SOURCE, order_event_order
from tests.unit.orders.amazon import amazon_item, imported


def test_an_order_event_with_merchant_skus_gives_back_the_stored_order() -> None:
    order = imported(items=[amazon_item("1", "WIDGET-UK"), amazon_item("2", "MUG")])
    body = {
        "source": ORDER_EVENTS_SOURCE,
        "detail-type": "OrderChanged",
        "detail": detail(order, OrderEventType.CHANGED, "UNSHIPPED", SkuMap({"WIDGET-UK": "WIDGET"})),
    }

    assert body["detail"]["order"]["items"][0]["merchant_sku"] == "WIDGET"
    assert order_event_order(body) == order


def test_an_unknown_item_field_is_still_refused() -> None:
    order = imported(items=[amazon_item("1", "WIDGET-UK")]).model_dump(mode="json")
    order["items"][0]["surprise"] = 1

    with pytest.raises(ValueError, match="surprise"):
        order_from_event(order)
