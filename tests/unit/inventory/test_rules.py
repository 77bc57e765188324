"""The inventory rules (shared/inventory/rules.py): one example per rule, precedence, and properties over all inputs."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.inventory.rules import plan_for, plan_offer
from shared.models.inventory import OfferPlan, OfferValues, SourceValue
from shared.models.settings import ConnectionSettings, EffectiveSettings, MarketplaceOverrides, SkuOverrides

UK, DE, FR = "A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A13V1IB3VIYZZH"
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
D = Decimal


def source(available: int = 10, price: str | None = None, currency: str = "EUR", **fields: Any) -> SourceValue:
    priced = {"price": D(price), "currency": currency} if price is not None else {}
    return SourceValue(available=available, as_of=NOW, received_at=NOW, **priced, **fields)


def rules(**fields: Any) -> EffectiveSettings:
    defaults: dict[str, Any] = {
        "marketplace_id": DE,
        "inventory_buffer": 0,
        "inventory_ceiling": None,
        "minimum_price": None,
        "pricing_disabled": True,
        "default_handling_days": 2,
        "price_change_limit": D(0),
    }
    return EffectiveSettings(**defaults | fields)


def pricing(minimum: str = "5.00", limit: str | None = None, **fields: Any) -> EffectiveSettings:
    return rules(
        pricing_disabled=False, minimum_price=D(minimum), price_change_limit=D(limit) if limit else D(0), **fields
    )


def offer(price: str, minimum: str = "5.00", currency: str = "EUR", quantity: int = 3) -> OfferValues:
    return OfferValues(quantity=quantity, handling_days=2, price=D(price), minimum_price=D(minimum), currency=currency)


def plan(src: SourceValue, settings: EffectiveSettings, previous: OfferValues | None = None) -> OfferPlan:
    return plan_offer(src, settings, "EUR", previous)


# --- quantity: the buffer is a gate, the ceiling a cap ---


@pytest.mark.parametrize(
    ("available", "quantity", "reasons"),
    [
        (0, 0, ()),
        (5, 0, ("available 5 is below the buffer 6",)),
        (6, 4, ("capped at the ceiling 4",)),
        (10, 4, ("capped at the ceiling 4",)),
    ],
)
def test_the_classic_buffer_6_ceiling_4_setup(available: int, quantity: int, reasons: tuple[str, ...]) -> None:
    result = plan(source(available), rules(inventory_buffer=6, inventory_ceiling=4))

    assert result.values.quantity == quantity
    assert result.reasons == reasons


def test_available_at_or_above_the_buffer_is_advertised_whole() -> None:
    assert plan(source(6), rules(inventory_buffer=6)).values.quantity == 6
    assert plan(source(7), rules(inventory_buffer=6)) == OfferPlan(values=OfferValues(quantity=7, handling_days=2))


def test_handling_days_come_from_the_source_else_the_default() -> None:
    assert plan(source(handling_days=5), rules(default_handling_days=3)).values.handling_days == 5
    assert plan(source(), rules(default_handling_days=3)).values.handling_days == 3


# --- minimum price threshold and pricing ---


def test_a_price_below_the_minimum_advertises_nothing_and_sends_no_price() -> None:
    result = plan(source(10, "4.00"), pricing("5.00"))

    assert result.values == OfferValues(quantity=0, handling_days=2)
    assert result.reasons == ("price 4.00 is below the minimum price 5.00",)


def test_the_minimum_price_applies_with_pricing_disabled_too() -> None:
    result = plan(source(10, "4"), rules(minimum_price=D(5)))

    assert result.values.quantity == 0
    assert result.reasons == ("price 4.00 is below the minimum price 5.00",)


def test_a_price_at_the_minimum_is_sent_with_the_minimum_and_the_marketplace_currency() -> None:
    result = plan(source(10, "5.00"), pricing("5.00"))

    assert result.values == OfferValues(
        quantity=10, handling_days=2, price=D("5.00"), minimum_price=D("5.00"), currency="EUR"
    )
    assert result.reasons == ()
    assert not result.price_refused


def test_pricing_disabled_sends_no_price() -> None:
    result = plan(source(10, "9.99"), rules(minimum_price=D(5)))

    assert result.values == OfferValues(quantity=10, handling_days=2)
    assert result.reasons == ("pricing is disabled",)


def test_no_source_price_sends_no_price_and_says_nothing() -> None:
    assert plan(source(10), pricing()) == OfferPlan(values=OfferValues(quantity=10, handling_days=2))


def test_pricing_without_a_minimum_is_refused_even_if_the_settings_slipped() -> None:
    result = plan(source(10, "9.99"), rules(pricing_disabled=False))

    assert result.values.price is None
    assert result.reasons == ("pricing needs a minimum price",)


def test_a_price_in_another_currency_is_not_sent_nor_compared_with_the_minimum() -> None:
    result = plan_offer(source(10, "1.00", "EUR"), pricing("5.00"), "GBP", None)

    assert result.values == OfferValues(quantity=10, handling_days=2)
    assert result.reasons == ("price is in EUR, the marketplace sells in GBP",)


def test_no_price_now_sends_no_price_even_when_the_previous_had_one() -> None:
    previous = offer("10.00")

    assert plan(source(3), pricing(limit="0.5"), previous).values.price is None
    assert plan(source(3, "10.00"), rules(price_change_limit=D("0.5")), previous).values.price is None


# --- the price guard ---


def test_a_price_too_far_above_the_previous_is_refused_and_the_previous_kept() -> None:
    previous = offer("10.00", minimum="4.00")

    result = plan(source(3, "25.00"), pricing("5.00", limit="0.5"), previous)

    assert result.price_refused
    assert result.values == OfferValues(
        quantity=3, handling_days=2, price=D("10.00"), minimum_price=D("4.00"), currency="EUR"
    )
    assert result.reasons == ("price 25.00 refused: 150% above 10.00, the limit is 50%",)


def test_a_price_too_far_below_the_previous_is_refused() -> None:
    result = plan(source(3, "4.00"), pricing("1.00", limit="0.5"), offer("10.00", minimum="1.00"))

    assert result.price_refused and result.values.price == D("10.00")
    assert result.reasons == ("price 4.00 refused: 60% below 10.00, the limit is 50%",)


@pytest.mark.parametrize("price", ["15.00", "5.00", "12.34"])
def test_a_price_within_or_at_the_limit_is_accepted(price: str) -> None:
    result = plan(source(3, price), pricing("1.00", limit="0.5"), offer("10.00"))

    assert not result.price_refused
    assert result.values.price == D(price) and result.reasons == ()


def test_just_past_the_limit_is_refused_with_the_exact_share() -> None:
    result = plan(source(3, "15.01"), pricing("1.00", limit="0.5"), offer("10.00"))

    assert result.price_refused
    assert result.reasons == ("price 15.01 refused: 50.1% above 10.00, the limit is 50%",)


def test_no_previous_price_or_no_limit_means_no_guard() -> None:
    assert not plan(source(3, "99.00"), pricing(limit="0.5"), None).price_refused
    assert not plan(source(3, "99.00"), pricing(limit="0.5"), OfferValues(quantity=1, handling_days=2)).price_refused
    assert not plan(source(3, "99.00"), pricing(limit=None), offer("10.00")).price_refused


def test_a_previous_price_in_another_currency_is_not_compared() -> None:
    assert not plan(source(3, "99.00"), pricing(limit="0.5"), offer("10.00", currency="GBP")).price_refused


def test_a_kept_price_below_a_raised_minimum_advertises_nothing() -> None:
    result = plan(source(3, "40.00"), pricing("15.00", limit="0.5"), offer("10.00"))

    assert result.price_refused
    assert (result.values.quantity, result.values.price) == (0, D("10.00"))
    assert result.reasons[-1] == "the kept price 10.00 is below the minimum price 15.00"


# --- plan_for: settings merged per marketplace and SKU, the marketplace's currency ---


def test_plan_for_applies_sku_over_marketplace_over_connection_settings() -> None:
    settings = ConnectionSettings(
        inventory_buffer=1,
        inventory_ceiling=100,
        marketplace_overrides={DE: MarketplaceOverrides(inventory_buffer=5, inventory_ceiling=8)},
        sku_overrides={"SKU-1": SkuOverrides(inventory_buffer=2)},
    )

    assert plan_for(source(4), settings, DE, "SKU-1", None).values.quantity == 4  # SKU buffer 2
    assert plan_for(source(9), settings, DE, "SKU-1", None).values.quantity == 8  # DE ceiling
    assert plan_for(source(4), settings, DE, "OTHER", None).values.quantity == 0  # DE buffer 5
    assert plan_for(source(4), settings, FR, "OTHER", None).values.quantity == 4  # connection buffer 1


def test_plan_for_prices_in_the_marketplace_currency() -> None:
    settings = ConnectionSettings(pricing_disabled=False, minimum_price=D(1))

    assert plan_for(source(3, "9.99", "EUR"), settings, DE, "SKU-1", None).values.currency == "EUR"
    uk = plan_for(source(3, "9.99", "EUR"), settings, UK, "SKU-1", None)
    assert uk.values.price is None and uk.reasons == ("price is in EUR, the marketplace sells in GBP",)


def test_plan_for_guards_with_the_sku_limit() -> None:
    settings = ConnectionSettings(
        pricing_disabled=False, minimum_price=D(1), sku_overrides={"FREE": SkuOverrides(price_change_limit=D(10))}
    )

    assert plan_for(source(3, "25.00"), settings, DE, "FREE", offer("10.00")).values.price == D("25.00")
    assert plan_for(source(3, "25.00"), settings, DE, "OTHER", offer("10.00")).price_refused


# --- properties over all inputs ---

# Weighted towards the interesting cases: pricing on, prices near each other and near the minimum, the same currency.
CURRENCIES = st.sampled_from(["EUR", "EUR", "EUR", "GBP"])
AMOUNTS = st.decimals(min_value=D("0.01"), max_value=D(30), places=2)
SOURCES = st.builds(
    SourceValue,
    available=st.integers(min_value=0, max_value=60),
    as_of=st.just(NOW),
    received_at=st.just(NOW),
    price=st.none() | AMOUNTS,
    currency=CURRENCIES,
    handling_days=st.none() | st.integers(min_value=1, max_value=30),
).map(lambda s: s if s.price is not None else s.model_copy(update={"currency": None}))
RULES = st.builds(
    rules,
    inventory_buffer=st.integers(min_value=0, max_value=50),
    inventory_ceiling=st.none() | st.integers(min_value=1, max_value=50),
    minimum_price=st.none() | st.decimals(min_value=D("0.01"), max_value=D(20), places=2),
    pricing_disabled=st.sampled_from([False, False, True]),
    default_handling_days=st.integers(min_value=1, max_value=30),
    price_change_limit=st.just(D(0)) | st.decimals(min_value=D("0.01"), max_value=D(2), places=2) | st.just(D(10)),
)
PREVIOUS = st.none() | st.builds(
    OfferValues,
    quantity=st.integers(min_value=0, max_value=60),
    handling_days=st.integers(min_value=1, max_value=30),
    price=st.none() | AMOUNTS,
    minimum_price=st.none() | AMOUNTS,
    currency=CURRENCIES,
)
# Every input priced, in EUR, with pricing on: where the price guard decides.
PRICED_SOURCES = st.builds(source, available=st.integers(min_value=0, max_value=60), price=AMOUNTS.map(str))
PRICING_RULES = st.builds(
    pricing,
    minimum=st.decimals(min_value=D("0.01"), max_value=D(10), places=2).map(str),
    limit=st.decimals(min_value=D("0.01"), max_value=D(2), places=2).map(str),
)
PRICED_PREVIOUS = st.builds(offer, price=AMOUNTS.map(str), minimum=AMOUNTS.map(str))
ANY = {
    "src": PRICED_SOURCES | SOURCES,
    "settings": PRICING_RULES | RULES,
    "currency": st.just("EUR") | CURRENCIES,
    "previous": PRICED_PREVIOUS | PREVIOUS,
}


@given(**ANY)
def test_quantity_never_exceeds_available_buffer_or_ceiling(
    src: SourceValue, settings: EffectiveSettings, currency: str, previous: OfferValues | None
) -> None:
    quantity = plan_offer(src, settings, currency, previous).values.quantity

    assert 0 <= quantity <= src.available
    if src.available < settings.inventory_buffer:
        assert quantity == 0
    if settings.inventory_ceiling is not None:
        assert quantity <= settings.inventory_ceiling


@given(**ANY)
def test_stock_is_offered_only_at_or_above_the_minimum_price(
    src: SourceValue, settings: EffectiveSettings, currency: str, previous: OfferValues | None
) -> None:
    result = plan_offer(src, settings, currency, previous)

    minimum = settings.minimum_price
    if result.values.quantity > 0 and minimum is not None and src.price is not None and src.currency == currency:
        assert src.price >= minimum
    if result.values.quantity > 0 and minimum is not None and result.values.price is not None:
        assert result.values.price >= minimum


@given(**ANY)
def test_an_accepted_price_never_breaks_the_guard(
    src: SourceValue, settings: EffectiveSettings, currency: str, previous: OfferValues | None
) -> None:
    result = plan_offer(src, settings, currency, previous)

    limit, price = settings.price_change_limit, result.values.price
    if result.price_refused:
        assert previous is not None and previous.price is not None and price == previous.price
        assert limit and src.price is not None
        assert abs(src.price - previous.price) > limit * previous.price
    elif limit and price is not None and previous is not None and previous.price is not None:
        assert previous.currency != currency or abs(price - previous.price) <= limit * previous.price


@given(**ANY)
def test_a_price_is_sent_only_with_pricing_on_in_the_marketplace_currency_or_kept_by_the_guard(
    src: SourceValue, settings: EffectiveSettings, currency: str, previous: OfferValues | None
) -> None:
    result = plan_offer(src, settings, currency, previous)

    values = result.values
    if result.price_refused:  # the previous values, kept as they were
        assert previous is not None
        assert (values.price, values.minimum_price, values.currency) == (
            previous.price,
            previous.minimum_price,
            previous.currency,
        )
    elif values.price is not None:
        assert not settings.pricing_disabled and settings.minimum_price is not None
        assert (values.price, values.minimum_price, values.currency) == (src.price, settings.minimum_price, currency)


@given(**ANY)
def test_the_plan_is_deterministic(
    src: SourceValue, settings: EffectiveSettings, currency: str, previous: OfferValues | None
) -> None:
    assert plan_offer(src, settings, currency, previous) == plan_offer(src, settings, currency, previous)
