"""The orders sync on fakes: windows, per-page cursor, watermark, continuation, token restarts and the lease."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncJob
from shared.orders.sync import INCLUDED_DATA, PollingConfig, claim_connection, run_orders
from shared.repositories.order_cursor import LeaseLostError, OrdersCursor
from shared.spapi.errors import InvalidInputError, OutOfTimeError, ServerError
from shared.sync.dependencies import RunReport
from shared.sync.metrics import ORDER_EVENTS_PUBLISHED, ORDERS_IMPORTED
from tests.unit.orders.amazon import CID, DE, T0, amazon_order, search_page
from tests.unit.orders.sync_harness import FIRST_AFTER, FIRST_BEFORE, SyncHarness

INVALID_TOKEN = InvalidInputError(400, "InvalidInput", "Invalid nextToken", operation="searchOrders")


@pytest.fixture
def harness() -> Iterator[SyncHarness]:
    made = SyncHarness()
    yield made
    assert made.cursors.leases == {}, "every run gives its lease back"


def test_the_first_window_reaches_back_to_the_age_limit_and_stops_short_of_now(harness: SyncHarness) -> None:
    harness.api.pages[None] = search_page(
        [amazon_order("028-0000001-0000001"), amazon_order("028-0000002-0000002", status="SHIPPED")]
    )

    report = harness.run()

    assert harness.searched() == [(FIRST_AFTER, FIRST_BEFORE, None)]
    assert report == RunReport(
        counts={
            "subscription_recorded": 1,
            "pages": 1,
            "orders_seen": 2,
            "imported": 1,
            "not_imported": 1,
            "events_published": 1,
            "window_complete": 1,
        },
        details={
            "window_after": FIRST_AFTER.isoformat(),
            "window_before": FIRST_BEFORE.isoformat(),
            "watermark": FIRST_BEFORE.isoformat(),
        },
    )
    assert harness.cursor() == OrdersCursor(watermark=FIRST_BEFORE)
    assert set(harness.sinks.store.items) == {"028-0000001-0000001"}
    assert harness.sinks.metrics.total(ORDERS_IMPORTED) == 1
    assert harness.sinks.metrics.total(ORDER_EVENTS_PUBLISHED) == 1
    assert harness.subscribed == [CID]


def test_the_query_carries_the_settings_marketplaces_included_data_and_page_size(harness: SyncHarness) -> None:
    harness.api.pages[None] = search_page([])

    harness.run()

    ((query, _),) = harness.api.searches
    assert query.marketplace_ids == [DE]
    assert query.fulfilled_by == ["AMAZON", "MERCHANT"]
    assert query.included_data == list(INCLUDED_DATA)
    assert set(INCLUDED_DATA) == {"RECIPIENT", "FULFILLMENT", "CANCELLATION", "PROCEEDS"}
    assert query.max_results_per_page == 100
    assert (query.created_after, query.created_before) == (None, None)
    wire = query.to_body()
    assert wire["fulfilledBy"] == ["AMAZON", "MERCHANT"] and wire["maxResultsPerPage"] == 100


def test_the_default_setting_asks_for_merchant_fulfilled_orders_only() -> None:
    assert ConnectionSettings().order_fulfilled_by == frozenset({"MERCHANT"})


def test_a_later_window_starts_one_overlap_before_the_watermark(harness: SyncHarness) -> None:
    watermark = T0 - timedelta(minutes=20)
    harness.cursors.cursors[CID] = OrdersCursor(watermark=watermark)
    harness.api.pages[None] = search_page([])

    report = harness.run()

    assert harness.searched() == [(watermark - timedelta(minutes=5), FIRST_BEFORE, None)]
    assert harness.cursor() == OrdersCursor(watermark=FIRST_BEFORE)
    assert report.details["watermark"] == FIRST_BEFORE.isoformat()


def test_the_cursor_is_saved_after_every_page_and_the_watermark_moves_only_after_the_last(
    harness: SyncHarness,
) -> None:
    harness.api.pages = {
        None: search_page([amazon_order("028-0000001-0000001")], "t1"),
        "t1": search_page([amazon_order("028-0000002-0000002")], "t2"),
        "t2": search_page([amazon_order("028-0000003-0000003")]),
    }
    seen: list[OrdersCursor | None] = []
    harness.api.on_search = lambda: seen.append(harness.cursors.get(CID))

    report = harness.run()

    window = OrdersCursor(window_after=FIRST_AFTER, window_before=FIRST_BEFORE, window_started_at=T0)
    assert harness.cursors.saves == [
        window.model_copy(update={"next_token": "t1", "pages": 1, "token_saved_at": T0}),
        window.model_copy(update={"next_token": "t2", "pages": 2, "token_saved_at": T0}),
        OrdersCursor(watermark=FIRST_BEFORE),
    ]
    # Each later page is asked for with its token already saved; the new window itself was not saved before page 1.
    assert seen == [None, *harness.cursors.saves[:2]]
    assert harness.cursors.writes == ["acquire", "save", "save", "save_and_release"]
    assert [token for _, _, token in harness.searched()] == [None, "t1", "t2"]
    assert {(after, before) for after, before, _ in harness.searched()} == {(FIRST_AFTER, FIRST_BEFORE)}
    assert (report.counts["pages"], report.counts["imported"], report.counts["window_complete"]) == (3, 3, 1)


@pytest.mark.parametrize(("retry_after", "delay"), [(2000.0, 900.0), (12.5, 12.5), (-1.0, 0.0)])
def test_out_of_time_mid_window_enqueues_the_rest_and_keeps_the_token(
    harness: SyncHarness, retry_after: float, delay: float
) -> None:
    harness.api.pages = {
        None: search_page([amazon_order("028-0000001-0000001")], "t1"),
        "t1": search_page([amazon_order("028-0000002-0000002")]),
    }
    harness.api.errors["t1"] = [OutOfTimeError("searchOrders", retry_after)]

    report = harness.run()

    assert report.counts["window_complete"] == 0 and report.counts["continued"] == 1
    assert report.details == {"window_after": FIRST_AFTER.isoformat(), "window_before": FIRST_BEFORE.isoformat()}
    assert harness.continued == [
        (SyncJob(sync_type="orders", connection_id=CID, requested_at=T0, trigger="continuation"), delay)
    ]
    assert harness.cursor() == OrdersCursor(
        window_after=FIRST_AFTER,
        window_before=FIRST_BEFORE,
        window_started_at=T0,
        next_token="t1",
        token_saved_at=T0,
        pages=1,
    )


def test_the_continuation_resumes_at_the_saved_page_of_the_same_window(harness: SyncHarness) -> None:
    harness.cursors.cursors[CID] = OrdersCursor(watermark=T0 - timedelta(hours=1))
    harness.api.pages = {
        None: search_page([amazon_order("028-0000001-0000001")], "t1"),
        "t1": search_page([amazon_order("028-0000002-0000002")]),
    }
    harness.api.errors["t1"] = [OutOfTimeError("searchOrders", 60)]
    first = harness.run()

    harness.sinks.clock.advance(minutes=15)
    second = harness.run()

    after = T0 - timedelta(hours=1, minutes=5)
    assert harness.searched() == [(after, FIRST_BEFORE, None), (after, FIRST_BEFORE, "t1"), (after, FIRST_BEFORE, "t1")]
    assert first.details["watermark"] == (T0 - timedelta(hours=1)).isoformat()  # unchanged while incomplete
    assert second.counts["window_complete"] == 1
    assert harness.cursor() == OrdersCursor(watermark=FIRST_BEFORE)  # the window's bound, not the later clock's
    assert set(harness.sinks.store.items) == {"028-0000001-0000001", "028-0000002-0000002"}


def test_a_refused_saved_token_restarts_the_window_from_its_first_page(harness: SyncHarness) -> None:
    after, before = T0 - timedelta(hours=2), T0 - timedelta(hours=1)
    harness.cursors.cursors[CID] = OrdersCursor(
        watermark=after + timedelta(minutes=5),
        window_after=after,
        window_before=before,
        next_token="old",
        window_started_at=T0 - timedelta(hours=1),
        pages=4,
    )
    harness.api.errors["old"] = [INVALID_TOKEN]
    harness.api.pages[None] = search_page([amazon_order()])

    report = harness.run()

    assert harness.searched() == [(after, before, "old"), (after, before, None)]
    assert harness.cursors.saves[1] == OrdersCursor(
        watermark=after + timedelta(minutes=5), window_after=after, window_before=before, window_started_at=T0
    )
    assert report.counts["window_restarts"] == 1 and report.counts["window_complete"] == 1
    assert harness.cursor() == OrdersCursor(watermark=before)


def test_a_refused_first_page_is_an_error_not_a_restart(harness: SyncHarness) -> None:
    harness.api.errors[None] = [InvalidInputError(400, "InvalidInput", "bad marketplace", operation="searchOrders")]

    with pytest.raises(InvalidInputError, match="bad marketplace"):
        harness.run()

    assert len(harness.api.searches) == 1
    assert harness.cursors.get(CID) is None  # the new window was never stored: the next run opens it again


@pytest.mark.parametrize(
    ("started", "token"),
    [(timedelta(hours=23, seconds=1), None), (timedelta(hours=22), "saved")],
    ids=["older-than-lifetime", "still-valid"],
)
def test_a_saved_token_older_than_its_lifetime_restarts_the_window(
    harness: SyncHarness, started: timedelta, token: str | None
) -> None:
    after, before = T0 - timedelta(days=1, hours=1), T0 - timedelta(days=1)
    harness.cursors.cursors[CID] = OrdersCursor(
        window_after=after, window_before=before, next_token="saved", window_started_at=T0 - started, pages=2
    )
    harness.api.pages[token] = search_page([])

    harness.run()

    assert harness.searched() == [(after, before, token)]
    assert harness.cursor() == OrdersCursor(watermark=before)


def test_a_busy_lease_yields_no_claim_and_touches_nothing() -> None:
    harness = SyncHarness()
    harness.cursors.leases[CID] = ("other-run", T0 + timedelta(minutes=10))
    deps = harness.deps

    with claim_connection(deps)(harness.context()) as owner:
        assert owner is None

    assert harness.cursors.leases == {CID: ("other-run", T0 + timedelta(minutes=10))}
    assert harness.cursors.saves == [] and harness.api.searches == []


def test_an_expired_lease_is_taken_over(harness: SyncHarness) -> None:
    harness.cursors.leases[CID] = ("crashed-run", T0 - timedelta(seconds=1))
    harness.api.pages[None] = search_page([])

    assert harness.run().counts["window_complete"] == 1
    assert len(harness.cursors.released) == 1 and harness.cursors.released[0] != "crashed-run"


def test_the_lease_runs_for_the_configured_time_and_is_released_after_a_failure(harness: SyncHarness) -> None:
    harness.api.errors[None] = [ServerError(503, "ServiceUnavailable", "down", operation="searchOrders")]
    leases: list[tuple[str, datetime]] = []
    harness.api.on_search = lambda: leases.append(harness.cursors.leases[CID])

    with pytest.raises(ServerError):
        harness.run()

    ((owner, until),) = leases
    assert until == T0 + PollingConfig().lease
    assert harness.cursors.released == [owner]


def test_a_run_whose_lease_was_taken_stops_without_saving(harness: SyncHarness) -> None:
    harness.api.pages = {None: search_page([amazon_order()], "t1")}
    harness.api.on_search = lambda: harness.cursors.leases.update({CID: ("thief", T0 + timedelta(hours=1))})

    with pytest.raises(LeaseLostError):
        harness.run()

    assert harness.cursors.saves == []  # the save after the first page found the lease lost
    assert harness.cursors.writes == ["acquire", "save", "release"]
    harness.cursors.leases.clear()


def test_run_orders_refuses_to_run_without_the_claim() -> None:
    harness = SyncHarness()

    with pytest.raises(RuntimeError, match="only under its claim"):
        run_orders(harness.context(), harness.deps)


def test_a_failed_subscription_is_counted_and_polling_goes_on(harness: SyncHarness) -> None:
    harness.subscription = "failed"
    harness.api.pages[None] = search_page([])

    report = harness.run()

    assert report.counts["subscription_failed"] == 1 and report.counts["window_complete"] == 1


def test_a_second_refused_token_in_one_run_fails_the_run_instead_of_looping(harness: SyncHarness) -> None:
    after, before = T0 - timedelta(hours=2), T0 - timedelta(hours=1)
    harness.cursors.cursors[CID] = OrdersCursor(
        window_after=after, window_before=before, next_token="old", window_started_at=T0, pages=4
    )
    harness.api.errors["old"] = [INVALID_TOKEN]
    harness.api.errors["again"] = [INVALID_TOKEN]
    harness.api.pages[None] = search_page([amazon_order()], next_token="again")

    with pytest.raises(InvalidInputError):
        harness.run()

    assert harness.searched() == [(after, before, "old"), (after, before, None), (after, before, "again")]


def test_a_long_window_keeps_a_recently_saved_token(harness: SyncHarness) -> None:
    after, before = T0 - timedelta(days=10), T0 - timedelta(days=2)
    harness.cursors.cursors[CID] = OrdersCursor(
        window_after=after,
        window_before=before,
        next_token="fresh",
        window_started_at=T0 - timedelta(days=2),  # a backlog that has taken two days so far
        token_saved_at=T0 - timedelta(minutes=3),
        pages=900,
    )
    harness.api.pages["fresh"] = search_page([])

    harness.run()

    assert harness.searched() == [(after, before, "fresh")]


def test_an_idle_run_writes_the_lease_and_then_the_watermark_with_the_lease_given_back(harness: SyncHarness) -> None:
    watermark = T0 - timedelta(minutes=15)
    harness.cursors.cursors[CID] = OrdersCursor(watermark=watermark)
    harness.api.pages[None] = search_page([])

    report = harness.run()

    assert harness.cursors.writes == ["acquire", "save_and_release"]  # no window save, no second release
    assert harness.cursors.saves == [OrdersCursor(watermark=FIRST_BEFORE)]
    assert len(harness.cursors.released) == 1 and report.counts["window_complete"] == 1


def test_out_of_time_on_a_new_windows_first_page_leaves_the_watermark_for_the_next_run(harness: SyncHarness) -> None:
    watermark = T0 - timedelta(minutes=15)
    harness.cursors.cursors[CID] = OrdersCursor(watermark=watermark)
    harness.api.pages[None] = search_page([amazon_order()])
    harness.api.errors[None] = [OutOfTimeError("searchOrders", 30)]

    first = harness.run()

    assert (first.counts["window_complete"], first.counts["continued"]) == (0, 1)
    assert harness.cursors.writes == ["acquire", "release"] and harness.cursor() == OrdersCursor(watermark=watermark)
    # The continuation opens its window from the same watermark: nothing is skipped
    harness.sinks.clock.advance(minutes=1)
    second = harness.run()
    assert second.counts["window_complete"] == 1 and second.counts["imported"] == 1
    assert [after for after, _, _ in harness.searched()] == [watermark - timedelta(minutes=5)] * 2
    assert harness.cursor() == OrdersCursor(watermark=T0 + timedelta(minutes=1) - PollingConfig().settle)


def test_a_resumed_window_is_saved_before_its_first_page_as_it_restarts(harness: SyncHarness) -> None:
    after, before = T0 - timedelta(days=1, hours=1), T0 - timedelta(days=1)
    harness.cursors.cursors[CID] = OrdersCursor(
        window_after=after, window_before=before, next_token="stale", window_started_at=T0 - timedelta(days=1)
    )
    seen: list[OrdersCursor | None] = []
    harness.api.on_search = lambda: seen.append(harness.cursors.get(CID))
    harness.api.pages[None] = search_page([])

    harness.run()

    assert seen == [OrdersCursor(window_after=after, window_before=before, window_started_at=T0)]
    assert harness.cursors.writes == ["acquire", "save", "save_and_release"]
