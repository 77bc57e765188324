"""apply_record reports the price guard's refusals of a record's own price, per marketplace."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shared.inventory.state import PriceRefusal, apply_record
from shared.models.inventory import InventoryRecord
from shared.models.settings import ConnectionSettings

UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"
AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
SETTINGS = ConnectionSettings(pricing_disabled=False, minimum_price=Decimal("1.00"), price_change_limit=Decimal("0.5"))


def record(available: int, at: datetime, price: str | None = None, currency: str | None = None) -> InventoryRecord:
    fields = {"price": Decimal(price), "currency": currency} if price else {}
    return InventoryRecord(connection_id="eu-1", sku="A-1", available=available, as_of=at, **fields)


def test_a_price_beyond_the_limit_is_refused_where_it_is_compared_only() -> None:
    first = apply_record("A-1", None, record(5, AT, "10.00", "GBP"), SETTINGS, [UK, DE], AT)
    assert first.refusals == ()
    jump = apply_record("A-1", first.state, record(5, AT + timedelta(1), "16.00", "GBP"), SETTINGS, [UK, DE], AT)
    # UK compares GBP with GBP and refuses (60% > 50%); DE sells in EUR, where the GBP price is never sent
    assert jump.refusals == (
        PriceRefusal(
            UK,
            "A-1",
            Decimal("16.00"),
            Decimal("10.00"),
            "GBP",
            "price 16.00 refused: 60% above 10.00, the limit is 50%",
        ),
    )
    assert jump.state is not None and jump.state.markets[UK].desired.price == Decimal("10.00")


def test_a_record_without_a_price_or_within_the_limit_refuses_nothing() -> None:
    first = apply_record("A-1", None, record(5, AT, "10.00", "GBP"), SETTINGS, [UK], AT)
    refused = apply_record("A-1", first.state, record(5, AT + timedelta(1), "30.00", "GBP"), SETTINGS, [UK], AT)
    stock_only = apply_record("A-1", refused.state, record(2, AT + timedelta(2)), SETTINGS, [UK], AT)
    within = apply_record("A-1", refused.state, record(2, AT + timedelta(3), "14.00", "GBP"), SETTINGS, [UK], AT)
    assert len(refused.refusals) == 1 and stock_only.refusals == () and within.refusals == ()
    assert within.state is not None and within.state.markets[UK].desired.price == Decimal("14.00")
