"""The registry entry's validation and the pure helpers the stack builds on (no synthesis here)."""

from typing import Annotated, Any

import pytest
from pydantic import Field

from infra.config import Queue, SyncType, Table, dlq_env_key, queue_env_key, table_env_key
from infra.constructs.schedules import dispatch_payload, resolve_schedules
from infra.environment import RUNTIME_ENV, UnsuppliedEnvError, function_environment
from infra.outputs import Output, function_output_key, output_keys, queue_output_key, table_output_key
from shared.env import Env
from shared.settings import FunctionSettings, SellerSyncSettings, SyncSettings
from tests.infra.registry import ALPHA, BETA, GAMMA, TEST_REGISTRY

pytestmark = pytest.mark.infra


def entry(**overrides: Any) -> SyncType:
    values: dict[str, Any] = {
        "name": "orders",
        "handler": "functions.sync_orders.lambda_handler",
        "description": "d",
        "default_schedule": None,
    }
    return SyncType(**(values | overrides))


def test_a_valid_entry_has_a_camel_case_title() -> None:
    assert entry(name="order_items").title == "OrderItems"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "Orders"}, "lower-case identifier"),
        ({"name": "my-orders"}, "lower-case identifier"),
        ({"handler": "sync_orders.handler"}, "functions.<module>.lambda_handler"),
        ({"handler": "functions.sync_orders.main"}, "functions.<module>.lambda_handler"),
        ({"timeout_seconds": 0}, "timeout"),
        ({"timeout_seconds": 901}, "timeout"),
        ({"memory_mb": 64}, "memory_mb"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 11}, "batch_size"),
        ({"max_concurrency": 1}, "max_concurrency"),
    ],
)
def test_an_invalid_entry_is_refused_with_the_reason(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        entry(**overrides)


def test_every_table_has_an_env_key() -> None:
    assert {table_env_key(t) for t in Table} == {Env[f"{t.name}_TABLE"] for t in Table}


def test_every_shared_queue_has_env_keys_for_its_url_and_its_dlq() -> None:
    assert queue_env_key(Queue.INVENTORY_INPUT) == Env.INVENTORY_INPUT_QUEUE_URL == "INVENTORY_INPUT_QUEUE_URL"
    assert dlq_env_key(Queue.INVENTORY_RESULTS) == Env.INVENTORY_RESULTS_DLQ_URL
    assert len({queue_env_key(q) for q in Queue} | {dlq_env_key(q) for q in Queue}) == 2 * len(Queue)


def test_schedules_take_the_context_override_else_the_default() -> None:
    resolved = resolve_schedules(TEST_REGISTRY, {"gamma": "cron(0 1 * * ? *)"})
    assert resolved == {"alpha": "rate(5 minutes)", "beta": None, "gamma": "cron(0 1 * * ? *)"}


def test_a_null_override_disables_a_schedule_and_json_text_is_accepted() -> None:
    assert resolve_schedules((ALPHA,), '{"alpha": null}') == {"alpha": None}
    assert resolve_schedules((ALPHA,), None) == {"alpha": "rate(5 minutes)"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"delta": "rate(1 hour)"}, "unknown sync types"), ({"alpha": "every hour"}, "no rate"), (["alpha"], "map")],
)
def test_bad_schedule_overrides_are_refused(overrides: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resolve_schedules((ALPHA, BETA), overrides)


def test_the_dispatch_payload_names_the_sync_type() -> None:
    assert dispatch_payload("alpha") == {"sync_type": "alpha", "action": "dispatch"}


SUPPLIED: dict[str, str] = {
    Env.SERVICE_NAME: "svc",
    Env.METRICS_NAMESPACE: "ns",
    Env.SYNC_TYPE: "alpha",
    Env.SYNC_QUEUE_URL: "q",
    Env.SYNC_DLQ_URL: "d",
    Env.CONNECTIONS_TABLE: "c",
    Env.EVENT_BUS_NAME: "b",
    Env.LWA_SECRET_ARN: "s",
    Env.KMS_KEY_ARN: "k",
}


def test_the_environment_holds_the_declared_supplied_keys_and_the_runtime_keys() -> None:
    environment = function_environment("alpha", SyncSettings, SUPPLIED)
    # The key and the secret are supplied but not declared (a sync that does not act for a seller at Amazon needs
    # neither); the local-only endpoint overrides are declared but never supplied.
    assert set(environment) == (set(SUPPLIED) - {Env.KMS_KEY_ARN, Env.LWA_SECRET_ARN}) | set(RUNTIME_ENV)
    assert set(function_environment("alpha", SellerSyncSettings, SUPPLIED)) == set(SUPPLIED) | set(RUNTIME_ENV)


def test_a_required_key_the_stack_cannot_supply_stops_synthesis() -> None:
    supplied: dict[str, str] = {k: v for k, v in SUPPLIED.items() if k != Env.LWA_SECRET_ARN}
    with pytest.raises(UnsuppliedEnvError, match="LWA_SECRET_ARN"):
        function_environment("alpha", SellerSyncSettings, supplied)


def test_an_optional_key_the_stack_cannot_supply_stops_synthesis_too() -> None:
    class WithOptionalTable(FunctionSettings):
        feeds_table: Annotated[str | None, Field(alias=Env.FEEDS_TABLE)] = None

    with pytest.raises(UnsuppliedEnvError, match="FEEDS_TABLE"):
        function_environment("x", WithOptionalTable, SUPPLIED)


def test_output_keys_cover_tables_fixed_outputs_and_each_sync_type() -> None:
    keys = output_keys((GAMMA,))
    assert {table_output_key(Table.OAUTH_STATES), "OauthStatesTableName", Output.API_URL} <= keys
    assert {function_output_key(GAMMA), queue_output_key("gamma"), "SyncGammaDlqUrl"} <= keys
    assert function_output_key("order_items") == "SyncOrderItemsFunctionName"
