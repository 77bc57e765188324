"""The sync functions: runtime, tracing, logs, package contents, and an environment that matches their settings."""

from pathlib import Path

import pytest

from infra.access import Access
from infra.app import build_app
from infra.config import (
    LOG_RETENTION_DAYS,
    RUNTIME,
    SCHEDULES_CONTEXT_KEY,
    SERVICE_NAME,
    Queue,
    SyncType,
    Table,
    queue_env_key,
    table_env_key,
)
from infra.constructs import catalog as catalog_notifications
from infra.environment import RUNTIME_ENV, UnsuppliedEnvError
from infra.outputs import table_output_key
from shared.env import Env
from shared.settings import env_keys, required_env_keys
from tests.infra.registry import ALPHA, TEST_REGISTRY
from tests.infra.template_tools import Synthesized, ref

pytestmark = pytest.mark.infra


def _suppliable(entry: SyncType) -> set[str]:
    """What the stack can hand a function of this entry, worked out independently of infra/environment.py."""
    keys = {Env.SERVICE_NAME, Env.METRICS_NAMESPACE, Env.SYNC_TYPE, Env.SYNC_QUEUE_URL, Env.SYNC_DLQ_URL}
    keys |= {Env.KMS_KEY_ARN, Env.NOTIFICATIONS_QUEUE_ARN}
    keys |= {queue_env_key(queue) for queue in Queue}
    keys |= {table_env_key(table) for table in entry.tables}
    keys |= {Env.EVENT_BUS_NAME} if entry.publishes_events else set()
    keys |= {Env.LWA_SECRET_ARN} if entry.reads_lwa_secret else set()
    return {str(k) for k in keys}


@pytest.mark.parametrize("entry", TEST_REGISTRY, ids=lambda e: e.name)
def test_env_keys_are_the_settings_keys_the_stack_supplies(sample: Synthesized, entry: SyncType) -> None:
    environment = sample.environment(sample.function_of(entry.name))
    assert set(environment) == (env_keys(entry.settings) & _suppliable(entry)) | set(RUNTIME_ENV)
    assert required_env_keys(entry.settings) <= set(environment)


@pytest.mark.parametrize("entry", TEST_REGISTRY, ids=lambda e: e.name)
def test_env_values_name_the_functions_own_resources(sample: Synthesized, entry: SyncType) -> None:
    environment = sample.environment(sample.function_of(entry.name))
    assert environment[Env.SERVICE_NAME] == f"{SERVICE_NAME}-{entry.name}"
    assert environment[Env.SYNC_TYPE] == entry.name
    assert ref(environment[Env.SYNC_QUEUE_URL]) == sample.output_ref(f"Sync{entry.title}QueueUrl")
    for table in entry.tables:
        if table_env_key(table) in environment:
            assert ref(environment[table_env_key(table)]) == sample.output_ref(table_output_key(table))


def test_every_function_runs_python_on_arm_traced_with_a_retained_log_group(synthesized: Synthesized) -> None:
    for lid, function in synthesized.of_type("AWS::Lambda::Function").items():
        props = function["Properties"]
        assert props["Runtime"] == RUNTIME == "python3.13", lid
        assert props["Architectures"] == ["arm64"], lid
        assert props["TracingConfig"]["Mode"] in {"Active", "PassThrough"}, lid
        log_group = synthesized.props(str(ref(props["LoggingConfig"]["LogGroup"])))
        assert log_group["RetentionInDays"] == LOG_RETENTION_DAYS, lid
        assert len(props["Layers"]) == 1, lid


# The functions that run per stock change, per notification or hourly and more often per connection: the polls
# (infra/tracing.py).
UNTRACED = {
    "Notifications",
    "InventoryInput",
    "InventoryFeeds",
    "InventoryFastlane",
    "InventoryResults",
    "SyncsOrders",
    "SyncsCatalog",
    "SyncsAuthorization",
}


def test_by_default_the_per_change_lanes_and_the_polls_pass_traces_through_and_the_rest_trace(
    production: Synthesized,
) -> None:
    modes = {
        lid.split("Function")[0]: function["Properties"]["TracingConfig"]["Mode"]
        for lid, function in production.of_type("AWS::Lambda::Function").items()
    }
    assert {name for name, mode in modes.items() if mode == "PassThrough"} == UNTRACED
    assert {name for name, mode in modes.items() if mode == "Active"} == set(modes) - UNTRACED
    assert {"OAuth", "ShipmentsInput", "ShipmentsVerify", "ShipmentsCancellations", "SyncsInventory"} <= set(modes)
    # Built only with `sellersync:listingsEventSource` (docs/catalog.md): one listings notification batch a run.
    assert catalog_notifications.FUNCTION.traced is False


@pytest.mark.parametrize("entry", TEST_REGISTRY, ids=lambda e: e.name)
def test_timeout_memory_and_handler_come_from_the_entry(sample: Synthesized, entry: SyncType) -> None:
    props = sample.props(sample.function_of(entry.name))
    assert (props["Handler"], props["Timeout"], props["MemorySize"]) == (
        entry.handler,
        entry.timeout_seconds,
        entry.memory_mb,
    )


def test_the_function_package_holds_only_functions_and_shared(sample: Synthesized) -> None:
    key = sample.props(sample.function_of("alpha"))["Code"]["S3Key"]
    staged = sample.outdir / f"asset.{key.removesuffix('.zip')}"
    assert sorted(p.name for p in staged.iterdir()) == ["functions", "shared"]
    assert not [p for p in staged.rglob("*") if p.name == "__pycache__" or p.suffix == ".pyc"]


def test_a_settings_key_the_stack_cannot_supply_fails_the_build_with_a_clear_error(tmp_path: Path) -> None:
    # Given a sync type whose settings (the default SyncSettings) need the connections table it is not granted
    without_connections = SyncType(
        name="broken",
        handler="functions.sync_broken.lambda_handler",
        description="d",
        default_schedule=None,
        tables={Table.ORDERS: Access.READ},
    )
    # When the stack is built (without cdk.json's schedules, which name the production registry's orders),
    # Then it stops, naming the key
    with pytest.raises(UnsuppliedEnvError, match="CONNECTIONS_TABLE"):
        build_app((ALPHA, without_connections), outdir=str(tmp_path), context={SCHEDULES_CONTEXT_KEY: {}})
