"""`sellersync connections pause|resume` and what `status` shows of a pause (PAUSED, never STALLED)."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from cli.commands.status import state_text, status_report
from cli.target import resolve_target
from infra.outputs import dlq_output_key, queue_output_key
from shared.models.settings import ConnectionSettings
from tests.integration.cli.harness import CliStack

pytestmark = pytest.mark.integration


def _orders_queue(stack: CliStack) -> str:
    sqs, suffix = stack.aws.client("sqs"), uuid.uuid4().hex[:8]
    url = str(sqs.create_queue(QueueName=f"orders-{suffix}")["QueueUrl"])
    stack.set_output(queue_output_key("orders"), url)
    stack.set_output(dlq_output_key("orders"), sqs.create_queue(QueueName=f"orders-dlq-{suffix}")["QueueUrl"])
    return url


def _jobs(stack: CliStack, url: str) -> list[dict[str, str]]:
    messages = stack.aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_pause_then_resume_twice_runs_the_sync_once(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"))
    _, version = stack.connections.get_versioned_settings(connection_id)
    stack.connections.put_settings(connection_id, ConnectionSettings(enabled_syncs=frozenset({"orders"})), version)
    url = _orders_queue(stack)

    paused = stack.json("connections", "pause", connection_id, "--sync", "orders", "--reason", "warehouse move")
    again = stack.json("connections", "pause", connection_id, "--sync", "orders")

    assert (paused["changed"], again["changed"]) == (True, False)
    stored = stack.connections.get_connection(connection_id)
    assert stored is not None and stored.paused["orders"].reason == "warehouse move"

    first = stack.json("connections", "resume", connection_id, "--sync", "orders")
    second = stack.json("connections", "resume", connection_id, "--sync", "orders")

    assert (first["changed"], first["enqueued"]) == (True, ["orders"])
    assert (second["changed"], second["enqueued"]) == (False, [])
    jobs = _jobs(stack, url)
    assert [(j["sync_type"], j["connection_id"], j["trigger"]) for j in jobs] == [
        ("orders", connection_id, "on_demand")
    ]


def test_status_shows_a_paused_sync_as_paused_and_never_stalled(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"), authorized_days_ago=100)
    _, version = stack.connections.get_versioned_settings(connection_id)
    stack.connections.put_settings(connection_id, ConnectionSettings(enabled_syncs=frozenset({"orders"})), version)
    now = datetime.now(UTC)
    stack.statuses.record_success(connection_id, "orders", now - timedelta(days=2), {"imported": 1}, 10)
    stack.run("connections", "pause", connection_id, "--reason", "warehouse move")
    target = resolve_target(True, "SellerSync")

    [entry] = status_report(target, connection_id, now)

    orders = next(s for s in entry["syncs"] if s["sync_type"] == "orders")
    assert orders["stalled"] is False and orders["paused"]["reason"] == "warehouse move"
    assert state_text(orders) == "PAUSED"
    assert entry["never_ran_stalled"] == []  # the authorization never ran, but the connection is paused whole
    assert set(entry["paused"]) == {"*"}
    table = stack.run("status", "--connection", connection_id)
    assert table.exit_code == 0, table.output
    assert "PAUSED" in table.stdout and "STALLED" not in table.stdout and "warehouse move" in table.stdout


def test_pausing_an_unknown_sync_type_is_a_usage_error(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"))

    result = stack.run("connections", "pause", connection_id, "--sync", "nosuchsync")

    assert result.exit_code != 0 and "unknown sync type 'nosuchsync'" in result.output
    stored = stack.connections.get_connection(connection_id)
    assert stored is not None and stored.paused == {}
