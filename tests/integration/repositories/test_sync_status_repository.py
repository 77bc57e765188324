"""SyncStatusRepository against the embedded AWS: console-readable SYNC# items, outcomes that keep the last success,
and conditional writes that never let an older run overwrite a newer one."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.aws import LocalAws
from shared.models.sync import SyncState, SyncStatus
from shared.repositories import SyncStatusRepository
from tests.dynamodb import create_table

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
WRITTEN = T0 + timedelta(hours=1)


@pytest.fixture(scope="module")
def table(local_aws: LocalAws) -> str:
    """A fresh connections table: pk/sk and the sparse gsi1, as infra/constructs/data.py builds it."""
    return create_table(local_aws.client("dynamodb"), "connections", gsi1=True)


@pytest.fixture
def repo(local_aws: LocalAws, table: str) -> SyncStatusRepository:
    return SyncStatusRepository(table, local_aws.client("dynamodb"), clock=lambda: WRITTEN)


@pytest.fixture
def cid() -> str:
    return f"eu-a{uuid.uuid4().hex[:10]}"


def _raw(local_aws: LocalAws, table: str, connection_id: str, sync_type: str) -> dict[str, Any]:
    key = {"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": f"SYNC#{sync_type}"}}
    return dict(local_aws.client("dynamodb").get_item(TableName=table, Key=key)["Item"])


def test_a_success_is_stored_as_plain_attributes_without_gsi_keys(
    repo: SyncStatusRepository, local_aws: LocalAws, table: str, cid: str
) -> None:
    assert repo.record_start(cid, "authorization", T0)
    assert repo.record_success(cid, "authorization", T0, {"days_until_reauthorization": 200}, 1234)

    assert _raw(local_aws, table, cid, "authorization") == {
        "pk": {"S": f"CONN#{cid}"},
        "sk": {"S": "SYNC#authorization"},
        "connection_id": {"S": cid},
        "sync_type": {"S": "authorization"},
        "state": {"S": "OK"},
        "last_run_at": {"S": "2026-03-01T12:00:00+00:00"},
        "last_success_at": {"S": "2026-03-01T12:00:00+00:00"},
        "counts": {"M": {"days_until_reauthorization": {"N": "200"}}},
        "details": {"M": {}},
        "duration_ms": {"N": "1234"},
        "consecutive_failures": {"N": "0"},
        "updated_at": {"S": "2026-03-01T13:00:00+00:00"},
    }
    assert repo.get(cid, "authorization") == SyncStatus(
        connection_id=cid,
        sync_type="authorization",
        state=SyncState.OK,
        last_run_at=T0,
        last_success_at=T0,
        counts={"days_until_reauthorization": 200},
        duration_ms=1234,
        updated_at=WRITTEN,
    )


def test_a_failure_keeps_the_last_success_and_its_counts_and_a_success_clears_the_error(
    repo: SyncStatusRepository, cid: str
) -> None:
    later, latest = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    repo.record_success(cid, "orders", T0, {"orders": 4}, 10)

    repo.record_start(cid, "orders", later)
    running = repo.get(cid, "orders")
    repo.record_failure(cid, "orders", later, "TransientAuthError: no answer", 20)
    failed = repo.get(cid, "orders")
    repo.record_success(cid, "orders", latest, {"orders": 1}, 30)
    recovered = repo.get(cid, "orders")

    assert running is not None and (running.state, running.last_run_at, running.counts) == (
        SyncState.RUNNING,
        later,
        {"orders": 4},
    )
    assert failed is not None
    assert (failed.state, failed.last_error, failed.last_run_at) == (
        SyncState.ERROR,
        "TransientAuthError: no answer",
        later,
    )
    assert (failed.last_success_at, failed.counts, failed.duration_ms) == (T0, {"orders": 4}, 20)
    assert recovered is not None
    assert (recovered.state, recovered.last_error, recovered.last_success_at) == (SyncState.OK, None, latest)


def test_a_skip_records_its_reason_and_keeps_the_last_error(repo: SyncStatusRepository, cid: str) -> None:
    repo.record_failure(cid, "authorization", T0, "revoked")
    repo.record_skipped(cid, "authorization", T0 + timedelta(hours=1), "connection is NEEDS_REAUTHORIZATION")

    status = repo.get(cid, "authorization")

    assert status is not None
    assert (status.state, status.reason, status.last_error) == (
        SyncState.SKIPPED,
        "connection is NEEDS_REAUTHORIZATION",
        "revoked",
    )


def test_an_older_run_finishing_late_does_not_overwrite_a_newer_outcome(repo: SyncStatusRepository, cid: str) -> None:
    # Given a redelivered job whose newer run already succeeded
    newer = T0 + timedelta(minutes=5)
    repo.record_start(cid, "authorization", T0)
    repo.record_start(cid, "authorization", newer)
    repo.record_success(cid, "authorization", newer, {"days_until_reauthorization": 100}, 5)

    # When the older run fails afterwards
    written = repo.record_failure(cid, "authorization", T0, "late failure")

    # Then its write is refused and the newer outcome stands
    status = repo.get(cid, "authorization")
    assert written is False
    assert status is not None and (status.state, status.last_run_at, status.last_error) == (SyncState.OK, newer, None)


def test_list_for_connection_returns_only_that_connections_sync_items(
    repo: SyncStatusRepository, local_aws: LocalAws, table: str, cid: str
) -> None:
    other = f"eu-b{uuid.uuid4().hex[:10]}"
    repo.record_success(cid, "orders", T0, {}, 1)
    repo.record_failure(cid, "authorization", T0, "x")
    repo.record_success(other, "orders", T0, {}, 1)
    dynamodb = local_aws.client("dynamodb")
    for sk in ("META", "SETTINGS"):  # the connection's own items share the partition
        dynamodb.put_item(TableName=table, Item={"pk": {"S": f"CONN#{cid}"}, "sk": {"S": sk}})

    statuses = repo.list_for_connection(cid)

    assert [(s.sync_type, s.state) for s in statuses] == [("authorization", SyncState.ERROR), ("orders", SyncState.OK)]
    assert repo.get(cid, "listings") is None


def test_consecutive_failures_are_added_by_each_failure_kept_by_skips_and_reset_by_a_success(
    repo: SyncStatusRepository, cid: str
) -> None:
    runs = [T0 + timedelta(minutes=5 * n) for n in range(6)]
    assert [repo.record_failed_run(cid, "orders", at, f"failure {n}") for n, at in enumerate(runs[:3])] == [1, 2, 3]
    assert repo.record_skipped(cid, "orders", runs[3], "connection is NEEDS_REAUTHORIZATION")
    status = repo.get(cid, "orders")
    assert status is not None and status.consecutive_failures == 3 and status.last_error == "failure 2"
    # A failure that lost the race to a newer run's outcome counts nothing.
    assert repo.record_failed_run(cid, "orders", runs[0], "late") is None
    assert repo.record_failure(cid, "orders", runs[4], "failure 4")
    assert repo.get(cid, "orders").consecutive_failures == 4  # type: ignore[union-attr]
    assert repo.record_success(cid, "orders", runs[5], {}, 10)
    assert repo.get(cid, "orders").consecutive_failures == 0  # type: ignore[union-attr]
    assert repo.record_failed_run(cid, "orders", runs[5] + timedelta(minutes=5), "again") == 1
