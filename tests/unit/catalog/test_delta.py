"""The hourly delta (shared/catalog/delta.py) against a fake searchListingsItems with Amazon's 1,000-item cap: windows
halved until they fit and walked in order, the cursor only past applied pages, the overlap read again without a
write, a re-run writing nothing, and a window Amazon cannot narrow counted as capped."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.catalog.delta import (
    OVERLAP,
    DeltaInterruptedError,
    DeltaTarget,
    Window,
    run_delta,
)
from shared.catalog.items import ListingWriter
from shared.spapi.errors import OutOfTimeError
from tests.unit.catalog.delta_api import FakeDeltaApi, MemoryStore, dated
from tests.unit.catalog.listings_api import UK

CURSOR = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
NOW = CURSOR + timedelta(hours=1, microseconds=250)
TARGET = DeltaTarget("conn-1", "A1SELLER", UK)


class Bus:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def publish(self, entries: Any) -> None:
        self.events.extend(entries)


def spread(count: int, start: datetime = CURSOR, step: timedelta = timedelta(seconds=1)) -> list[Any]:
    return [dated(f"SKU-{n:05}", start + step * n) for n in range(count)]


def test_a_window_over_the_cap_is_halved_until_each_part_fits_and_the_parts_are_walked_in_order() -> None:
    api = FakeDeltaApi(spread(2500))  # one change a second from the cursor on: 2,500 in the hour
    store, bus = MemoryStore(), Bus()
    done = run_delta(api, TARGET, CURSOR, NOW, ListingWriter(store, bus.publish, "bus"))
    assert len(store.listings) == 2500 and len(bus.events) == 2500 and done.cursor == NOW.replace(microsecond=0)
    walked = [(after, before) for after, before, token in api.queries if token is None]
    parts = [w for w in walked if w != walked[0]]
    first_pages = {w: sum(1 for a, b, t in api.queries if (a, b) == w and t is None) for w in walked}
    assert walked[0] == (CURSOR - OVERLAP, NOW.replace(microsecond=0)) and done.counts.halved >= 2
    # The windows that were read page by page follow each other without a gap, oldest first.
    read = [(a, b) for a, b, t in api.queries if t is not None]
    read_windows = list(dict.fromkeys(read))
    assert all(prev[1] == nxt[0] for prev, nxt in zip(read_windows, read_windows[1:], strict=False))
    assert read_windows == sorted(read_windows) and all(n == 1 for n in first_pages.values()) and parts
    counts = done.counts.as_counts()
    assert counts["delta_read"] == 2500 and counts["delta_added"] == 2500 and counts["delta_capped"] == 0
    assert counts["delta_windows"] == done.counts.windows >= 3 and counts["delta_api_reads"] == len(api.queries)


def test_the_cursor_moves_only_past_applied_pages_and_the_next_run_goes_on_from_there() -> None:
    api = FakeDeltaApi(spread(100, step=timedelta(seconds=10)), out_of_time_at=3)
    store, bus = MemoryStore(), Bus()
    writer = ListingWriter(store, bus.publish, "bus")
    with pytest.raises(DeltaInterruptedError) as stopped:
        run_delta(api, TARGET, CURSOR, NOW, writer)
    assert isinstance(stopped.value.__cause__, OutOfTimeError) and stopped.value.retry_after == 2.0
    # Two pages applied (40 items, the newest dated CURSOR + 390 s): the cursor is there, not at the window's end.
    assert len(store.listings) == 40 and stopped.value.counts.applied.added == 40
    assert stopped.value.cursor == CURSOR + timedelta(seconds=390)

    again = run_delta(api, TARGET, stopped.value.cursor, NOW, writer)
    assert len(store.listings) == 100 and again.cursor == NOW.replace(microsecond=0)
    assert api.queries[-5][0] == stopped.value.cursor - OVERLAP
    # The overlap's 30 items (10 s apart over 5 minutes, and the cursor's own) were read again and written nothing.
    assert (again.counts.applied.added, again.counts.applied.unchanged) == (60, 31) and len(bus.events) == 100


def test_a_run_over_the_same_changes_writes_and_publishes_nothing() -> None:
    api = FakeDeltaApi(spread(50, step=timedelta(seconds=30)))
    store, bus = MemoryStore(), Bus()
    writer = ListingWriter(store, bus.publish, "bus")
    run_delta(api, TARGET, CURSOR, NOW, writer)
    writes, events = store.writes, len(bus.events)
    again = run_delta(api, TARGET, CURSOR, NOW + timedelta(hours=1), writer)
    assert (store.writes, len(bus.events)) == (writes, events) and again.counts.applied.unchanged == 50

    api.update("SKU-00007", NOW + timedelta(minutes=10), quantity=1)
    later = run_delta(api, TARGET, NOW, NOW + timedelta(hours=1), writer)
    assert (later.counts.read, later.counts.applied.changed) == (1, 1)
    assert store.listings[("conn-1", UK, "SKU-00007")].quantity == 1
    assert bus.events[-1]["DetailType"] == "ListingChanged"


def test_an_item_read_twice_in_one_run_is_applied_once() -> None:
    items = spread(30)
    api = FakeDeltaApi(items)
    real = api.search_listings_items

    def shifted(seller_id: str, query: Any, token: str | None = None) -> Any:
        page = real(seller_id, query, token)
        if token is not None:  # the second page starts one place early (the list moved under the walk)
            return page.model_copy(update={"items": [items[19], *page.items]})
        return page

    api.search_listings_items = shifted  # type: ignore[method-assign,assignment]
    store = MemoryStore()
    done = run_delta(api, TARGET, CURSOR, NOW, ListingWriter(store, Bus().publish, "bus"))
    assert (done.counts.read, done.counts.duplicates, done.counts.applied.added) == (31, 1, 30)


def test_more_than_1000_changes_in_one_second_are_read_as_far_as_amazon_lets_and_counted_capped() -> None:
    burst = CURSOR + timedelta(minutes=20)
    api = FakeDeltaApi([dated(f"BULK-{n:05}", burst) for n in range(1005)] + spread(3))
    store = MemoryStore()
    done = run_delta(api, TARGET, CURSOR, NOW, ListingWriter(store, Bus().publish, "bus"))
    assert done.counts.capped == 1 and len(store.listings) == 1003  # 1,000 of the burst, and the 3 others
    assert done.cursor == NOW.replace(microsecond=0)


def test_a_window_is_halved_on_whole_seconds_and_a_one_second_window_not_at_all() -> None:
    window = Window(CURSOR, CURSOR + timedelta(seconds=5))
    assert window.halves() == (
        Window(CURSOR, CURSOR + timedelta(seconds=2)),
        Window(CURSOR + timedelta(seconds=2), CURSOR + timedelta(seconds=5)),
    )
    assert Window(CURSOR, CURSOR + timedelta(seconds=1)).halves() is None


def test_any_other_error_stops_the_delta_with_the_cursor_reached_and_the_error_as_cause() -> None:
    api = FakeDeltaApi(spread(45))
    calls = {"n": 0}
    real = api.search_listings_items

    def failing(seller_id: str, query: Any, token: str | None = None) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("500 storm")
        return real(seller_id, query, token)

    api.search_listings_items = failing  # type: ignore[method-assign,assignment]
    with pytest.raises(DeltaInterruptedError) as stopped:
        run_delta(api, TARGET, CURSOR, NOW, ListingWriter(MemoryStore(), Bus().publish, "bus"))
    assert isinstance(stopped.value.__cause__, RuntimeError) and stopped.value.retry_after is None
    assert stopped.value.cursor == CURSOR + timedelta(seconds=39)
