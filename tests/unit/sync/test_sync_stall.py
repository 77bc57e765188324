"""Nothing stops silently: schedule intervals, the stall alarm's window, STALLED, and the runner's heartbeat and
failing-connection metrics (issue 18, item 1)."""

from datetime import UTC, datetime, timedelta

import pytest

from shared.models.connection import ConnectionStatus
from shared.models.schedule import (
    FAILING_AFTER_RUNS,
    AlarmWindow,
    alarm_window,
    failing_period_seconds,
    interval_seconds,
    is_stalled,
    stall_after,
)
from shared.models.settings import ConnectionSettings
from shared.spapi.errors import TransientAuthError
from shared.sync import handle_event
from shared.sync.metrics import CONNECTIONS_FAILING, SYNC_HEARTBEATS
from tests.unit.sync.fakes import Harness, connection

ENABLED = ConnectionSettings(enabled_syncs=frozenset({"orders"}))
DISPATCH = {"sync_type": "orders", "action": "dispatch"}
NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(5 minutes)", 300),
        ("rate(1 hour)", 3600),
        ("rate(2 days)", 172_800),
        ("cron(30 2 * * ? *)", 86_400),
        ("cron(0 */6 * * ? *)", 21_600),
        ("cron(0 6,18 * * ? *)", 43_200),
        ("cron(0/15 * * * ? *)", 900),
        ("cron(0 8 ? * MON-FRI *)", 3 * 86_400),  # Friday to Monday
        ("cron(0 8 ? * MON *)", 7 * 86_400),
        ("cron(0 8 1 * ? *)", None),  # a day of the month: not computed
        ("at(2026-12-24T00:00:00)", None),
        ("rate(0 minutes)", None),
        ("cron(61 2 * * ? *)", None),
        ("rate(5 fortnights)", None),
    ],
)
def test_the_interval_of_a_schedule_expression(expression: str, seconds: int | None) -> None:
    assert interval_seconds(expression) == seconds


def test_the_stall_alarm_covers_three_intervals_within_cloudwatchs_limits() -> None:
    assert alarm_window("rate(5 minutes)") == AlarmWindow(300, 3)
    assert alarm_window("rate(1 hour)") == AlarmWindow(3600, 3)
    assert alarm_window("cron(30 2 * * ? *)") == AlarmWindow(86_400, 3)  # 3 days: periods of an hour or more
    assert alarm_window("rate(2 days)") == AlarmWindow(86_400, 6)  # a period is at most a day
    assert alarm_window("rate(9 hours)") == AlarmWindow(32_400, 3)
    assert alarm_window("rate(8 hours)") == AlarmWindow(28_800, 3)
    assert alarm_window("rate(1 minute)") == AlarmWindow(60, 3)
    assert alarm_window("cron(0 8 ? * MON *)") is None  # three weeks: longer than CloudWatch evaluates
    assert alarm_window(None) is None
    assert failing_period_seconds("rate(5 minutes)") == 300
    assert failing_period_seconds("cron(0 8 ? * MON *)") == 86_400
    assert failing_period_seconds(None) is None


def test_stalled_means_no_success_within_three_intervals_since_the_connection_could_run() -> None:
    window = stall_after("rate(5 minutes)")
    assert window == timedelta(minutes=15)
    authorized = NOW - timedelta(days=3)
    assert not is_stalled(NOW - timedelta(minutes=15), authorized, NOW, window)
    assert is_stalled(NOW - timedelta(minutes=15, seconds=1), authorized, NOW, window)
    # Never succeeded: counted from the authorization, so a new connection is not stalled at once.
    assert is_stalled(None, authorized, NOW, window)
    assert not is_stalled(None, NOW - timedelta(minutes=5), NOW, window)
    # No computable interval: never STALLED.
    assert not is_stalled(None, authorized, NOW, stall_after("cron(0 8 1 * ? *)"))
    assert not is_stalled(None, authorized, NOW, stall_after(None))


def _run(harness: Harness, cid: str) -> None:
    handle_event({"sync_type": "orders", "action": "run", "connection_id": cid}, harness.deps())


def test_a_success_beats_the_heartbeat_and_a_connection_is_failing_from_its_third_failure_in_a_row() -> None:
    harness = Harness()
    cid = harness.connections.add(connection("A1"), ENABLED)
    harness.sync.raises[cid] = TransientAuthError("LWA unavailable")
    failing = []
    for _ in range(FAILING_AFTER_RUNS + 1):
        harness.metrics.points.clear()
        _run(harness, cid)
        assert harness.metrics.total(SYNC_HEARTBEATS) == 0
        failing.append(harness.metrics.total(CONNECTIONS_FAILING))
    assert failing == [0, 0, 1, 1]
    assert harness.statuses.in_a_row[(cid, "orders")] == FAILING_AFTER_RUNS + 1

    del harness.sync.raises[cid]
    harness.metrics.points.clear()
    _run(harness, cid)
    assert harness.metrics.points.count((SYNC_HEARTBEATS, 1)) == 1
    assert harness.metrics.points.count((CONNECTIONS_FAILING, 0)) == 1
    assert harness.statuses.in_a_row[(cid, "orders")] == 0


def test_a_dispatch_with_nothing_due_beats_the_heartbeat_and_one_with_jobs_leaves_it_to_the_runs() -> None:
    harness = Harness()
    handle_event(DISPATCH, harness.deps())  # no connection at all: a fresh stack
    assert harness.metrics.points.count((SYNC_HEARTBEATS, 1)) == 1

    harness.metrics.points.clear()
    harness.connections.add(connection("A1"))  # orders not enabled
    harness.connections.add(connection("A2", ConnectionStatus.NEEDS_REAUTHORIZATION), ENABLED)
    handle_event(DISPATCH, harness.deps())
    assert harness.metrics.points.count((SYNC_HEARTBEATS, 1)) == 1

    harness.metrics.points.clear()
    harness.connections.add(connection("A3"), ENABLED)
    handle_event(DISPATCH, harness.deps())
    assert len(harness.queue.jobs) == 1
    assert harness.metrics.total(SYNC_HEARTBEATS) == 0
