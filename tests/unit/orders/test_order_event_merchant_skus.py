"""Order events name both SKUs on each line: the Amazon `sku` and the `merchant_sku` that feeds it (the connection's
SKU map when the event is built; the same SKU when unmapped). An added field: schema version 1 still."""

import json
from dataclasses import replace

from shared.models.orders import ImportedOrder
from shared.models.sku_map import SkuMap
from shared.orders.apply import apply_order
from shared.orders.events import SCHEMA_VERSION, OrderEventType, detail
from tests.unit.orders.amazon import CID, amazon_item, imported
from tests.unit.orders.fakes import SinkHarness


def two_lines() -> ImportedOrder:
    return imported(items=[amazon_item("1", "WIDGET-UK"), amazon_item("2", "MUG")])


def test_each_line_carries_its_merchant_sku_through_the_map() -> None:
    body = detail(two_lines(), OrderEventType.IMPORTED, None, SkuMap({"WIDGET-UK": "WIDGET"}))

    assert [(i["sku"], i["merchant_sku"]) for i in body["order"]["items"]] == [("WIDGET-UK", "WIDGET"), ("MUG", "MUG")]
    assert body["schema_version"] == SCHEMA_VERSION == 1


def test_without_a_map_the_merchant_sku_is_the_amazon_sku_and_a_line_without_sku_has_none() -> None:
    order = two_lines()
    no_sku = order.model_copy(update={"items": [replace_sku(order.items[0], None), order.items[1]]})

    body = detail(no_sku, OrderEventType.IMPORTED, None)

    assert [(i["sku"], i["merchant_sku"]) for i in body["order"]["items"]] == [(None, None), ("MUG", "MUG")]


def replace_sku(line: object, sku: str | None) -> object:
    return line.model_copy(update={"sku": sku})  # type: ignore[attr-defined]


class Maps:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def get(self, connection_id: str) -> SkuMap:
        self.asked.append(connection_id)
        return SkuMap({"MUG": "MUG-BLUE-01"})


def test_the_sink_reads_the_connections_map_when_it_publishes() -> None:
    harness = SinkHarness()
    maps = Maps()
    sink = replace(harness.sink, sku_maps=maps)

    apply_order(two_lines(), {"UNSHIPPED"}, sink)

    published = json.loads(harness.publisher.entries[0]["Detail"])
    assert {i["sku"]: i["merchant_sku"] for i in published["order"]["items"]} == {
        "WIDGET-UK": "WIDGET-UK",
        "MUG": "MUG-BLUE-01",
    }
    assert maps.asked == [CID]
