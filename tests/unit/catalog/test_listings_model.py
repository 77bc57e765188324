"""The Listing model: its content hash ignores the timestamps and moves with every visible field; its invariants."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.models.listings import (
    MAX_ISSUES,
    FulfillmentChannel,
    Listing,
    ListingIssue,
    ListingStatus,
    bounded_issues,
    issue,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
UK = "A1F83G8C2ARO7P"


def listing(**fields: Any) -> Listing:
    values: dict[str, Any] = {
        "connection_id": "c1",
        "marketplace_id": UK,
        "sku": "Mug-Blue",
        "asin": "B000000001",
        "title": "Blue mug",
        "status": ListingStatus.BUYABLE,
        "quantity": 5,
        "price": Decimal("9.99"),
        "currency": "GBP",
        "handling_days": 2,
        "issues": [issue("90220", "WARNING", "missing bullet point")],
        "first_seen": T0,
        "last_changed": T0,
    }
    return Listing.model_validate(values | fields)


# One different value per visible field (each valid with the base listing).
VISIBLE_CHANGES: dict[str, Any] = {
    "connection_id": "c2",
    "marketplace_id": "A1PA6795UKMFR9",
    "sku": "mug-blue",  # SKUs are case-sensitive
    "asin": "B000000002",
    "title": "Blue mug ",
    "status": ListingStatus.INACTIVE,
    "fulfillment_channel": FulfillmentChannel.AMAZON,
    "quantity": 6,
    "price": Decimal("9.98"),
    "currency": "EUR",
    "handling_days": 3,
    "parent_sku": "Mug",
    "variation_theme": "COLOR",
    "issues": [issue("90220", "ERROR", "missing bullet point")],
}


def test_every_visible_field_is_covered_by_the_changes_below() -> None:
    assert set(Listing.model_fields) - {"first_seen", "last_changed", "is_parent"} == set(VISIBLE_CHANGES)


@pytest.mark.parametrize("field", sorted(VISIBLE_CHANGES))
def test_any_visible_field_changes_the_hash(field: str) -> None:
    base = listing()
    changed = listing(**{field: VISIBLE_CHANGES[field]})

    assert changed.content_hash() != base.content_hash()
    assert field in changed.changed_fields(base)


def test_becoming_a_parent_changes_the_hash() -> None:
    child = listing(quantity=None, price=None, currency=None)
    parent = listing(quantity=None, price=None, currency=None, is_parent=True)

    assert parent.content_hash() != child.content_hash()


@given(
    first=st.datetimes(timezones=st.just(UTC)),
    changed=st.datetimes(timezones=st.just(UTC)),
    quantity=st.integers(min_value=0, max_value=10_000) | st.none(),
    title=st.text(max_size=50) | st.none(),
)
def test_the_hash_ignores_the_timestamps(
    first: datetime, changed: datetime, quantity: int | None, title: str | None
) -> None:
    a = listing(quantity=quantity, title=title)
    b = listing(quantity=quantity, title=title, first_seen=first, last_changed=changed)

    assert a.content_hash() == b.content_hash()
    assert b.changed_fields(a) == {}


@given(price=st.decimals(min_value=0, max_value=99_999, places=2, allow_nan=False))
def test_equal_amounts_hash_alike_whatever_their_trailing_zeros(price: Decimal) -> None:
    # DynamoDB gives numbers back normalised (9.90 -> 9.9); the stored and the new listing must hash alike.
    assert listing(price=price).content_hash() == listing(price=price.normalize()).content_hash()


@given(quantity=st.integers(min_value=0, max_value=1000), other=st.integers(min_value=0, max_value=1000))
def test_the_hash_is_equal_exactly_when_the_visible_content_is(quantity: int, other: int) -> None:
    a, b = listing(quantity=quantity), listing(quantity=other, last_changed=T0 + timedelta(hours=1))

    assert (a.content_hash() == b.content_hash()) == (quantity == other)


def test_changed_fields_carry_the_old_values() -> None:
    old = listing()
    new = listing(quantity=0, status=ListingStatus.INACTIVE)

    assert new.changed_fields(old) == {"quantity": 5, "status": "BUYABLE"}


@pytest.mark.parametrize(
    "fields",
    [
        {"price": Decimal("1.00"), "currency": None},
        {"price": None, "currency": "GBP"},
        {"currency": "GPB"},
        {"is_parent": True},  # a parent has no offer
        {"parent_sku": "Mug-Blue"},
        {"sku": "x" * 41},
        {"sku": " padded"},
        {"handling_days": 121},
        {"first_seen": datetime(2026, 12, 1, 9, 0)},  # naive
        {"issues": [issue("1", "INFO", "")] * (MAX_ISSUES + 1)},
    ],
)
def test_invalid_listings_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        listing(**fields)


def test_a_parent_without_an_offer_is_valid() -> None:
    parent = listing(is_parent=True, quantity=None, price=None, currency=None, variation_theme="SIZE_NAME/COLOR_NAME")

    assert parent.is_parent and parent.quantity is None


def test_bounded_issues_keep_errors_first_and_at_most_the_maximum() -> None:
    warnings = [issue(f"W{n}", "WARNING", "w") for n in range(MAX_ISSUES)]
    errors = [issue("E1", "ERROR", "e"), issue("E2", "ERROR", "e")]

    kept = bounded_issues([*warnings, *errors])

    assert len(kept) == MAX_ISSUES
    assert [i.code for i in kept[:3]] == ["E1", "E2", "W0"]


def test_issue_cuts_long_messages() -> None:
    assert issue("C", "ERROR", "x" * 5000) == ListingIssue(code="C", severity="ERROR", message="x" * 1000)
