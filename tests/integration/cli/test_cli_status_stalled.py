"""`sellersync status` marks stalled syncs (no success within three schedule intervals) and runs failing in a row."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from cli.commands.status import state_text, status_report
from cli.target import resolve_target
from infra.schedule_context import configured_schedules
from shared.models.schedule import stall_after
from shared.models.settings import ConnectionSettings
from tests.integration.cli.harness import CliStack

pytestmark = pytest.mark.integration


def _enable(stack: CliStack, connection_id: str, *sync_types: str) -> None:
    _, version = stack.connections.get_versioned_settings(connection_id)
    stack.connections.put_settings(connection_id, ConnectionSettings(enabled_syncs=frozenset(sync_types)), version)


def test_status_marks_stalled_syncs_with_their_last_error_and_failures_in_a_row(stack: CliStack) -> None:
    # Given a connection syncing orders (every 15 minutes) and the authorization (hourly, always on)
    connection_id, _ = stack.connect(stack.seller("EU"), authorized_days_ago=100)
    _enable(stack, connection_id, "orders")
    now = datetime.now(UTC)  # what the command's clock reads; status_report takes later times below
    hourly = stall_after(configured_schedules()["authorization"])
    assert hourly == timedelta(hours=3)
    # the authorization succeeded 2h59 ago, then failed three times; orders last succeeded 46 minutes ago, then failed
    stack.statuses.record_success(connection_id, "authorization", now - timedelta(hours=2, minutes=59), {}, 10)
    for minutes in (50, 30, 10):
        stack.statuses.record_failure(connection_id, "authorization", now - timedelta(minutes=minutes), "LWA down")
    stack.statuses.record_success(connection_id, "orders", now - timedelta(minutes=46), {"imported": 1}, 10)
    stack.statuses.record_failure(connection_id, "orders", now - timedelta(minutes=1), "searchOrders 503")
    target = resolve_target(True, "SellerSync")

    [entry] = status_report(target, connection_id, now)
    syncs = {s["sync_type"]: s for s in entry["syncs"]}

    # Then orders is STALLED (3 x 15 minutes passed) with its last error; the authorization not yet, but failing
    assert (syncs["orders"]["stalled"], syncs["orders"]["last_error"]) == (True, "searchOrders 503")
    authorization = syncs["authorization"]
    assert (authorization["stalled"], authorization["consecutive_failures"]) == (False, 3)
    assert authorization["failing"]
    assert (syncs["orders"]["consecutive_failures"], syncs["orders"]["failing"]) == (1, False)
    assert entry["never_ran_stalled"] == []
    assert [state_text(syncs[t]) for t in ("authorization", "orders")] == ["ERROR ×3 FAILING", "STALLED ERROR ×1"]
    table = stack.run("status", "--connection", connection_id)
    assert "FAILING" in table.stdout and "STALLED" in table.stdout
    # And two minutes later the authorization has stalled too
    [later] = status_report(target, connection_id, now + timedelta(minutes=2))
    assert all(s["stalled"] for s in later["syncs"])

    # And a sync disabled in the settings is never STALLED, however old its success
    _enable(stack, connection_id)
    [disabled] = status_report(target, connection_id, now + timedelta(days=5))
    assert {s["sync_type"]: s["stalled"] for s in disabled["syncs"]} == {"authorization": True, "orders": False}


def test_an_enabled_sync_that_never_ran_stalls_three_intervals_after_the_authorization(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"), authorized_days_ago=1)
    _enable(stack, connection_id, "inventory")
    target = resolve_target(True, "SellerSync")
    connection = stack.connections.get_connection(connection_id)
    assert connection is not None

    # The inventory sync is daily: three days; the authorization hourly: three hours.
    [entry] = status_report(target, connection_id, connection.authorized_at + timedelta(hours=4))
    assert entry["never_ran_stalled"] == ["authorization"]
    [entry] = status_report(target, connection_id, connection.authorized_at + timedelta(days=3, minutes=1))
    assert entry["never_ran_stalled"] == ["authorization", "inventory"]

    # The table (now: a day after the authorization) shows the hourly one as a STALLED row of its own
    table = stack.run("status", "--connection", connection_id)
    assert table.exit_code == 0, table.output
    assert "STALLED" in table.stdout and "no sync has run yet" in table.stdout and "inventory" not in table.stdout


def test_local_alarms_lists_the_stacks_alarms_evaluated_firing_first(stack: CliStack) -> None:
    # Given two alarms of the running embedded default (`SellerSync-…`): a DLQ holding a message, and one on no data
    suffix = uuid.uuid4().hex[:8]
    sqs, cloudwatch = stack.aws.client("sqs"), stack.aws.client("cloudwatch")
    queue = f"dlq-{suffix}"
    sqs.send_message(QueueUrl=sqs.create_queue(QueueName=queue)["QueueUrl"], MessageBody="{}")
    common = {"EvaluationPeriods": 1, "Threshold": 0, "ComparisonOperator": "GreaterThanThreshold", "Period": 300}
    cloudwatch.put_metric_alarm(
        AlarmName=f"SellerSync-Dlq{suffix}",
        Namespace="AWS/SQS",
        MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[{"Name": "QueueName", "Value": queue}],
        Statistic="Maximum",
        TreatMissingData="notBreaching",
        **common,
    )
    cloudwatch.put_metric_alarm(
        AlarmName=f"SellerSync-Quiet{suffix}",
        Namespace="SellerSync",
        MetricName="SyncFailures",
        Dimensions=[{"Name": "sync_type", "Value": f"none{suffix}"}],
        Statistic="Sum",
        TreatMissingData="notBreaching",
        **common,
    )

    result = stack.run("local", "alarms", "--json", local=False)
    firing = stack.run("local", "alarms", "--firing", local=False)

    assert result.exit_code == 0, result.output
    states = {a["name"]: a["state"] for a in json.loads(result.stdout) if suffix in a["name"]}
    assert states == {f"SellerSync-Dlq{suffix}": "ALARM", f"SellerSync-Quiet{suffix}": "OK"}
    assert f"Dlq{suffix}" in firing.stdout and f"Quiet{suffix}" not in firing.stdout
