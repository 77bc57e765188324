"""Records of the same `asOf` as the held value but another value: resolved toward the lower quantity, in any order."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from shared.inventory.input import InputDeps, apply_records
from shared.inventory.state import RecordStatus, apply_record
from shared.models.connection import Connection
from shared.models.inventory import InventoryRecord, SkuState
from shared.models.settings import ConnectionSettings
from tests.unit.inventory.fakes import MemoryBuckets

UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"
AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SETTINGS = ConnectionSettings(enabled_syncs=frozenset({"inventory"}), default_handling_days=2)


def record(available: int, at: datetime = AT, **extra: Any) -> InventoryRecord:
    return InventoryRecord(connection_id="eu-1", sku="A-1", available=available, as_of=at, **extra)


def apply_all(records: list[InventoryRecord]) -> SkuState | None:
    state: SkuState | None = None
    for one in records:
        state = apply_record("A-1", state, one, SETTINGS, [UK, DE], AT).state
    return state


def test_a_stock_out_with_the_same_as_of_as_the_held_value_is_not_dropped() -> None:
    first = apply_record("A-1", None, record(5), SETTINGS, [UK], AT)
    zero = apply_record("A-1", first.state, record(0), SETTINGS, [UK], AT)
    assert zero.status is RecordStatus.APPLIED and zero.tie
    assert zero.state is not None and zero.state.source.available == 0
    assert [q.change.values.quantity for q in zero.changes] == [0] and zero.changes[0].stock_out


def test_a_higher_value_with_the_same_as_of_is_kept_out_and_counted_as_a_tie() -> None:
    first = apply_record("A-1", None, record(0), SETTINGS, [UK], AT)
    higher = apply_record("A-1", first.state, record(5), SETTINGS, [UK], AT)
    assert higher.status is RecordStatus.TIE_KEPT and higher.tie
    assert higher.state is not None and higher.state.source.available == 0


def test_a_true_duplicate_is_no_tie_and_still_heals() -> None:
    first = apply_record("A-1", None, record(4, handling_days=3), SETTINGS, [UK], AT)
    later = apply_record("A-1", first.state, record(4, AT + timedelta(seconds=1)), SETTINGS, [UK], AT)
    again = apply_record("A-1", later.state, record(4, AT + timedelta(seconds=1)), SETTINGS, [UK], AT)
    assert again.status is RecordStatus.DUPLICATE and not again.tie
    assert [q.marketplace_id for q in again.changes] == [UK]  # unanswered: queued again


class _Connections:
    def get_connection(self, connection_id: str) -> Connection:
        return Connection.model_validate(
            {
                "selling_partner_id": "A1",
                "name": "shop",
                "region": "EU",
                "marketplace_ids": [UK],
                "authorized_at": AT,
                "created_at": AT,
                "updated_at": AT,
            }
        )

    def get_settings(self, connection_id: str) -> ConnectionSettings:
        return SETTINGS


class _Sink:
    def __init__(self) -> None:
        self.metrics: list[tuple[str, float]] = []

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        self.metrics.append((name, value))

    def send_changes(self, *args: Any, **kwargs: Any) -> int:
        return 1

    def send_stock_outs(self, *args: Any, **kwargs: Any) -> int:
        return 1

    def send_patch_first(self, *args: Any, **kwargs: Any) -> int:
        return 1

    def publish(self, entries: Any) -> None:
        pass


def test_a_batch_with_a_tie_reports_it_in_the_metric_and_the_report() -> None:
    sink = _Sink()
    deps = InputDeps(_Connections(), MemoryBuckets(), sink, sink, lambda: AT, publisher=sink, bus_name="bus")  # type: ignore[arg-type]
    report = apply_records([record(7), record(2), record(7)], deps)
    assert report.ties_resolved == 2  # 2 beat the held 7, then the second 7 lost to the held 2
    assert ("InventoryTiesResolved", 2) in sink.metrics
    assert report.statuses == {RecordStatus.APPLIED: 2, RecordStatus.TIE_KEPT: 1}


@st.composite
def tied_records(draw: st.DrawFn) -> list[InventoryRecord]:
    """Records of one `asOf` carrying the same fields (a field one leaves out is kept as held, so records of mixed
    shapes may differ in the fields the quantity's winner leaves out; the quantity never does)."""
    priced, timed = draw(st.booleans()), draw(st.booleans())
    out = []
    for _ in range(draw(st.integers(1, 6))):
        price = Decimal(draw(st.integers(1, 5000))) / 100 if priced else None
        out.append(
            record(
                draw(st.integers(0, 20)),
                price=price,
                currency="GBP" if priced else None,
                handling_days=draw(st.integers(1, 30)) if timed else None,
            )
        )
    return out


@given(tied_records(), st.randoms())
def test_the_order_of_arrival_never_changes_the_outcome_and_the_lowest_quantity_wins(
    records: list[InventoryRecord], rnd: Any
) -> None:
    shuffled = list(records)
    rnd.shuffle(shuffled)
    one, other = apply_all(records), apply_all(shuffled)
    assert one is not None and other is not None
    assert one.source.model_dump(exclude={"received_at"}) == other.source.model_dump(exclude={"received_at"})
    assert {m: s.desired for m, s in one.markets.items()} == {m: s.desired for m, s in other.markets.items()}
    assert one.source.available == min(r.available for r in records)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 50), st.one_of(st.none(), st.integers(1, 999)), st.one_of(st.none(), st.integers(1, 30))
        ),
        min_size=1,
        max_size=6,
    ),
    st.randoms(),
)
def test_records_of_mixed_shapes_agree_on_the_lowest_quantity_in_any_order(
    values: list[tuple[int, int | None, int | None]], rnd: Any
) -> None:
    records = [
        record(q, price=None if p is None else Decimal(p), currency=None if p is None else "GBP", handling_days=d)
        for q, p, d in values
    ]
    base = apply_record("A-1", None, record(99, AT - timedelta(hours=1), handling_days=4), SETTINGS, [UK], AT).state
    shuffled = list(records)
    rnd.shuffle(shuffled)
    for order in (records, shuffled):
        state = base
        for one in order:
            state = apply_record("A-1", state, one, SETTINGS, [UK], AT).state
        assert state is not None and state.source.available == min(q for q, _, _ in values)
        assert state.markets[UK].desired.quantity == min(q for q, _, _ in values)


@given(st.lists(st.integers(0, 30), min_size=1, max_size=8), st.randoms(), st.integers(1, 4))
def test_ties_split_over_messages_in_any_order_end_at_the_lowest_quantity(
    quantities: list[int], rnd: Any, parts: int
) -> None:
    # Given tied records handed to the input path in messages of any size and order
    sink, buckets = _Sink(), MemoryBuckets()
    deps = InputDeps(_Connections(), buckets, sink, sink, lambda: AT, publisher=sink, bus_name="bus")  # type: ignore[arg-type]
    records = [record(q) for q in quantities]
    rnd.shuffle(records)
    size = max(1, len(records) // parts)
    for start in range(0, len(records), size):
        apply_records(records[start : start + size], deps)
    # Then the held value is the lowest quantity
    (bucket,) = buckets.items.values()
    assert bucket.skus["A-1"].source.available == min(quantities)
