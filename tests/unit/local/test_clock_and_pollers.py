"""Pure parts of the embedded default: schedule expressions, the clock's firing, batch-failure handling."""

from datetime import UTC, datetime, timedelta

import pytest

from local.clock import ScheduleClock, ScheduleExpressionError, interval_seconds
from local.pollers import failed_ids
from local.specs import ScheduleSpec
from local.workers import InvocationResult


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(2 hours)", 7200), ("rate(1 day)", 86400)],
)
def test_rate_expressions(expression: str, seconds: int) -> None:
    assert interval_seconds(expression) == seconds


@pytest.mark.parametrize("expression", ["rate(5 minute)", "rate(1 minutes)", "rate(0 minutes)", "cron(0 3 * * ? *)"])
def test_invalid_or_unsupported_expressions(expression: str) -> None:
    with pytest.raises(ScheduleExpressionError):
        interval_seconds(expression)


def test_clock_fires_after_each_interval_and_lists_cron_as_unsupported() -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    specs = [
        ScheduleSpec("Every5", "rate(5 minutes)", "fn", "{}", True),
        ScheduleSpec("Off", "rate(1 minute)", "fn", "{}", False),
        ScheduleSpec("Nightly", "cron(0 3 * * ? *)", "fn", "{}", True),
    ]
    clock = ScheduleClock(specs, fire=lambda _: None, now=lambda: now[0])
    assert [s.logical_id for s in clock.unsupported] == ["Nightly"]
    assert clock.due() == []  # like Scheduler: the first firing is one interval after creation
    now[0] += timedelta(minutes=5)
    assert [s.logical_id for s in clock.due()] == ["Every5"]
    assert clock.due() == []
    now[0] += timedelta(minutes=5)
    assert [s.logical_id for s in clock.due()] == ["Every5"]


def test_clock_speed_shortens_intervals() -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    clock = ScheduleClock(
        [ScheduleSpec("S", "rate(1 hour)", "fn", "{}", True)], fire=lambda _: None, speed=60, now=lambda: now[0]
    )
    now[0] += timedelta(minutes=1)
    assert len(clock.due()) == 1


BATCH = [{"MessageId": "a"}, {"MessageId": "b"}, {"MessageId": "c"}]


def test_a_failed_invocation_keeps_the_whole_batch() -> None:
    assert failed_ids(InvocationResult(False, {"errorMessage": "x"}, 1), BATCH, True) == {"a", "b", "c"}


def test_reported_item_failures_keep_only_those() -> None:
    result = InvocationResult(True, {"batchItemFailures": [{"itemIdentifier": "b"}]}, 1)
    assert failed_ids(result, BATCH, True) == {"b"}
    # Without ReportBatchItemFailures on the event source, Lambda ignores the response.
    assert failed_ids(result, BATCH, False) == set()


def test_an_unknown_item_identifier_fails_the_whole_batch() -> None:
    result = InvocationResult(True, {"batchItemFailures": [{"itemIdentifier": "zzz"}]}, 1)
    assert failed_ids(result, BATCH, True) == {"a", "b", "c"}
