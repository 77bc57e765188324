"""The generic runner with fakes at every seam: dispatch, per-job outcomes, SQS batches, on-demand runs, logging."""

import pytest
from aws_lambda_powertools import Logger

from shared.models.connection import ConnectionStatus
from shared.models.settings import ConnectionSettings
from shared.repositories.errors import NoRefreshTokenError
from shared.spapi.errors import AuthorizationRevokedError, TransientAuthError
from shared.sync import InvalidEventError, handle_event
from shared.sync.metrics import CONNECTIONS_NEEDING_REAUTHORIZATION, SYNC_FAILURES, SYNC_RUNS
from tests.unit.sync.fakes import T0, Harness, connection, invalid_settings_error, job_body, log_lines, sqs_event

DISPATCH = {"sync_type": "orders", "action": "dispatch"}
ENABLED = ConnectionSettings(enabled_syncs=frozenset({"orders"}))
REVOKED = AuthorizationRevokedError(
    "LWA refresh_token grant refused: HTTP 400 invalid_grant", status=400, error="invalid_grant"
)


def run(harness: Harness, cid: str) -> dict[str, object]:
    return handle_event({"sync_type": harness.name, "action": "run", "connection_id": cid}, harness.deps())


# Dispatch


def test_dispatch_enqueues_one_job_per_active_connection_with_the_sync_enabled() -> None:
    harness = Harness()
    wanted = harness.connections.add(connection("A1"), ENABLED)
    harness.connections.add(connection("A2"))  # not enabled
    harness.connections.add(connection("A3", ConnectionStatus.NEEDS_REAUTHORIZATION), ENABLED)
    harness.connections.add(connection("A4", ConnectionStatus.DISCONNECTED), ENABLED)

    result = handle_event(DISPATCH, harness.deps())

    assert [(j.connection_id, j.sync_type, j.trigger, j.requested_at) for j in harness.queue.jobs] == [
        (wanted, "orders", "schedule", T0)
    ]
    assert result == {
        "sync_type": "orders",
        "active_connections": 2,
        "enqueued": 1,
        "not_enabled": 1,
        "invalid_settings": 0,
        "paused": 0,
    }
    assert harness.after_dispatch_calls == 1
    assert harness.statuses.writes == []


def test_an_always_on_sync_is_dispatched_for_every_active_connection() -> None:
    harness = Harness(always_on=True)
    ids = {harness.connections.add(connection(f"A{n}")) for n in range(3)}
    harness.connections.add(connection("B1", ConnectionStatus.NEEDS_REAUTHORIZATION))

    handle_event(DISPATCH, harness.deps())

    assert {j.connection_id for j in harness.queue.jobs} == ids


def test_invalid_settings_are_not_enqueued_and_record_an_error_naming_the_fields() -> None:
    harness = Harness(always_on=True)
    good = harness.connections.add(connection("A1"))
    broken = harness.connections.add(connection("A2"), invalid_settings_error("eu-a2"))

    result = handle_event(DISPATCH, harness.deps())

    assert [j.connection_id for j in harness.queue.jobs] == [good]
    assert result["invalid_settings"] == 1
    assert harness.statuses.outcomes() == {broken: "failure"}
    assert harness.statuses.last(broken)["error"].startswith("settings invalid: inventory_buffer: ")
    assert harness.metrics.total(SYNC_FAILURES) == 1


def test_a_dispatch_event_for_another_sync_type_is_refused() -> None:
    with pytest.raises(InvalidEventError, match="'authorization'.*reached 'orders'"):
        handle_event({"sync_type": "authorization", "action": "dispatch"}, Harness().deps())


# One job


def test_a_successful_run_records_ok_with_counts_and_emits_runs() -> None:
    harness = Harness()
    cid = harness.connections.add(connection("A1"), ENABLED)

    result = run(harness, cid)

    assert result == {
        "connection_id": cid,
        "sync_type": "orders",
        "state": "OK",
        "counts": {"items": 3},
        "details": {},
        "error": None,
    }
    assert [kind for kind, *_ in harness.statuses.writes] == ["start", "success"]
    assert harness.statuses.last(cid) == {"run_at": T0, "counts": {"items": 3}, "duration_ms": 2000, "details": {}}
    assert (harness.metrics.total(SYNC_RUNS), harness.metrics.total(SYNC_FAILURES)) == (1, 0)
    assert harness.sync.contexts[0].settings == ENABLED


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (ConnectionStatus.NEEDS_REAUTHORIZATION, "connection is NEEDS_REAUTHORIZATION: revoked"),
        (ConnectionStatus.DISCONNECTED, "connection is DISCONNECTED: revoked"),
    ],
)
def test_a_connection_that_is_not_active_is_skipped_with_the_reason(status: ConnectionStatus, reason: str) -> None:
    harness = Harness(always_on=True)
    cid = harness.connections.add(connection("A1", status, status_reason="revoked"))

    result = run(harness, cid)

    assert (result["state"], result["error"]) == ("SKIPPED", reason)
    assert harness.statuses.outcomes() == {cid: "skipped"} and harness.statuses.last(cid)["reason"] == reason
    assert harness.sync.contexts == [] and harness.metrics.points == []


def test_a_sync_not_enabled_for_the_connection_is_skipped() -> None:
    harness = Harness()
    cid = harness.connections.add(connection("A1"))

    assert run(harness, cid)["state"] == "SKIPPED"
    assert harness.statuses.last(cid)["reason"] == "orders is not in the connection's enabled_syncs"
    assert harness.sync.contexts == []


def test_invalid_settings_at_run_time_are_an_error_without_running_the_sync() -> None:
    harness = Harness(always_on=True)
    cid = harness.connections.add(connection("A1"), invalid_settings_error("eu-a1"))

    result = handle_event(sqs_event(job_body(cid)), harness.deps())

    assert result == {"batchItemFailures": []}  # not retried
    assert harness.statuses.outcomes() == {cid: "failure"}
    assert "settings invalid: inventory_buffer" in harness.statuses.last(cid)["error"]
    assert harness.sync.contexts == []


@pytest.mark.parametrize("error", [REVOKED, NoRefreshTokenError("eu-a1")], ids=["invalid_grant", "no_token"])
def test_a_revoked_authorization_marks_the_connection_and_is_not_retried(error: Exception) -> None:
    harness = Harness(always_on=True)
    cid = harness.connections.add(connection("A1"))
    harness.sync.raises[cid] = error

    result = handle_event(sqs_event(job_body(cid)), harness.deps())

    assert result == {"batchItemFailures": []}
    (update,) = harness.connections.status_updates
    assert update[:2] == (cid, ConnectionStatus.NEEDS_REAUTHORIZATION)
    assert update[3] is ConnectionStatus.ACTIVE  # only an ACTIVE connection is downgraded
    assert update[2] is not None and str(error) in update[2] and len(update[2]) <= 500
    assert harness.connections.connections[cid].status is ConnectionStatus.NEEDS_REAUTHORIZATION
    assert harness.statuses.outcomes() == {cid: "failure"}
    assert harness.statuses.last(cid)["error"] == update[2]
    assert harness.metrics.total(CONNECTIONS_NEEDING_REAUTHORIZATION) == 1
    assert harness.metrics.total(SYNC_FAILURES) == 1


def test_a_connection_changed_meanwhile_keeps_its_new_status() -> None:
    harness = Harness(always_on=True)
    cid = harness.connections.add(connection("A1"))
    harness.sync.raises[cid] = REVOKED
    harness.connections.concurrent_status_change = True  # e.g. re-authorized while the job ran

    result = run(harness, cid)

    assert result["state"] == "ERROR"
    assert harness.connections.connections[cid].status is ConnectionStatus.ACTIVE
    assert harness.metrics.total(CONNECTIONS_NEEDING_REAUTHORIZATION) == 0


# SQS batches


def test_a_batch_dead_letters_what_can_never_succeed_and_retries_what_may() -> None:
    harness = Harness(always_on=True)
    ok = harness.connections.add(connection("A1"))
    flaky = harness.connections.add(connection("A2"))
    harness.sync.raises[flaky] = TransientAuthError("LWA refresh_token grant: no answer from the token endpoint")
    bodies = [job_body(ok), "not json", job_body("eu-nobody"), job_body(ok, "listings"), job_body(flaky)]

    result = handle_event(sqs_event(*bodies), harness.deps())

    assert result == {"batchItemFailures": [{"itemIdentifier": "m4"}]}
    reasons = {d["message_id"]: d["reason"] for d in harness.queue.dead}
    assert set(reasons) == {"m1", "m2", "m3"}
    assert reasons["m1"].startswith("malformed job: ")
    assert reasons["m2"] == "no connection 'eu-nobody'"
    assert reasons["m3"] == "a 'listings' job reached the 'orders' sync function"
    assert [d["body"] for d in harness.queue.dead] == bodies[1:4]
    assert harness.statuses.outcomes() == {ok: "success", flaky: "failure"}
    assert harness.statuses.last(flaky)["error"].startswith("TransientAuthError: LWA refresh_token grant")


def test_a_batch_whose_every_record_fails_still_answers_partial_failures() -> None:
    harness = Harness(always_on=True)
    cid = harness.connections.add(connection("A1"))
    harness.sync.raises[cid] = RuntimeError("boom")

    result = handle_event(sqs_event(job_body(cid), job_body(cid)), harness.deps())

    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}, {"itemIdentifier": "m1"}]}


def test_running_the_same_job_twice_is_harmless() -> None:
    harness = Harness(always_on=True)
    cid = harness.connections.add(connection("A1"))

    first = handle_event(sqs_event(job_body(cid)), harness.deps())
    second = handle_event(sqs_event(job_body(cid)), harness.deps())

    assert first == second == {"batchItemFailures": []}
    assert harness.statuses.outcomes() == {cid: "success"} and harness.queue.dead == []


# On demand and logging


def test_an_on_demand_run_answers_errors_instead_of_raising() -> None:
    harness = Harness(always_on=True)
    cid = harness.connections.add(connection("A1"))
    harness.sync.raises[cid] = RuntimeError("boom")

    assert run(harness, cid)["error"] == "RuntimeError: boom"
    assert run(harness, "eu-nobody") == {
        "connection_id": "eu-nobody",
        "sync_type": "orders",
        "state": "ERROR",
        "counts": {},
        "details": {},
        "error": "no connection 'eu-nobody'",
    }
    assert [job.trigger for job in (c.job for c in harness.sync.contexts)] == ["on_demand"]


def test_every_record_logs_its_connection_and_sync_type_and_drops_them_after(
    capsys: pytest.CaptureFixture[str],
) -> None:
    harness = Harness(always_on=True)
    cid = harness.connections.add(connection("A1"))
    logger = Logger(service="sync-log-test")

    handle_event(sqs_event(job_body(cid), "not json"), harness.deps(logger))
    logger.info("after the batch")

    lines = log_lines(capsys.readouterr().out)
    succeeded = next(line for line in lines if line["message"] == "sync run succeeded")
    assert (succeeded["connection_id"], succeeded["sync_type"]) == (cid, "orders")
    assert succeeded["counts"] == {"items": 3}
    dead = next(line for line in lines if line["message"] == "job sent to the DLQ")
    assert "connection_id" not in dead and dead["reason"].startswith("malformed job")
    assert "connection_id" not in lines[-1]
