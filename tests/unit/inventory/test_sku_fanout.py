"""Inventory input through the SKU map: a merchant SKU's record reaches every Amazon SKU mapped to it (its own name
only when nothing is mapped to it, or when mapped to itself); without a map, a record stays on its own SKU."""

from datetime import UTC, datetime
from typing import Any

from shared.inventory.input import InputDeps, apply_records
from shared.inventory.mapping import MAPPED_ELSEWHERE, fan_out
from shared.inventory.state import RecordStatus
from shared.models.connection import Connection
from shared.models.inventory import Change, InventoryRecord
from shared.models.settings import ConnectionSettings
from shared.models.sku_map import SkuMap
from tests.unit.inventory.fakes import MemoryBuckets

UK = "A1F83G8C2ARO7P"
AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SETTINGS = ConnectionSettings(enabled_syncs=frozenset({"inventory"}), default_handling_days=2)


def record(sku: str, available: int) -> InventoryRecord:
    return InventoryRecord(connection_id="eu-a1", sku=sku, available=available, as_of=AT)


class Buckets(MemoryBuckets):
    def skus(self) -> dict[str, int]:
        return {sku: s.source.available for b in self.items.values() for sku, s in b.skus.items()}


class Connections:
    def get_connection(self, connection_id: str) -> Connection:
        values = {"selling_partner_id": "A1", "name": "shop", "region": "EU", "marketplace_ids": [UK]}
        return Connection.model_validate(values | {"authorized_at": AT, "created_at": AT, "updated_at": AT})

    def get_settings(self, connection_id: str) -> ConnectionSettings:
        return SETTINGS


class Sink:
    """Metrics, queues and the bus at once: keeps the changes sent to the feed lane."""

    def __init__(self) -> None:
        self.sent: list[Change] = []

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        pass

    def send_changes(self, connection_id: str, marketplace_id: str, changes: Any, now: datetime) -> int:
        self.sent.extend(changes)
        return 1

    def send_stock_outs(self, *args: Any) -> int:
        return 1

    def send_patch_first(self, connection_id: str, changes: Any, now: datetime) -> int:
        for part in changes.values():  # a few changes go to the fast lane alone: sent all the same
            self.sent.extend(part)
        return 1

    def publish(self, entries: Any) -> None:
        pass


class Maps:
    def __init__(self, sku_map: SkuMap) -> None:
        self.sku_map = sku_map
        self.asked: list[str] = []

    def get(self, connection_id: str) -> SkuMap:
        self.asked.append(connection_id)
        return self.sku_map


def run(records: list[InventoryRecord], sku_map: SkuMap | None) -> tuple[Any, Buckets, Sink, Maps | None]:
    sink, buckets = Sink(), Buckets()
    maps = Maps(sku_map) if sku_map is not None else None
    deps = InputDeps(Connections(), buckets, sink, sink, lambda: AT, sink, "bus", sku_maps=maps)  # type: ignore[arg-type]
    return apply_records(records, deps), buckets, sink, maps


def test_a_merchant_sku_feeds_every_mapped_amazon_sku() -> None:
    sku_map = SkuMap({"WIDGET-RED-UK": "WIDGET", "WIDGET-RED-OLD": "WIDGET"})

    report, buckets, sink, maps = run([record("WIDGET", 7), record("MUG", 3)], sku_map)

    # SKUs are mapped to WIDGET, so its own name is not fed (it is no Amazon SKU); MUG has no mapping: identity.
    assert buckets.skus() == {"WIDGET-RED-OLD": 7, "WIDGET-RED-UK": 7, "MUG": 3}
    assert sorted((c.sku, c.values.quantity) for c in sink.sent) == [
        ("MUG", 3),
        ("WIDGET-RED-OLD", 7),
        ("WIDGET-RED-UK", 7),
    ]
    assert report.statuses == {RecordStatus.APPLIED: 3}
    assert maps is not None and maps.asked == ["eu-a1"]  # one map read per connection, not one per record


def test_a_merchant_sku_mapped_to_itself_feeds_its_own_name_too() -> None:
    sku_map = SkuMap({"WIDGET-UK": "WIDGET", "WIDGET": "WIDGET"})

    _, buckets, _, _ = run([record("WIDGET", 4)], sku_map)

    assert buckets.skus() == {"WIDGET": 4, "WIDGET-UK": 4}


def test_an_amazon_sku_mapped_elsewhere_ignores_records_under_its_own_name() -> None:
    sku_map = SkuMap({"OLD-CODE": "NEW-CODE"})

    report, buckets, sink, _ = run([record("OLD-CODE", 0), record("NEW-CODE", 5)], sku_map)

    assert buckets.skus() == {"OLD-CODE": 5}
    assert {(c.sku, c.values.quantity) for c in sink.sent} == {("OLD-CODE", 5)}
    assert report.statuses == {RecordStatus.APPLIED: 1, MAPPED_ELSEWHERE: 1}


def test_without_a_map_every_record_stays_on_its_own_sku() -> None:
    _, unmapped, _, _ = run([record("WIDGET", 7)], None)
    _, empty, _, _ = run([record("WIDGET", 7)], SkuMap())

    assert unmapped.skus() == empty.skus() == {"WIDGET": 7}


def test_fan_out_copies_everything_but_the_sku() -> None:
    one = InventoryRecord.model_validate(
        {"connectionId": "eu-a1", "sku": "M", "available": 2, "price": "9.99", "currency": "GBP", "asOf": AT}
    )

    out = fan_out([one], SkuMap({"A": "M", "M": "Z"}))

    assert [r.sku for r in out.records] == ["A"]
    assert out.records[0].model_dump(exclude={"sku"}) == one.model_dump(exclude={"sku"})
    assert out.mapped_elsewhere == 0
