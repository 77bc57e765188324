"""The production stack's alarms, evaluated on the embedded AWS (local/alarms.py): a DLQ message, a connection failing
three runs in a row and a stalled sync fire, through the real functions' metrics (EMF forwarded by the local runtime).

The shared local stack's metrics and queues are shared with other modules: each test asserts what its own actions
cause, and puts back what it changed (its DLQ messages, its connection's settings).
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from infra.config import AUTHORIZATION, Table
from infra.outputs import Output, function_output_key, table_output_key
from local.alarms import ALARM, OK, AlarmState, MetricSource, evaluate_alarm, evaluate_alarms
from local.amazon import LocalWorld
from local.sandbox import SandboxInspector
from shared.models.connection import Connection
from shared.models.schedule import FAILING_AFTER_RUNS
from shared.models.sync import SyncState
from shared.repositories import ConnectionsRepository, KmsEncryptor, SyncStatusRepository
from shared.spapi.marketplaces import Region

pytestmark = pytest.mark.integration

VISIBLE = "ApproximateNumberOfMessagesVisible"


def _alarms(world: LocalWorld) -> list[dict[str, Any]]:
    cloudwatch = world.stack.deployed.aws.client("cloudwatch")
    prefix = f"{world.stack.deployed.stack_name}-"
    pages = cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix)
    return [alarm for page in pages for alarm in page["MetricAlarms"]]


def _source(world: LocalWorld) -> MetricSource:
    aws = world.stack.deployed.aws
    return MetricSource(aws.client("cloudwatch"), aws.client("sqs"))


def _state(world: LocalWorld, construct_id: str, now: datetime) -> AlarmState:
    (alarm,) = [a for a in _alarms(world) if construct_id in a["AlarmName"]]
    return evaluate_alarm(alarm, _source(world), now)


def test_every_dlq_alarm_of_the_stack_fires_on_its_first_message(local_world: LocalWorld) -> None:
    sqs = local_world.stack.deployed.aws.client("sqs")
    dlq_alarms = [a for a in _alarms(local_world) if a.get("MetricName") == VISIBLE and "Dlq" in a["AlarmName"]]
    assert len(dlq_alarms) >= 20  # every sync type's, schedule's and rule's, notifications, inventory, shipments
    for alarm in dlq_alarms:
        (queue,) = [d["Value"] for d in alarm["Dimensions"] if d["Name"] == "QueueName"]
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        before = evaluate_alarm(alarm, _source(local_world), datetime.now(UTC))
        marker = f"alarm-test-{uuid.uuid4().hex}"
        sqs.send_message(QueueUrl=url, MessageBody=marker)
        try:
            fired = evaluate_alarm(alarm, _source(local_world), datetime.now(UTC))
            assert fired.state == ALARM, (alarm["AlarmName"], fired.reason)
        finally:
            _delete(sqs, url, marker)
        after = evaluate_alarm(alarm, _source(local_world), datetime.now(UTC))
        assert after.state == before.state, alarm["AlarmName"]


def _delete(sqs: Any, url: str, body: str) -> None:
    """Deletes the test's message, leaving any other visible (received with no visibility timeout)."""
    for _ in range(20):
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
            "Messages", []
        ):
            if message["Body"] == body:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                return
    raise AssertionError(f"the test message did not come back from {url}")


def _connect(world: LocalWorld) -> tuple[str, ConnectionsRepository]:
    aws, outputs = world.stack.deployed.aws, world.stack.deployed.outputs
    connections = ConnectionsRepository(
        outputs[table_output_key(Table.CONNECTIONS)],
        aws.client("dynamodb"),
        KmsEncryptor(outputs[Output.KMS_KEY_ARN], aws.client("kms")),
    )
    inspector = SandboxInspector(world.sandbox.url)
    seller = inspector.new_seller("EU")
    at = datetime.now(UTC) - timedelta(days=10)
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
    return connection.connection_id, connections


def test_a_connection_failing_three_runs_in_a_row_fires_and_a_sync_without_heartbeat_stalls(
    local_world: LocalWorld,
) -> None:
    # Given a connection whose settings item was edited into an invalid state: every run of it fails
    stack = local_world.stack
    connection_id, connections = _connect(local_world)
    dynamodb = stack.deployed.aws.client("dynamodb")
    table = stack.deployed.outputs[table_output_key(Table.CONNECTIONS)]
    key = {"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": "SETTINGS"}}
    dynamodb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET inventory_buffer = :bad",
        ExpressionAttributeValues={":bad": {"N": "-1"}},
    )
    function = stack.deployed.outputs[function_output_key(AUTHORIZATION)]
    run = {"sync_type": "authorization", "action": "run", "connection_id": connection_id}
    statuses = SyncStatusRepository(table, dynamodb)

    # When the authorization sync runs it three times (the real function in its worker; its EMF forwarded)
    for _ in range(FAILING_AFTER_RUNS):
        result = stack.runtime.invoke(function, run)
        assert result.ok and result.payload["state"] == "ERROR", result.payload
    status = statuses.get(connection_id, "authorization")
    assert status is not None and status.consecutive_failures == FAILING_AFTER_RUNS

    # Then the failing-connections alarm fires
    failing = _state(local_world, "AuthorizationConnectionsFailing", datetime.now(UTC))
    assert failing.state == ALARM, failing.reason

    # And once the settings are fixed a run succeeds: the counter is reset and the heartbeat keeps the sync from
    # stalling, until three intervals (3 hours) pass without one (an injected evaluation time)
    dynamodb.update_item(TableName=table, Key=key, UpdateExpression="REMOVE inventory_buffer")
    result = stack.runtime.invoke(function, run)
    assert result.ok and result.payload["state"] == "OK", result.payload
    status = statuses.get(connection_id, "authorization")
    assert status is not None and (status.state, status.consecutive_failures) == (SyncState.OK, 0)
    now = datetime.now(UTC)
    assert _state(local_world, "AuthorizationStalled", now).state == OK
    stalled = _state(local_world, "AuthorizationStalled", now + timedelta(hours=3, minutes=5))
    assert stalled.state == ALARM and "missing treated as breaching" in stalled.reason

    # And `local alarms` lists them, firing ones first
    aws = stack.deployed.aws
    states = evaluate_alarms(aws.client("cloudwatch"), aws.client("sqs"), stack.deployed.stack_name, now)
    assert any(s.state == ALARM and "AuthorizationConnectionsFailing" in s.name for s in states)
    assert [s.state for s in states] == sorted((s.state for s in states), key=lambda state: state != ALARM)
    invocations = aws.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Invocations",
        Dimensions=[{"Name": "FunctionName", "Value": function}],
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=1),
        Period=660,
        Statistics=["Sum"],
    )
    assert sum(d["Sum"] for d in invocations["Datapoints"]) >= FAILING_AFTER_RUNS + 1
    connections.get_connection(connection_id)  # still there, untouched
