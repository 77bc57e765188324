"""Pure parts of the embedded default: schedule expressions, the clock's firing, batch-failure handling, the
batching window of an event source."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.clock import ScheduleClock, ScheduleExpressionError, interval_seconds
from local.pollers import MAX_PAYLOAD_BYTES, QueuePoller, failed_ids
from local.specs import EventSourceSpec, ScheduleSpec
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


# The batching window: receive until full, the window has passed or the payload would pass 6 MB, then invoke once


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeSqs:
    """One queue in memory; an empty receive lets its wait pass on the fake clock (messages may arrive meanwhile)."""

    def __init__(self, clock: FakeClock, bodies: list[str] | None = None) -> None:
        self.clock = clock
        self.visible: list[dict[str, Any]] = []
        self.arrivals: list[tuple[float, str]] = []
        self.receives: list[int] = []
        self.deleted: list[str] = []
        self.released: list[str] = []
        self.on_receive: Callable[[int], None] = lambda _: None
        for body in bodies or []:
            self.send(body)

    def send(self, body: str, at: float | None = None) -> None:
        if at is not None and at > self.clock.now:
            self.arrivals.append((at, body))
            return
        n = len(self.visible) + len(self.deleted) + len(self.released)
        self.visible.append({"MessageId": f"m{n}-{body[:8]}", "ReceiptHandle": f"r{n}-{body[:8]}", "Body": body})

    def _arrive(self) -> None:
        due = [a for a in self.arrivals if a[0] <= self.clock.now]
        self.arrivals = [a for a in self.arrivals if a[0] > self.clock.now]
        for _, body in due:
            self.send(body)

    def receive_message(self, MaxNumberOfMessages: int, WaitTimeSeconds: int, **_: Any) -> dict[str, Any]:  # noqa: N803
        assert 1 <= MaxNumberOfMessages <= 10
        self.on_receive(len(self.receives))
        self._arrive()
        if not self.visible:
            self.clock.now += WaitTimeSeconds
            self._arrive()
        taken, self.visible = self.visible[:MaxNumberOfMessages], self.visible[MaxNumberOfMessages:]
        self.receives.append(len(taken))
        return {"Messages": taken}

    def delete_message(self, ReceiptHandle: str, **_: Any) -> None:  # noqa: N803
        self.deleted.append(ReceiptHandle)

    def change_message_visibility(self, ReceiptHandle: str, VisibilityTimeout: int, **_: Any) -> None:  # noqa: N803
        assert VisibilityTimeout == 0
        self.released.append(ReceiptHandle)
        self.visible.append({"MessageId": f"again-{ReceiptHandle}", "ReceiptHandle": ReceiptHandle, "Body": "again"})


def _poller(
    sqs: FakeSqs, clock: FakeClock, *, batch_size: int, window: int = 0
) -> tuple[QueuePoller, list[dict[str, Any]]]:
    spec = EventSourceSpec("fn", "url", "arn:aws:sqs:eu-west-1:1:q", batch_size, True, None, window)
    events: list[dict[str, Any]] = []

    def invoke(_function: str, event: Any) -> InvocationResult:
        events.append(event)
        return InvocationResult(True, {"batchItemFailures": []}, 1)

    return QueuePoller(spec, sqs, invoke, "eu-west-1", monotonic=clock), events


def test_without_a_window_one_receive_of_at_most_ten_is_the_batch() -> None:
    clock = FakeClock()
    sqs = FakeSqs(clock, [f"b{i}" for i in range(15)])
    poller, events = _poller(sqs, clock, batch_size=10_000)
    assert poller.poll_once() == 10
    assert sqs.receives == [10] and len(events[0]["Records"]) == 10 and len(sqs.deleted) == 10


def test_a_window_receives_until_the_batch_size_and_invokes_once() -> None:
    clock = FakeClock()
    sqs = FakeSqs(clock, [f"b{i}" for i in range(30)])
    poller, events = _poller(sqs, clock, batch_size=25, window=20)
    assert poller.poll_once() == 25
    assert sqs.receives == [10, 10, 5] and clock.now == 0
    assert [len(e["Records"]) for e in events] == [25] and len(sqs.deleted) == 25
    assert len(sqs.visible) == 5


def test_a_window_waits_for_late_messages_until_it_has_passed() -> None:
    # Given 12 messages now, 3 more at 5 s and one after the 20 s window
    clock = FakeClock()
    sqs = FakeSqs(clock, [f"b{i}" for i in range(12)])
    for i in range(3):
        sqs.send(f"late{i}", at=5)
    sqs.send("too-late", at=30)
    poller, events = _poller(sqs, clock, batch_size=10_000, window=20)
    # When one batch is polled, Then it holds the 15 that came within the window, and nothing more
    assert poller.poll_once() == 15
    assert 20 <= clock.now <= 21
    assert [len(e["Records"]) for e in events] == [15] and sqs.arrivals == [(30, "too-late")]


def test_a_window_stops_before_the_event_would_pass_six_megabytes() -> None:
    clock = FakeClock()
    sqs = FakeSqs(clock, [f"{i}" + "x" * 999_999 for i in range(10)])
    poller, events = _poller(sqs, clock, batch_size=10_000, window=20)
    assert poller.poll_once() == 6
    assert len(json.dumps(events[0])) <= MAX_PAYLOAD_BYTES < len(json.dumps(events[0])) + 1_000_000
    # The messages that did not fit are back on the queue at once, for the next batch
    assert len(sqs.released) == 4 and len(sqs.visible) == 4 and len(sqs.deleted) == 6
    assert clock.now == 0


def test_a_poller_stopped_within_a_window_gives_its_messages_back_and_invokes_nothing() -> None:
    clock = FakeClock()
    sqs = FakeSqs(clock, ["a", "b"])
    poller, events = _poller(sqs, clock, batch_size=100, window=20)
    sqs.on_receive = lambda count: poller.stop() if count == 1 else None
    assert poller.poll_once() == 0
    assert events == [] and sorted(sqs.released) == sorted(["r0-a", "r1-b"]) and sqs.deleted == []
