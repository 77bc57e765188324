"""ConnectionSettings: defaults, validation, marketplace and SKU overrides; Connection: id and reauthorization."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.models import Connection, ConnectionSettings, ConnectionStatus, MarketplaceOverrides, connection_id_for
from shared.models.settings import MAX_SKU_OVERRIDES, SkuOverrides
from shared.spapi.marketplaces import MARKETPLACES, Region, UnknownMarketplaceError

US, DE, FR = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A13V1IB3VIYZZH"
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_defaults_are_the_cautious_ones() -> None:
    settings = ConnectionSettings()

    assert settings.pricing_disabled is True
    assert settings.enabled_syncs == frozenset()
    assert settings.order_statuses_to_import == {"UNSHIPPED", "PARTIALLY_SHIPPED"}
    assert (settings.inventory_buffer, settings.inventory_ceiling, settings.default_handling_days) == (0, None, 2)
    assert settings.order_age_limit_days == 7
    assert settings.price_change_limit == Decimal("0.5")
    assert settings.sku_overrides == {}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("inventory_buffer", -1),
        ("inventory_ceiling", 0),
        ("minimum_price", Decimal("-0.01")),
        ("minimum_price", Decimal("1.001")),
        ("default_handling_days", 0),
        ("default_handling_days", 31),
        ("order_age_limit_days", 731),
        ("order_statuses_to_import", set()),
        ("order_statuses_to_import", {"SHIPPED", "DELIVERED"}),
        ("shipping_method_map", {"Standard": "  "}),
        ("carrier_alias_map", {"": "UPS"}),
        ("enabled_syncs", {"Orders"}),
        ("price_change_limit", Decimal("-0.1")),
        ("price_change_limit", Decimal("10.01")),
        ("sku_overrides", {" SKU-1": {}}),
        ("sku_overrides", {"": {}}),
        ("sku_overrides", {"S" * 41: {}}),
        ("sku_overrides", {"SKU-1": {"price_change_limit": Decimal(11)}}),
        ("sku_overrides", {"SKU-1": {"order_age_limit_days": 3}}),
    ],
)
def test_out_of_range_values_are_rejected_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        ConnectionSettings.model_validate({field: value})

    assert caught.value.errors()[0]["loc"][0] == field


def test_extra_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="inventory_bufer"):
        ConnectionSettings.model_validate({"inventory_bufer": 3})
    with pytest.raises(ValidationError, match="extra_forbidden"):
        ConnectionSettings.model_validate({"marketplace_overrides": {DE: {"order_age_limit_days": 3}}})


def test_unknown_marketplace_override_is_rejected_with_its_id() -> None:
    with pytest.raises(ValidationError, match="unknown marketplace id.*XX123"):
        ConnectionSettings.model_validate({"marketplace_overrides": {"XX123": {"inventory_buffer": 1}}})


def test_buffer_above_ceiling_is_a_legitimate_setup() -> None:
    # The buffer is a gate (below it: 0), the ceiling a cap: buffer 6, ceiling 4 advertises 0 or 4.
    settings = ConnectionSettings(inventory_buffer=6, inventory_ceiling=4)

    assert settings.effective(US).inventory_buffer == 6
    assert settings.effective(US).inventory_ceiling == 4


def test_enabling_pricing_needs_a_minimum_price_at_every_level() -> None:
    with pytest.raises(ValidationError, match="without a minimum_price \\(connection-wide\\)"):
        ConnectionSettings(pricing_disabled=False)
    with pytest.raises(ValidationError, match=f"marketplace {DE}"):
        ConnectionSettings(marketplace_overrides={DE: MarketplaceOverrides(pricing_disabled=False)})

    enabled = ConnectionSettings(marketplace_overrides={DE: {"pricing_disabled": False, "minimum_price": "4.99"}})

    assert enabled.effective(DE).pricing_disabled is False
    assert enabled.effective(FR).pricing_disabled is True


def test_a_sku_override_enabling_pricing_needs_a_minimum_at_every_level_and_is_named() -> None:
    enabling = {"SKU.1": SkuOverrides(pricing_disabled=False)}
    with pytest.raises(ValidationError, match="\\(SKU 'SKU.1' connection-wide\\)"):
        ConnectionSettings(sku_overrides=enabling)
    # FR brings a minimum and SKU-2 its own: only the connection-wide level and DE leave SKU.1 without one.
    only = f"\\(SKU 'SKU.1' connection-wide, SKU 'SKU.1' in marketplace {DE}\\)"
    with pytest.raises(ValidationError, match=only):
        ConnectionSettings(
            marketplace_overrides={
                DE: MarketplaceOverrides(inventory_buffer=1),
                FR: MarketplaceOverrides(minimum_price=Decimal(1)),
            },
            sku_overrides=enabling | {"SKU-2": SkuOverrides(pricing_disabled=False, minimum_price=Decimal(1))},
        )

    inherited = ConnectionSettings(minimum_price=Decimal(1), sku_overrides=enabling)
    own = ConnectionSettings(sku_overrides={"SKU.1": SkuOverrides(pricing_disabled=False, minimum_price=Decimal(2))})

    assert inherited.effective(DE, "SKU.1").pricing_disabled is False
    assert own.effective(FR, "SKU.1").minimum_price == Decimal(2)
    assert own.effective(FR, "OTHER").pricing_disabled is True


def test_many_pricing_problems_are_listed_up_to_ten() -> None:
    enabling = {f"SKU-{i}": SkuOverrides(pricing_disabled=False) for i in range(12)}

    with pytest.raises(ValidationError, match="SKU 'SKU-9' connection-wide and 2 more\\): set one first"):
        ConnectionSettings(sku_overrides=enabling)


def test_at_most_2000_sku_overrides() -> None:
    many = {f"SKU-{i}": SkuOverrides(inventory_buffer=1) for i in range(MAX_SKU_OVERRIDES + 1)}

    with pytest.raises(ValidationError, match="at most 2000 items"):
        ConnectionSettings(sku_overrides=many)
    assert len(ConnectionSettings(sku_overrides=dict(list(many.items())[:MAX_SKU_OVERRIDES])).sku_overrides) == 2000


def test_effective_takes_the_sku_over_the_marketplace_over_the_connection() -> None:
    settings = ConnectionSettings(
        inventory_buffer=1,
        inventory_ceiling=100,
        price_change_limit=Decimal("0.5"),
        marketplace_overrides={DE: MarketplaceOverrides(inventory_buffer=5, price_change_limit=Decimal("0.2"))},
        sku_overrides={"SKU-1": SkuOverrides(inventory_buffer=2, price_change_limit=Decimal(3))},
    )

    def levels(marketplace_id: str, sku: str | None) -> tuple[object, ...]:
        merged = settings.effective(marketplace_id, sku)
        return merged.inventory_buffer, merged.inventory_ceiling, merged.price_change_limit

    assert levels(DE, "SKU-1") == (2, 100, Decimal(3))
    assert levels(DE, "OTHER") == levels(DE, None) == (5, 100, Decimal("0.2"))
    assert levels(FR, "SKU-1") == (2, 100, Decimal(3))
    assert levels(FR, None) == (1, 100, Decimal("0.5"))


def test_effective_merges_overrides_over_connection_wide_values() -> None:
    settings = ConnectionSettings(
        inventory_buffer=2,
        inventory_ceiling=50,
        default_handling_days=3,
        marketplace_overrides={DE: MarketplaceOverrides(inventory_buffer=0, default_handling_days=5)},
    )

    effective = settings.effective(DE)

    assert (effective.inventory_buffer, effective.inventory_ceiling, effective.default_handling_days) == (0, 50, 5)
    assert settings.effective(FR).inventory_buffer == 2


def test_effective_of_an_unknown_marketplace_raises() -> None:
    with pytest.raises(UnknownMarketplaceError):
        ConnectionSettings().effective("NOPE")


def test_stored_shapes_validate_decimals_and_lists() -> None:
    # DynamoDB hands numbers back as Decimal and our sets as lists.
    settings = ConnectionSettings.model_validate(
        {"inventory_buffer": Decimal(3), "order_statuses_to_import": ["UNSHIPPED"], "enabled_syncs": ["orders"]}
    )

    assert settings.inventory_buffer == 3
    assert settings.enabled_syncs == {"orders"}


_optional_ints = st.none() | st.integers(min_value=1, max_value=30)
_override_fields = {
    "inventory_buffer": st.none() | st.integers(min_value=0, max_value=100),
    "inventory_ceiling": _optional_ints,
    "minimum_price": st.none() | st.decimals(min_value=0, max_value=1000, places=2),
    "pricing_disabled": st.just(True) | st.none(),
    "default_handling_days": _optional_ints,
    "price_change_limit": st.none() | st.decimals(min_value=Decimal("0.01"), max_value=10, places=2),
}
_overrides = st.builds(MarketplaceOverrides, **_override_fields)
_marketplaces = st.sampled_from([m.id for m in MARKETPLACES])


@given(
    buffer=st.integers(min_value=0, max_value=100),
    ceiling=_optional_ints,
    overrides=st.dictionaries(_marketplaces, _overrides, max_size=4),
    sku_overrides=st.dictionaries(st.sampled_from(["A", "B"]), st.builds(SkuOverrides, **_override_fields)),
    marketplace_id=_marketplaces,
    sku=st.none() | st.sampled_from(["A", "B", "C"]),
)
def test_effective_takes_each_field_from_the_sku_then_the_marketplace_override_when_set(
    buffer: int,
    ceiling: int | None,
    overrides: dict[str, MarketplaceOverrides],
    sku_overrides: dict[str, SkuOverrides],
    marketplace_id: str,
    sku: str | None,
) -> None:
    settings = ConnectionSettings(
        inventory_buffer=buffer,
        inventory_ceiling=ceiling,
        marketplace_overrides=overrides,
        sku_overrides=sku_overrides,
    )

    effective = settings.effective(marketplace_id, sku)

    override = overrides.get(marketplace_id, MarketplaceOverrides())
    sku_override = sku_overrides.get(sku or "", SkuOverrides())
    for name in MarketplaceOverrides.model_fields:
        chosen = [getattr(sku_override, name), getattr(override, name), getattr(settings, name)]
        assert getattr(effective, name) == next((value for value in chosen if value is not None), None)


_pricing_fields = {
    "pricing_disabled": st.none() | st.booleans(),
    "minimum_price": st.none() | st.just(Decimal(1)),
}


@given(
    disabled=st.booleans(),
    minimum=st.none() | st.just(Decimal(1)),
    overrides=st.dictionaries(_marketplaces, st.builds(MarketplaceOverrides, **_pricing_fields), max_size=3),
    sku_overrides=st.dictionaries(st.sampled_from(["A", "B", "C"]), st.builds(SkuOverrides, **_pricing_fields)),
)
def test_pricing_is_refused_exactly_when_some_marketplace_and_sku_would_price_without_a_minimum(
    disabled: bool,
    minimum: Decimal | None,
    overrides: dict[str, MarketplaceOverrides],
    sku_overrides: dict[str, SkuOverrides],
) -> None:
    connection = {"pricing_disabled": disabled, "minimum_price": minimum}

    def merged(name: str, marketplace_id: str, sku: str | None) -> object:
        for layer in (sku_overrides.get(sku or ""), overrides.get(marketplace_id)):
            if layer is not None and getattr(layer, name) is not None:
                return getattr(layer, name)
        return connection[name]

    expected = all(
        merged("pricing_disabled", m.id, sku) or merged("minimum_price", m.id, sku) is not None
        for m in MARKETPLACES
        for sku in (None, *sku_overrides)
    )

    try:
        ConnectionSettings(
            pricing_disabled=disabled,
            minimum_price=minimum,
            marketplace_overrides=overrides,
            sku_overrides=sku_overrides,
        )
    except ValidationError:
        assert not expected
    else:
        assert expected


def _connection(**changes: object) -> Connection:
    fields: dict[str, object] = {
        "selling_partner_id": "A1TESTSELLER",
        "region": Region.EU,
        "name": "Test shop",
        "marketplace_ids": [FR, DE, DE],
        "authorized_at": NOW,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Connection.model_validate(fields | changes)


def test_connection_id_is_deterministic_and_readable() -> None:
    connection = _connection()

    assert connection.connection_id == "eu-a1testseller" == connection_id_for("A1TESTSELLER", Region.EU)
    assert connection.marketplace_ids == (FR, DE)  # sorted and unique
    assert connection.status is ConnectionStatus.ACTIVE


def test_connection_rejects_marketplaces_of_another_region_and_lower_case_ids() -> None:
    with pytest.raises(ValidationError, match="not in the connection's region"):
        _connection(marketplace_ids=[US])
    with pytest.raises(ValidationError, match="selling_partner_id"):
        _connection(selling_partner_id="a1testseller")


def test_reauthorization_is_due_365_days_after_authorization() -> None:
    connection = _connection()

    assert connection.reauthorize_by == NOW + timedelta(days=365)
    assert connection.days_until_reauthorization(NOW + timedelta(days=335)) == 30
    assert connection.days_until_reauthorization(NOW + timedelta(days=366)) < 0
