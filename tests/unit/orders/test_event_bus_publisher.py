"""EventBusPublisher on a fake EventBridge client: ten entries a call, failed entries re-sent, then PublishError."""

from dataclasses import dataclass, field
from typing import Any

import pytest

from shared.bus import PUT_EVENTS_LIMIT, EventBusPublisher, PublishError


@dataclass
class FakeEvents:
    """PutEvents; `fail` gives, per call, the error code of each failing entry by its Detail."""

    fail: list[dict[str, str]] = field(default_factory=list)
    calls: list[list[dict[str, Any]]] = field(default_factory=list)

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls.append(list(Entries))
        failing = self.fail.pop(0) if self.fail else {}
        results = [
            {"ErrorCode": failing[e["Detail"]], "ErrorMessage": "try again"}
            if e["Detail"] in failing
            else {"EventId": f"id-{e['Detail']}"}
            for e in Entries
        ]
        return {"FailedEntryCount": len(failing), "Entries": results}


def entries(count: int) -> list[dict[str, Any]]:
    return [{"Source": "sellersync.orders", "DetailType": "OrderImported", "Detail": f"e{n}"} for n in range(count)]


def publisher(events: FakeEvents, sleeps: list[float]) -> EventBusPublisher:
    return EventBusPublisher(events, sleep=sleeps.append)  # type: ignore[arg-type]


def details(call: list[dict[str, Any]]) -> list[str]:
    return [entry["Detail"] for entry in call]


def test_entries_go_out_ten_to_a_call_in_order() -> None:
    events, sleeps = FakeEvents(), list[float]()

    publisher(events, sleeps).publish(entries(23))

    assert PUT_EVENTS_LIMIT == 10
    assert [len(call) for call in events.calls] == [10, 10, 3]
    assert [d for call in events.calls for d in details(call)] == [f"e{n}" for n in range(23)]
    assert sleeps == []


def test_nothing_to_publish_makes_no_call() -> None:
    events = FakeEvents()

    publisher(events, []).publish([])

    assert events.calls == []


def test_only_the_failed_entries_are_sent_again_after_a_backoff() -> None:
    events, sleeps = FakeEvents(fail=[{"e2": "ThrottlingException", "e5": "InternalException"}]), list[float]()

    publisher(events, sleeps).publish(entries(7))

    assert [details(call) for call in events.calls] == [[f"e{n}" for n in range(7)], ["e2", "e5"]]
    assert sleeps == [0.2]


def test_entries_still_failing_after_the_last_attempt_raise_naming_the_codes() -> None:
    always = {"e1": "ThrottlingException", "e3": "InternalException"}
    events, sleeps = FakeEvents(fail=[dict(always) for _ in range(4)]), list[float]()

    with pytest.raises(PublishError) as caught:
        publisher(events, sleeps).publish(entries(4))

    assert str(caught.value) == "2 event(s) not accepted by EventBridge: InternalException, ThrottlingException"
    assert [details(call) for call in events.calls] == [["e0", "e1", "e2", "e3"]] + [["e1", "e3"]] * 3
    assert sleeps == [0.2, 0.4, 0.8]  # none after the last attempt


def test_a_later_batch_is_not_sent_once_an_earlier_one_failed_for_good() -> None:
    events = FakeEvents(fail=[{"e0": "InternalException"}] * 2)

    with pytest.raises(PublishError, match="1 event"):
        EventBusPublisher(events, max_attempts=2, sleep=lambda s: None).publish(entries(12))  # type: ignore[arg-type]

    assert [len(call) for call in events.calls] == [10, 1]
