"""A paused connection or sync type: the runner and the dispatch skip it with reason "paused", nothing else moves."""

from datetime import timedelta

import pytest

from shared.models.connection import PAUSE_ALL, Connection, Pause
from shared.models.settings import ConnectionSettings
from shared.sync import handle_event
from shared.sync.metrics import SYNC_FAILURES, SYNC_HEARTBEATS, SYNC_RUNS
from tests.unit.sync.fakes import T0, Harness, connection, job_body, sqs_event

ENABLED = ConnectionSettings(enabled_syncs=frozenset({"orders", "inventory"}))
PAUSE = Pause(by="ops", at=T0 - timedelta(days=2), reason="warehouse move")


def paused(seller: str, scope: str, reason: str | None = "warehouse move") -> Connection:
    return connection(seller, paused={scope: PAUSE.model_copy(update={"reason": reason})})


def test_pause_of_answers_the_whole_connection_first_then_the_sync_type() -> None:
    whole = connection("A1", paused={PAUSE_ALL: PAUSE})
    one = connection("A2", paused={"inventory": PAUSE})

    assert whole.pause_of("orders") == PAUSE and whole.pause_of("inventory") == PAUSE
    assert one.pause_of("inventory") == PAUSE and one.pause_of("orders") is None
    assert connection("A3").pause_of("orders") is None


@pytest.mark.parametrize(
    ("scope", "reason", "expected"),
    [(PAUSE_ALL, "warehouse move", "paused: warehouse move"), ("orders", None, "paused")],
)
def test_a_job_of_a_paused_sync_is_skipped_with_reason_paused(scope: str, reason: str | None, expected: str) -> None:
    harness = Harness()
    cid = harness.connections.add(paused("A1", scope, reason), ENABLED)

    result = handle_event(sqs_event(job_body(cid)), harness.deps())

    assert result == {"batchItemFailures": []}
    assert harness.statuses.outcomes() == {cid: "skipped"}
    assert harness.statuses.last(cid)["reason"] == expected
    assert harness.sync.contexts == []  # the sync never ran: its cursors are untouched
    assert harness.metrics.total(SYNC_RUNS) == 0 and harness.metrics.total(SYNC_FAILURES) == 0


def test_a_pause_of_another_sync_type_does_not_hold_this_one() -> None:
    harness = Harness()
    cid = harness.connections.add(paused("A1", "inventory"), ENABLED)

    handle_event(sqs_event(job_body(cid)), harness.deps())

    assert harness.statuses.outcomes() == {cid: "success"}
    assert len(harness.sync.contexts) == 1


def test_dispatch_enqueues_no_job_for_a_paused_connection_and_records_it_skipped() -> None:
    harness = Harness()
    running = harness.connections.add(connection("A1"), ENABLED)
    held = harness.connections.add(paused("A2", "orders"), ENABLED)

    result = handle_event({"sync_type": "orders", "action": "dispatch"}, harness.deps())

    assert [j.connection_id for j in harness.queue.jobs] == [running]
    assert (result["enqueued"], result["paused"]) == (1, 1)
    assert harness.statuses.writes == [("skipped", held, "orders", {"run_at": T0, "reason": "paused: warehouse move"})]


def test_a_dispatch_whose_only_connection_is_paused_still_beats_the_heartbeat() -> None:
    harness = Harness()
    harness.connections.add(paused("A1", PAUSE_ALL), ENABLED)

    handle_event({"sync_type": "orders", "action": "dispatch"}, harness.deps())

    assert harness.queue.jobs == []
    assert harness.metrics.total(SYNC_HEARTBEATS) == 1  # a pause is no stall: the stall alarm stays OK
