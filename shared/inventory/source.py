"""The merchant's source value of a SKU: a record merged into the held value, and the order that settles ties.

Apart from state.py (the transitions, which use both) so that each module stays short.
"""

from datetime import datetime
from decimal import Decimal

from shared.models.inventory import InventoryRecord, SourceValue


def merge_source(previous: SourceValue | None, record: InventoryRecord, now: datetime) -> SourceValue:
    """The record as the SKU's new source value; price, handling days and product type it leaves out are kept."""
    priced = record if record.price is not None or previous is None else None
    return SourceValue(
        available=record.available,
        as_of=record.as_of,
        received_at=now,
        price=priced.price if priced else previous.price if previous else None,
        currency=priced.currency if priced else previous.currency if previous else None,
        price_as_of=(record.as_of if record.price is not None else None)
        if priced
        else previous.price_as_of
        if previous
        else None,
        handling_days=record.handling_days or (previous.handling_days if previous else None),
        product_type=record.product_type or (previous.product_type if previous else None),
    )


type TieKey = tuple[int, bool, Decimal, str, bool, int, bool, str]


def tie_key(
    available: int, price: Decimal | None, currency: str | None, handling_days: int | None, product_type: str | None
) -> TieKey:
    """Orders values of the same `as_of`: the lowest key wins a tie. The lower quantity first (overselling is the
    costly mistake); then, only to be deterministic, a value over none (a record leaving a field out keeps the held
    one, so presence must win for any arrival order to agree), the lower price, the shorter handling time. A total
    order: the order in which tied records arrive never changes the outcome."""
    return (
        available,
        price is None,
        price or Decimal(0),
        currency or "",
        handling_days is None,
        handling_days or 0,
        product_type is None,
        product_type or "",
    )


def source_key(source: SourceValue) -> TieKey:
    """The tie key of a held source value."""
    return tie_key(source.available, source.price, source.currency, source.handling_days, source.product_type)
