"""A package item may name the merchant SKU of an order line (the connection's SKU map): it resolves to the line
whose Amazon SKU that merchant SKU feeds; the Amazon SKU itself still wins, and the map is read only when needed."""

from shared.models.shipments import PackageRecord
from shared.models.sku_map import SkuMap
from shared.repositories.shipments import ShipmentsRepository
from shared.shipments.confirm import OutcomeKind, ShipmentDeps, process_shipment
from shared.shipments.validation import Refusal, validate_shipment
from tests.unit.shipments.test_validation import packages
from tests.unit.shipments.world import NOW, Clock, FakeAmazon, coerce, line, shipment, stored_order

A, B = "11111111111111", "22222222222222"


class Maps:
    """The connection's map, counting reads."""

    def __init__(self, mappings: dict[str, str]) -> None:
        self.sku_map = SkuMap(mappings)
        self.reads = 0

    def __call__(self) -> SkuMap:
        self.reads += 1
        return self.sku_map


def check(event: object, maps: Maps, order: object = None) -> object:
    return validate_shipment(event, order or stored_order(), packages(), coerce, now=NOW, sku_map=maps)  # type: ignore[arg-type]


def test_an_item_named_by_merchant_sku_resolves_to_the_order_line_it_feeds() -> None:
    maps = Maps({"SKU-A": "WIDGET"})

    record = check(shipment(items=[("WIDGET", 2), ("SKU-B", 1)]), maps)

    assert isinstance(record, PackageRecord)
    # The package's lines name the Amazon SKU: that is what Amazon's confirmShipment knows.
    assert [(x.order_item_id, x.sku, x.quantity) for x in record.lines] == [(A, "SKU-A", 2), (B, "SKU-B", 1)]


def test_the_amazon_sku_is_matched_first_without_reading_the_map() -> None:
    maps = Maps({"SKU-A": "SKU-B"})  # SKU-B is also the merchant SKU of SKU-A: the line SKU-B still wins

    record = check(shipment(items=[("SKU-B", 1)]), maps)

    assert isinstance(record, PackageRecord)
    assert [(x.order_item_id, x.quantity) for x in record.lines] == [(B, 1)]
    assert maps.reads == 0


def test_a_merchant_sku_feeding_two_lines_needs_the_order_item_id() -> None:
    maps = Maps({"SKU-A": "WIDGET", "SKU-B": "WIDGET"})

    verdict = check(shipment(items=[("WIDGET", 1)]), maps)
    by_id = check(shipment(items=[{"orderItemId": B, "quantity": 1}]), maps)

    assert isinstance(verdict, Refusal) and "is on 2 lines" in verdict.reason
    assert isinstance(by_id, PackageRecord) and [x.order_item_id for x in by_id.lines] == [B]


def test_a_sku_neither_on_a_line_nor_mapped_to_one_is_refused() -> None:
    maps = Maps({"SKU-A": "WIDGET", "ELSEWHERE": "GADGET"})
    order = stored_order([line(A, "SKU-A", 2), line(B, None, 1)])  # a line without a SKU is skipped

    unknown = check(shipment(items=[("GADGET", 1)]), maps, order)

    assert isinstance(unknown, Refusal) and unknown.reason.startswith("SKU GADGET is not in order")
    assert maps.reads == 1


def test_process_shipment_reads_the_map_through_its_deps_and_confirms_the_line(
    repo: ShipmentsRepository,
) -> None:
    order = stored_order()
    amazon = FakeAmazon()
    maps = Maps({"SKU-B": "GADGET"})
    deps = ShipmentDeps(lambda _: order, repo, amazon, coerce, Clock(), sku_map=maps)

    outcome = process_shipment(shipment(items=[("GADGET", 1)]), deps)

    assert outcome.kind is OutcomeKind.SENT
    ((_, body),) = amazon.calls
    assert [(i.order_item_id, i.quantity) for i in body.package_detail.order_items] == [(B, 1)]
    assert maps.reads == 1
