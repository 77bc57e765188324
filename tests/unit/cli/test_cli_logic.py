"""The CLI's logic without AWS: key=value settings edits, durations, the sync registry and the Lambda invoke result."""

import io
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import typer
from pydantic import ValidationError

from cli.commands.links import parse_duration
from cli.commands.sync import SyncFailedError, invoke_cloud, registered, run_event
from cli.errors import UsageError, reporting
from cli.settings_edit import (
    SettingsUpdate,
    apply_assignments,
    changes,
    changes_inventory_rules,
    parse_assignments,
    parse_key,
)
from infra.config import SyncType
from shared.models.settings import ConnectionSettings
from shared.repositories.errors import ConcurrentUpdateError, ConnectionNotFoundError

UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"


def edit(base: ConnectionSettings, *texts: str, unset: tuple[str, ...] = ()) -> ConnectionSettings:
    return apply_assignments(base, parse_assignments(texts, unset))


def test_values_are_typed_by_the_settings_model() -> None:
    settings = edit(
        ConnectionSettings(),
        "inventory_buffer=3",
        "inventory_ceiling=10",
        "minimum_price=4.50",
        "pricing_disabled=false",
        "enabled_syncs=orders, inventory",
        'order_statuses_to_import=["UNSHIPPED"]',
        'carrier_alias_map={"DHL Express":"DHL"}',
    )

    assert (settings.inventory_buffer, settings.inventory_ceiling, settings.minimum_price) == (3, 10, Decimal("4.50"))
    assert settings.pricing_disabled is False
    assert settings.enabled_syncs == {"orders", "inventory"}
    assert settings.order_statuses_to_import == {"UNSHIPPED"}
    assert settings.carrier_alias_map == {"DHL Express": "DHL"}


def test_overrides_take_a_marketplace_id_or_country_code_and_reset_to_the_connection_value() -> None:
    settings = edit(ConnectionSettings(inventory_buffer=1), "marketplace_overrides.uk.inventory_buffer=5")
    assert settings.marketplace_overrides[UK].inventory_buffer == 5

    settings = edit(settings, f"marketplace_overrides.{DE}.default_handling_days=4")
    assert settings.effective(DE).default_handling_days == 4

    cleared = edit(settings, unset=(f"marketplace_overrides.{UK}.inventory_buffer",))
    assert UK not in cleared.marketplace_overrides and cleared.effective(UK).inventory_buffer == 1
    assert edit(settings, "marketplace_overrides.DE=").marketplace_overrides.keys() == {UK}
    assert edit(settings, "marketplace_overrides=").marketplace_overrides == {}


def test_sku_overrides_are_set_per_field_even_for_skus_with_dots() -> None:
    settings = edit(
        ConnectionSettings(),
        "sku_overrides.SKU-1.inventory_buffer=2",
        "sku_overrides.A.B.C.price_change_limit=3",
        'sku_overrides.JSON-1={"inventory_ceiling": 4}',
        "price_change_limit=0.25",
    )

    assert settings.sku_overrides["SKU-1"].inventory_buffer == 2
    assert settings.sku_overrides["A.B.C"].price_change_limit == Decimal(3)
    assert settings.effective(DE, "JSON-1").inventory_ceiling == 4
    assert settings.effective(DE, "SKU-1").price_change_limit == Decimal("0.25")

    cleared = edit(settings, "sku_overrides.JSON-1=", unset=("sku_overrides.SKU-1.inventory_buffer",))
    assert cleared.sku_overrides.keys() == {"A.B.C"}
    assert edit(settings, "sku_overrides=").sku_overrides == {}


def test_zero_switches_the_price_guard_off_and_an_empty_value_back_to_the_default() -> None:
    off = edit(ConnectionSettings(), "price_change_limit=0")

    assert off.price_change_limit == 0
    assert edit(off, "price_change_limit=").price_change_limit == Decimal("0.5")
    with pytest.raises(ValidationError):
        edit(ConnectionSettings(), "inventory_buffer=none")
    with pytest.raises(ValidationError):
        edit(ConnectionSettings(), "price_change_limit=none")


def test_sku_override_keys_and_bad_skus() -> None:
    assert parse_key("sku_overrides.A.B.minimum_price") == ("sku_overrides", "A.B", "minimum_price")
    assert parse_key("sku_overrides.A.B") == ("sku_overrides", "A.B")
    with pytest.raises(UsageError, match="per-SKU settings are sku_overrides.<sku>.<field>"):
        parse_key("sku_overrides.")
    with pytest.raises(ValidationError, match="sku_overrides"):
        edit(ConnectionSettings(), f"sku_overrides.{'S' * 41}.inventory_buffer=1")
    with pytest.raises(ValidationError, match="without a minimum_price \\(SKU 'X' connection-wide\\)"):
        edit(ConnectionSettings(), "sku_overrides.X.pricing_disabled=false")


def test_an_empty_value_resets_to_the_default() -> None:
    base = ConnectionSettings(inventory_buffer=3, enabled_syncs=frozenset({"orders"}), inventory_ceiling=4)

    assert edit(base, "inventory_buffer=", "enabled_syncs=", "inventory_ceiling=") == ConnectionSettings()


def test_changes_list_each_differing_key_with_both_values() -> None:
    old = ConnectionSettings(inventory_buffer=1)
    new = edit(
        old,
        "inventory_buffer=2",
        "marketplace_overrides.UK.inventory_buffer=5",
        "sku_overrides.S.1.price_change_limit=2",
        "price_change_limit=0",
    )

    assert changes(old, new) == [
        {"key": "inventory_buffer", "old": 1, "new": 2},
        {"key": f"marketplace_overrides.{UK}.inventory_buffer", "old": None, "new": 5},
        {"key": "price_change_limit", "old": "0.5", "new": "0"},
        {"key": "sku_overrides.S.1.price_change_limit", "old": None, "new": "2"},
    ]
    assert changes(old, old) == []


@pytest.mark.parametrize(
    "text",
    ["nokey", "=3", "colour=red", "inventory_buffer.x=1", "marketplace_overrides.ZZ.inventory_buffer=1"],
)
def test_malformed_assignments_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_assignments([text])


def test_nothing_to_set_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="nothing to set"):
        parse_assignments([])


def test_invalid_values_fail_validation_not_silently() -> None:
    with pytest.raises(ValidationError):
        edit(ConnectionSettings(), "inventory_buffer=many")
    with pytest.raises(ValidationError):
        edit(ConnectionSettings(), "pricing_disabled=false")  # pricing needs a minimum price
    with pytest.raises(UsageError, match="expected a JSON dict"):
        edit(ConnectionSettings(), 'shipping_method_map=["a"]')


def test_parse_key_names_the_per_marketplace_fields() -> None:
    assert parse_key("marketplace_overrides.GB.minimum_price") == ("marketplace_overrides", UK, "minimum_price")
    with pytest.raises(UsageError, match="inventory_buffer, inventory_ceiling"):
        parse_key("marketplace_overrides.UK.enabled_syncs")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", timedelta(days=7)),
        ("12h", timedelta(hours=12)),
        ("90m", timedelta(minutes=90)),
        ("2W", timedelta(weeks=2)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "7", "d", "1.5d", "7 days"])
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(text)


def test_only_registered_sync_types_run() -> None:
    orders = SyncType(
        name="orders", handler="functions.sync_orders.lambda_handler", description="", default_schedule=None
    )

    assert registered("orders", [orders]) is orders
    with pytest.raises(UsageError, match="registered sync types: none yet"):
        registered("orders", [])
    assert run_event("orders", "eu-a1") == {"sync_type": "orders", "action": "run", "connection_id": "eu-a1"}


class FakeLambda:
    """A Lambda client answering one invocation."""

    def __init__(self, payload: Any, function_error: str | None = None) -> None:
        self.payload, self.function_error = payload, function_error
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        response: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(self.payload).encode())}
        if self.function_error:
            response["FunctionError"] = self.function_error
        return response


def test_a_cloud_run_invokes_request_response_and_returns_the_result() -> None:
    result = {"connection_id": "eu-a1", "sync_type": "orders", "state": "OK", "counts": {"imported": 2}, "error": None}
    client = FakeLambda(result)

    assert invoke_cloud(client, "SellerSync-SyncOrders", run_event("orders", "eu-a1")) == result
    [call] = client.calls
    assert (call["FunctionName"], call["InvocationType"]) == ("SellerSync-SyncOrders", "RequestResponse")
    assert json.loads(call["Payload"]) == run_event("orders", "eu-a1")


def test_a_function_error_is_a_failure_with_its_message() -> None:
    client = FakeLambda({"errorType": "SettingsError", "errorMessage": "invalid environment"}, "Unhandled")

    with pytest.raises(SyncFailedError, match="SyncOrders failed: SettingsError: invalid environment"):
        invoke_cloud(client, "SyncOrders", run_event("orders", "eu-a1"))


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("bad"), 2),
        (ConnectionNotFoundError("eu-x"), 2),
        (ConcurrentUpdateError("eu-x"), 1),
        (SyncFailedError("boom"), 1),
    ],
)
def test_errors_map_to_exit_codes(error: Exception, code: int) -> None:
    with pytest.raises(typer.Exit) as exited, reporting():
        raise error
    assert exited.value.exit_code == code


def test_unexpected_errors_are_not_hidden() -> None:
    with pytest.raises(KeyError), reporting():
        raise KeyError("bug")


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({}, {"enabled_syncs": {"authorization", "inventory"}}, True),
        ({"enabled_syncs": {"inventory"}}, {"enabled_syncs": {"inventory"}, "inventory_buffer": 3}, True),
        (
            {"enabled_syncs": {"inventory"}},
            {"enabled_syncs": {"inventory"}, "sku_overrides": {"A-1": {"inventory_ceiling": 2}}},
            True,
        ),
        ({"enabled_syncs": {"inventory"}}, {"enabled_syncs": {"inventory", "orders"}}, False),
        (
            {"enabled_syncs": {"inventory"}},
            {"enabled_syncs": {"inventory"}, "order_statuses_to_import": {"SHIPPED"}},
            False,
        ),
        ({}, {"inventory_buffer": 3}, False),
        ({"enabled_syncs": {"inventory"}}, {"enabled_syncs": set(), "inventory_buffer": 3}, False),
    ],
    ids=["enabled", "rule", "sku-rule", "other-sync-enabled", "other-setting", "not-enabled", "disabled"],
)
def test_changes_inventory_rules(before: dict[str, Any], after: dict[str, Any], expected: bool) -> None:
    old, new = ConnectionSettings.model_validate(before), ConnectionSettings.model_validate(after)
    assert changes_inventory_rules(SettingsUpdate(2, changes(old, new), new)) is expected
