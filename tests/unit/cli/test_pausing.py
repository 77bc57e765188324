"""`connections resume`: which syncs a resume releases, and that only the call that cleared the pause runs them."""

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import cast

import pytest

from cli.errors import UsageError
from cli.pausing import job_sender, resume, scope_of, to_run_after_resume
from cli.target import Target
from infra.outputs import Output
from shared.models.connection import PAUSE_ALL, ConnectionStatus, Pause
from shared.models.settings import ConnectionSettings
from tests.unit.sync.fakes import T0, connection

PAUSE = Pause(by="ops", at=T0 - timedelta(days=1))
SETTINGS = ConnectionSettings(enabled_syncs=frozenset({"orders", "inventory"}))


@dataclass
class FakePauses:
    """The `paused` map of one connection, with the store's conditional semantics."""

    paused: set[str] = field(default_factory=set)

    def pause(self, connection_id: str, scope: str, by: str, reason: str | None = None) -> bool:
        raise AssertionError("not used")

    def resume(self, connection_id: str, scope: str) -> bool:
        if scope not in self.paused:
            return False
        self.paused.discard(scope)
        return True


def test_resume_of_the_whole_connection_runs_every_enabled_and_always_on_sync() -> None:
    conn = connection("A1", paused={PAUSE_ALL: PAUSE})

    # ... and flushes the cancellations kept pending (the shipments lane)
    assert to_run_after_resume(conn, SETTINGS, PAUSE_ALL) == ["authorization", "orders", "inventory", "shipments"]


def test_a_sync_still_paused_on_its_own_is_not_released_by_the_whole_connection_resume() -> None:
    conn = connection("A1", paused={PAUSE_ALL: PAUSE, "inventory": PAUSE})

    assert to_run_after_resume(conn, SETTINGS, PAUSE_ALL) == ["authorization", "orders", "shipments"]
    assert to_run_after_resume(conn, SETTINGS, "inventory") == []  # the connection is still paused whole


def test_nothing_runs_for_a_connection_that_is_not_active() -> None:
    conn = connection("A1", ConnectionStatus.NEEDS_REAUTHORIZATION, paused={"orders": PAUSE})

    assert to_run_after_resume(conn, SETTINGS, "orders") == []


def test_resume_run_twice_enqueues_the_runs_once() -> None:
    conn = connection("A1", paused={"orders": PAUSE})
    pauses, sent = FakePauses({"orders"}), list[str]()

    first = resume(pauses, conn, SETTINGS, "orders", sent.append)
    second = resume(pauses, conn, SETTINGS, "orders", sent.append)

    assert (first.changed, first.enqueued, second.changed, second.enqueued) == (True, ["orders"], False, [])
    assert sent == ["orders"]


def test_an_enqueue_error_is_reported_with_the_pause_cleared() -> None:
    conn = connection("A1", paused={PAUSE_ALL: PAUSE})
    pauses = FakePauses({PAUSE_ALL})

    def failing(sync_type: str) -> None:
        raise RuntimeError(f"no queue for {sync_type}")

    change = resume(pauses, conn, SETTINGS, PAUSE_ALL, failing)

    assert change.changed and change.enqueued == []
    assert change.error == "authorization: RuntimeError: no queue for authorization"
    assert pauses.paused == set()


def test_scope_of_names_the_whole_connection_or_a_registered_sync_type() -> None:
    assert scope_of(None) == PAUSE_ALL and scope_of("orders") == "orders" and scope_of("shipments") == "shipments"
    with pytest.raises(UsageError, match="unknown sync type 'nope'"):
        scope_of("nope")


def test_resuming_the_shipments_lane_flushes_only_the_cancellations() -> None:
    conn = connection("A1", paused={"shipments": PAUSE})

    assert to_run_after_resume(conn, SETTINGS, "shipments") == ["shipments"]
    held = connection("A2", paused={PAUSE_ALL: PAUSE, "shipments": PAUSE})
    assert to_run_after_resume(held, SETTINGS, PAUSE_ALL) == ["authorization", "orders", "inventory"]


@dataclass
class FakeTarget:
    """The stack's outputs and an SQS client that records what it is sent."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def output(self, key: str) -> str:
        return f"url:{key}"

    def client(self, service: str) -> "FakeTarget":
        assert service == "sqs"
        return self

    def send_message(self, QueueUrl: str, MessageBody: str) -> None:  # noqa: N803 (boto3's names)
        self.sent.append((QueueUrl, MessageBody))


def test_releasing_the_shipments_lane_flushes_cancellations_and_releases_held_packages() -> None:
    target = FakeTarget()

    job_sender(cast(Target, target), "eu-a1", T0)("shipments")

    assert [(url, json.loads(body)) for url, body in target.sent] == [
        (f"url:{Output.SHIPMENTS_CANCELLATIONS_QUEUE_URL}", {"kind": "cancellation_flush", "connection_id": "eu-a1"}),
        (f"url:{Output.SHIPMENTS_VERIFY_QUEUE_URL}", {"kind": "held_release", "connection_id": "eu-a1"}),
    ]
