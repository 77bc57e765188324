"""A few changes go to the fast lane alone and are patched at once; what it should not patch goes by feed."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.inventory.answers import Outcome
from shared.inventory.input import InputDeps, apply_records
from shared.inventory.patch_first import PATCH_WAIT_SECONDS, Handover, split, unanswered
from shared.models.connection import Connection
from shared.models.inventory import Change, InventoryRecord
from shared.models.settings import ConnectionSettings
from tests.unit.inventory.fakes import MemoryBuckets

UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"
AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class _Connections:
    def __init__(self, settings: ConnectionSettings, markets: Sequence[str]) -> None:
        self.settings, self.markets = settings, list(markets)

    def get_connection(self, connection_id: str) -> Connection:
        return Connection.model_validate(
            {
                "selling_partner_id": "A1",
                "name": "shop",
                "region": "EU",
                "marketplace_ids": self.markets,
                "authorized_at": AT,
                "created_at": AT,
                "updated_at": AT,
            }
        )

    def get_settings(self, connection_id: str) -> ConnectionSettings:
        return self.settings


class _Queues:
    """Records where each change went: the feed lane, the fast lane beside it, or the fast lane alone."""

    def __init__(self) -> None:
        self.lanes: dict[str, list[tuple[str, str]]] = {"feed": [], "stock_outs": [], "patch_first": []}
        self.changes: list[Change] = []
        self.patch_first_calls = 0

    def _note(self, lane: str, marketplace_id: str, changes: Sequence[Change]) -> int:
        self.lanes[lane] += [(marketplace_id, c.sku) for c in changes]
        self.changes += changes
        return 1

    def send_changes(self, connection_id: str, marketplace_id: str, changes: Sequence[Change], now: datetime) -> int:
        return self._note("feed", marketplace_id, changes)

    def send_stock_outs(self, connection_id: str, marketplace_id: str, changes: Sequence[Change], now: datetime) -> int:
        return self._note("stock_outs", marketplace_id, changes)

    def send_patch_first(self, connection_id: str, changes: Mapping[str, Sequence[Change]], now: datetime) -> int:
        self.patch_first_calls += 1
        for marketplace_id, part in sorted(changes.items()):
            self._note("patch_first", marketplace_id, part)
        return 1

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        pass

    def publish(self, entries: Any) -> None:
        pass


def _send(records: list[InventoryRecord], few: int | None = None, markets: Sequence[str] = (UK,)) -> _Queues:
    settings = ConnectionSettings(enabled_syncs=frozenset({"inventory"}))
    if few is not None:
        settings = settings.model_copy(update={"patch_first_max_changes": few})
    queues = _Queues()
    connections: Any = _Connections(settings, markets)
    wired: Any = queues
    deps = InputDeps(connections, MemoryBuckets(), wired, wired, lambda: AT, publisher=wired, bus_name="b")
    report = apply_records(records, deps)
    assert report.queued == sum(len(v) for k, v in queues.lanes.items() if k != "stock_outs")
    return queues


def _record(sku: str, available: int) -> InventoryRecord:
    return InventoryRecord(connection_id="eu-1", sku=sku, available=available, as_of=AT)


def test_by_default_up_to_five_changes_go_to_the_fast_lane_alone() -> None:
    lanes = _send([_record(f"S-{i}", i) for i in range(5)]).lanes  # S-0 is a stock-out
    assert sorted(sku for _, sku in lanes["patch_first"]) == [f"S-{i}" for i in range(5)]
    assert lanes["feed"] == [] and lanes["stock_outs"] == []


def test_more_changes_than_the_setting_go_by_feed_and_their_stock_outs_to_the_fast_lane_too() -> None:
    lanes = _send([_record(f"S-{i}", i) for i in range(6)]).lanes
    assert lanes["patch_first"] == []
    assert len(lanes["feed"]) == 6 and lanes["stock_outs"] == [(UK, "S-0")]


def test_the_count_is_per_connection_over_every_marketplace() -> None:
    lanes = _send([_record(f"S-{i}", 3) for i in range(3)], markets=(UK, DE)).lanes  # 3 SKUs x 2 = 6 changes
    assert lanes["patch_first"] == [] and len(lanes["feed"]) == 6
    queues = _send([_record("S-1", 3)], markets=(UK, DE))
    assert sorted(queues.lanes["patch_first"]) == sorted([(DE, "S-1"), (UK, "S-1")])
    assert queues.patch_first_calls == 1  # one fast-lane message for both marketplaces


def test_zero_sends_every_change_by_feed() -> None:
    lanes = _send([_record("S-1", 0)], few=0).lanes
    assert lanes["patch_first"] == [] and lanes["feed"] == [(UK, "S-1")] and lanes["stock_outs"] == [(UK, "S-1")]


@pytest.mark.parametrize("few", [-1, 11])
def test_the_setting_is_bounded(few: int) -> None:
    with pytest.raises(ValueError, match="patch_first_max_changes"):
        ConnectionSettings.model_validate({"patch_first_max_changes": few})


def _changes(*quantities: int) -> list[Change]:
    """The changes input makes of records with these quantities (S-0, S-1, ...), as the fast lane receives them."""
    queues = _send([_record(f"S-{i}", q) for i, q in enumerate(quantities)])
    return sorted(queues.changes, key=lambda c: c.sku)


def _handover(in_flight: bool = False, wait: float = 0.0) -> tuple[Handover, list[Change]]:
    sent: list[Change] = []
    in_flight_markets = (UK, DE) if in_flight else ()
    return Handover(lambda c: in_flight_markets, lambda c: wait, lambda c, m, changes: sent.extend(changes)), sent


def test_an_idle_seller_gets_every_change_patched() -> None:
    changes = _changes(0, 4, 9)
    handover, _ = _handover()
    assert split("eu-1", UK, changes, handover) == (changes, [])


def test_behind_a_feed_in_flight_positive_quantities_go_by_feed_and_stock_outs_are_still_patched() -> None:
    changes = _changes(0, 4, 9)
    handover, _ = _handover(in_flight=True)
    patch, feed = split("eu-1", UK, changes, handover)
    assert [c.values.quantity for c in patch] == [0] and [c.values.quantity for c in feed] == [4, 9]


def test_a_busy_patch_bucket_sends_positive_quantities_by_feed() -> None:
    changes = _changes(0, 4)
    busy, _ = _handover(wait=PATCH_WAIT_SECONDS + 0.5)
    assert [[c.values.quantity for c in part] for part in split("eu-1", UK, changes, busy)] == [[0], [4]]
    near, _ = _handover(wait=PATCH_WAIT_SECONDS)
    assert split("eu-1", UK, changes, near) == (changes, [])


def test_what_amazon_did_not_answer_is_what_is_handed_over() -> None:
    changes = _changes(3, 4, 5)
    answered = [Outcome(UK, changes[1], "ACCEPTED", "patch")]
    assert unanswered(changes, answered) == [changes[0], changes[2]]
