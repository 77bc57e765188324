"""End to end on the embedded default: the synthesized production stack, its schedule's payload, the work queue's
poller and the real handler in Lambda-like worker processes (each with the environment the template gives it),
against the local Amazon sandbox.

This is where drift between the stack and the handler shows: an env key the settings need but the template lacks,
a missing grant the local runtime cannot see (IAM is not enforced locally; tests/infra pins the policies), or an
event source that does not report partial batch failures.
"""

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from infra.config import AUTHORIZATION, Table
from infra.outputs import Output, dlq_output_key, function_output_key, table_output_key
from local.amazon import LocalWorld
from local.runtime import LocalStack
from local.sandbox import SandboxInspector, SandboxServer
from shared.models.connection import Connection, ConnectionStatus
from shared.models.sync import SyncState, SyncStatus
from shared.repositories import ConnectionsRepository, KmsEncryptor, SyncStatusRepository
from shared.spapi.marketplaces import Region

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 60


@pytest.fixture(scope="module")
def world(local_world: LocalWorld) -> Iterator[LocalWorld]:
    """The shared local stack (production template, functions pointed at the sandbox) with its queue pollers on;
    the clock stays off and the test fires the schedule itself."""
    with local_world.stack.runtime.polling():
        yield local_world


@pytest.fixture(scope="module")
def stack(world: LocalWorld) -> LocalStack:
    return world.stack


@pytest.fixture(scope="module")
def sandbox(world: LocalWorld) -> SandboxServer:
    return world.sandbox


def _connections(stack: LocalStack) -> ConnectionsRepository:
    aws, outputs = stack.deployed.aws, stack.deployed.outputs
    encryptor = KmsEncryptor(outputs[Output.KMS_KEY_ARN], aws.client("kms"))
    return ConnectionsRepository(outputs[table_output_key(Table.CONNECTIONS)], aws.client("dynamodb"), encryptor)


def _wait_for(read: Callable[[], SyncStatus | None]) -> SyncStatus:
    """The status once its run has finished (the poller invokes the function on its own thread)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        status = read()
        if status is not None and status.state is not SyncState.RUNNING:
            return status
        time.sleep(0.2)
    raise AssertionError(f"no finished run within {DEADLINE_SECONDS}s: {read()}")


def test_the_schedule_finds_the_revoked_seller_and_keeps_the_other_active(
    stack: LocalStack, sandbox: SandboxServer
) -> None:
    # Given two fresh EU sellers connected, one of whom then removes the app
    inspector = SandboxInspector(sandbox.url)
    connections = _connections(stack)
    ids = []
    for seller in [inspector.new_seller("EU", like=0), inspector.new_seller("EU", like=1)]:
        at = datetime.now(UTC) - timedelta(days=10, hours=1)
        connection = Connection(
            selling_partner_id=seller.selling_partner_id,
            region=Region.EU,
            name=seller.store_name,
            marketplace_ids=tuple(seller.marketplace_ids),
            authorized_at=at,
            created_at=at,
            updated_at=at,
        )
        connections.put_connection(connection, SecretStr(inspector.authorize(seller.selling_partner_id)))
        ids.append((connection.connection_id, seller.selling_partner_id))
    (kept, _), (revoked, revoked_seller) = ids
    inspector.revoke(revoked_seller)
    active = {c.connection_id for c in connections.list_connections(ConnectionStatus.ACTIVE)}
    assert {kept, revoked} <= active  # with those other modules left in the shared stack

    # When the schedule fires its dispatch and the poller works the queue
    function = stack.deployed.outputs[function_output_key(AUTHORIZATION)]
    (schedule,) = [s for s in stack.deployed.schedules if s.function == function]
    dispatched = stack.runtime.fire(schedule)

    # Then every active connection was enqueued and both were checked: one OK with the days left, one waiting for
    # re-authorization; nothing dead-lettered
    assert dispatched.ok and dispatched.payload["enqueued"] == len(active), dispatched.payload
    table = stack.deployed.outputs[table_output_key(Table.CONNECTIONS)]
    statuses = SyncStatusRepository(table, stack.deployed.aws.client("dynamodb"))
    ok = _wait_for(lambda: statuses.get(kept, "authorization"))
    failed = _wait_for(lambda: statuses.get(revoked, "authorization"))
    assert (ok.state, ok.counts) == (SyncState.OK, {"days_until_reauthorization": 354})
    assert failed.state is SyncState.ERROR and failed.last_error and "invalid_grant" in failed.last_error
    marked = connections.get_connection(revoked)
    assert marked is not None and marked.status is ConnectionStatus.NEEDS_REAUTHORIZATION
    dlq = stack.deployed.outputs[dlq_output_key(AUTHORIZATION)]
    assert stack.deployed.aws.client("sqs").receive_message(QueueUrl=dlq).get("Messages", []) == []

    # And an on-demand run answers synchronously
    answer = stack.runtime.invoke(function, {"sync_type": "authorization", "action": "run", "connection_id": kept})
    assert answer.ok and answer.payload["state"] == "OK", answer.payload
