"""`sellersync settings get|set`: validated, versioned writes; an invalid stored item reported and repaired."""

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest

from cli.settings_edit import SettingsConflictError, parse_assignments, update_settings
from infra.outputs import dlq_output_key, queue_output_key
from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncJob
from shared.repositories import ConnectionsRepository
from tests.integration.cli.harness import CliStack

pytestmark = pytest.mark.integration

UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"


def test_set_validates_every_value_and_writes_them_at_once(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"))

    result = stack.run(
        "settings",
        "set",
        connection_id,
        "inventory_buffer=3",
        "enabled_syncs=orders,authorization,inventory,shipments",
        "order_statuses_to_import=UNSHIPPED",
        'shipping_method_map={"Std":"Standard"}',
        "marketplace_overrides.UK.inventory_buffer=5",
        f"marketplace_overrides.{DE}.minimum_price=9.99",
        "--no-apply",
        "--json",
    )

    assert result.exit_code == 0, result.output
    settings, version = stack.connections.get_versioned_settings(connection_id)
    assert version == 2
    assert settings.inventory_buffer == 3
    assert settings.enabled_syncs == {"orders", "authorization", "inventory", "shipments"}
    assert settings.order_statuses_to_import == {"UNSHIPPED"}
    assert settings.shipping_method_map == {"Std": "Standard"}
    assert settings.effective(UK).inventory_buffer == 5
    assert settings.effective(DE).minimum_price == Decimal("9.99")
    changed = {c["key"]: (c["old"], c["new"]) for c in json.loads(result.stdout)["changes"]}
    assert changed["inventory_buffer"] == (0, 3)
    assert changed[f"marketplace_overrides.{UK}.inventory_buffer"] == (None, 5)
    assert json.loads(result.stdout)["inventory_applied"] is None  # --no-apply: see test_cli_inventory
    # enabled_syncs naming a sync type this version does not have is allowed, with a note
    assert "shipments" in result.stderr and "inventory" not in result.stderr


def test_an_empty_value_or_unset_resets_to_the_default(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"))
    stack.run("settings", "set", connection_id, "inventory_buffer=3", "marketplace_overrides.UK.inventory_buffer=5")

    result = stack.run(
        "settings", "set", connection_id, "inventory_buffer=", "--unset", "marketplace_overrides.UK.inventory_buffer"
    )

    assert result.exit_code == 0, result.output
    assert stack.connections.get_versioned_settings(connection_id) == (ConnectionSettings(), 3)


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("inventory_buffer=-1", "inventory_buffer"),
        ("pricing_disabled=false", "minimum_price"),
        ("default_handling_days=31", "default_handling_days"),
        ("order_statuses_to_import=SOLD", "order_statuses_to_import"),
        ("no_such_setting=1", "unknown setting 'no_such_setting'"),
        ("marketplace_overrides.XX.inventory_buffer=1", "unknown marketplace 'XX'"),
        ("marketplace_overrides.UK.order_age_limit_days=3", "per-marketplace settings"),
        ("shipping_method_map=Std", "expected JSON"),
        ("inventory_buffer", "is not key=value"),
    ],
)
def test_an_invalid_value_is_a_usage_error_and_nothing_is_written(
    stack: CliStack, assignment: str, message: str
) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"))

    result = stack.run("settings", "set", connection_id, "inventory_buffer=7", assignment)

    assert result.exit_code == 2
    assert message in result.stderr
    assert stack.connections.get_versioned_settings(connection_id) == (ConnectionSettings(), 1)


def test_get_shows_the_effective_values_per_marketplace(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"))
    stack.run("settings", "set", connection_id, "inventory_buffer=2", "marketplace_overrides.UK.inventory_buffer=5")

    shown = stack.json("settings", "get", connection_id)
    table = stack.run("settings", "get", connection_id)

    assert (shown["connection_id"], shown["version"]) == (connection_id, 2)
    assert shown["settings"]["order_statuses_to_import"] == ["PARTIALLY_SHIPPED", "UNSHIPPED"]
    assert shown["effective"][UK]["inventory_buffer"] == 5 and shown["effective"][DE]["inventory_buffer"] == 2
    assert table.exit_code == 0 and "5*" in table.stdout and "Settings (version 2)" in table.stdout


def break_settings(stack: CliStack, connection_id: str) -> None:
    """Edits the SETTINGS item as a console user might: a buffer that is no number."""
    stack.aws.client("dynamodb").update_item(
        TableName=stack.table,
        Key={"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": "SETTINGS"}},
        UpdateExpression="SET inventory_buffer = :bad",
        ExpressionAttributeValues={":bad": {"S": "lots"}},
    )


def test_an_invalid_stored_item_is_reported_and_replace_repairs_it(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"))
    break_settings(stack, connection_id)

    got = stack.run("settings", "get", connection_id)
    refused = stack.run("settings", "set", connection_id, "inventory_buffer=1")
    shown = stack.json("connections", "show", connection_id)
    repaired = stack.run("settings", "set", connection_id, "--replace", "inventory_buffer=1")

    assert got.exit_code == 1 and refused.exit_code == 1
    for result in (got, refused):
        assert "stored settings of connection" in result.stderr and "inventory_buffer" in result.stderr
        assert "--replace" in result.stderr
    assert shown["settings"] is None and "inventory_buffer" in shown["settings_error"]
    assert repaired.exit_code == 0, repaired.output
    assert stack.connections.get_versioned_settings(connection_id) == (ConnectionSettings(inventory_buffer=1), 2)


class RacingRepository(ConnectionsRepository):
    """Reads the settings, then lets another writer change them before the caller writes."""

    def __init__(self, inner: ConnectionsRepository, other: dict[str, Any]) -> None:
        self.__dict__.update(inner.__dict__)
        self._other = other

    def get_versioned_settings(self, connection_id: str) -> tuple[ConnectionSettings, int]:
        settings, version = super().get_versioned_settings(connection_id)
        if self._other:
            other, self._other = self._other, {}
            super().put_settings(connection_id, ConnectionSettings(**other), version)
        return settings, version


def test_a_concurrent_change_is_reported_with_the_current_values_and_not_overwritten(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"))
    racing = RacingRepository(stack.connections, {"inventory_buffer": 9})

    with pytest.raises(SettingsConflictError) as conflict:
        update_settings(racing, connection_id, parse_assignments(["inventory_buffer=3"]))

    assert "changed after they were read (version 1)" in str(conflict.value)
    assert "Now at version 2: inventory_buffer=9" in str(conflict.value)
    assert stack.connections.get_versioned_settings(connection_id) == (ConnectionSettings(inventory_buffer=9), 2)


def test_set_on_an_unknown_connection_is_a_usage_error(stack: CliStack) -> None:
    result = stack.run("settings", "set", "eu-nosuchseller", "inventory_buffer=1")

    assert result.exit_code == 2 and "no connection" in result.stderr


def orders_queue(stack: CliStack) -> str:
    """The orders sync's work queue (and DLQ) as the stack outputs them."""
    sqs = stack.aws.client("sqs")
    suffix = uuid.uuid4().hex[:8]
    url = sqs.create_queue(QueueName=f"orders-{suffix}")["QueueUrl"]
    stack.set_output(queue_output_key("orders"), url)
    stack.set_output(dlq_output_key("orders"), sqs.create_queue(QueueName=f"orders-dlq-{suffix}")["QueueUrl"])
    return url


def queued_jobs(stack: CliStack, url: str) -> list[SyncJob]:
    """The jobs on a work queue (consumed)."""
    sqs = stack.aws.client("sqs")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [SyncJob.model_validate_json(m["Body"]) for m in messages]


def test_enabling_orders_enqueues_its_first_import_once(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"))
    url = orders_queue(stack)

    enabled = stack.json("settings", "set", connection_id, "enabled_syncs=orders")

    assert enabled["first_runs_enqueued"] == ["orders"]
    [job] = queued_jobs(stack, url)
    assert (job.sync_type, job.connection_id, job.trigger) == ("orders", connection_id, "enabled")
    # orders already enabled: adding another sync starts no second import
    again = stack.run("settings", "set", connection_id, "enabled_syncs=orders,authorization")
    assert again.exit_code == 0, again.output
    assert "first import" not in again.stdout and queued_jobs(stack, url) == []
    # disabled and enabled again: the import starts again (it carries on from the saved cursor)
    stack.json("settings", "set", connection_id, "enabled_syncs=authorization")
    text = stack.run("settings", "set", connection_id, "enabled_syncs=authorization,orders")
    assert text.exit_code == 0, text.output
    assert "orders enabled: its first import is enqueued on the orders work queue" in text.stdout
    assert [j.trigger for j in queued_jobs(stack, url)] == ["enabled"]


def test_with_no_apply_enabling_orders_only_saves(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"))
    url = orders_queue(stack)

    saved = stack.json("settings", "set", connection_id, "enabled_syncs=orders", "--no-apply")
    text = stack.run("settings", "set", connection_id, "enabled_syncs=orders,inventory", "--no-apply")

    assert saved["first_runs_enqueued"] == [] and queued_jobs(stack, url) == []
    assert stack.connections.get_settings(connection_id).enabled_syncs == {"orders", "inventory"}
    assert text.exit_code == 0 and "first import" not in text.stdout


def test_no_apply_says_when_the_enabled_orders_sync_runs(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"))

    result = stack.run("settings", "set", connection_id, "enabled_syncs=orders", "--no-apply")

    assert result.exit_code == 0, result.output
    assert "orders enabled: it runs at its next schedule, or now with `sellersync sync orders --connection" in (
        " ".join(result.stdout.split())
    )


def test_a_first_import_that_cannot_be_enqueued_is_reported_and_the_settings_stay_saved(stack: CliStack) -> None:
    # Given a stack without the orders work queue output
    connection_id, _ = stack.connect(stack.seller("EU"))

    result = stack.run("settings", "set", connection_id, "enabled_syncs=orders")

    assert result.exit_code == 1
    assert "the settings are saved, but the first run was not enqueued" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
    assert stack.connections.get_settings(connection_id).enabled_syncs == {"orders"}
    # --json says the same: nothing enqueued, and why
    stack.json("settings", "set", connection_id, "enabled_syncs=")
    answer = stack.run("settings", "set", connection_id, "enabled_syncs=orders", "--json")
    assert answer.exit_code == 1
    shown = json.loads(answer.stdout)
    assert shown["first_runs_enqueued"] == [] and "SyncOrdersQueueUrl" in shown["first_runs_error"]
