"""The inventory pipeline's data: what the merchant sends, what we advertise, and what we remember per SKU.

- `InventoryRecord`: one value from the merchant's system (an `InventoryChanged` event's detail, a CSV row, or
  `sellersync inventory set`): SKU, available quantity, optional price + currency and handling days, and `as_of`,
  the time the value was true. The latest `as_of` wins per (connection, SKU).
- `OfferValues`: what one marketplace's offer should carry (the rules' output, `shared/inventory/rules.py`).
- `Change`: one SKU's offer values at a revision, queued towards Amazon (feed lane or fast lane).
- `ChangeBatch`: a queue message of changes of one connection: one marketplace's, or (a patch-first fast-lane
  message) every marketplace's, the first in `marketplace_id`/`changes` and the others in `also`.
- `SkuState` / `MarketState`: what is remembered per (connection, SKU) and per marketplace: the source value, the
  desired values and their revision, what was sent, Amazon's verdict and the last accepted values.
"""

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)
from pydantic.alias_generators import to_camel

from shared.models.currencies import is_iso_4217

# Control characters (C0, DEL, C1): never in a SKU. Amazon's feed schema asks only for a non-empty string; Seller
# Central takes up to 40 characters; a control character would reach terminals (`sellersync inventory status`) and
# logs as it is.
_CONTROL = "\x00-\x1f\x7f-\x9f"
# Amazon's seller SKU: 1-40 characters, no leading/trailing whitespace, no control characters.
Sku = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40, pattern=rf"^[^\s{_CONTROL}]([^{_CONTROL}]*[^\s{_CONTROL}])?$"),
]
Quantity = Annotated[int, Field(ge=0, le=1_000_000_000)]
Amount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
HandlingDays = Annotated[int, Field(ge=1, le=30)]


def _not_a_boolean(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    return value


def _iso_4217(code: str) -> str:
    if not is_iso_4217(code):
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return code


# At the event boundary numbers are numbers: `true` or "7" as a quantity is refused (strict), not coerced.
RecordQuantity = Annotated[int, Strict(), Field(ge=0, le=1_000_000_000)]
RecordHandlingDays = Annotated[int, Strict(), Field(ge=1, le=30)]
# A JSON number or a decimal string (exact: the CLI sends "9.99"), never a boolean.
RecordAmount = Annotated[Decimal, BeforeValidator(_not_a_boolean), Field(gt=0, max_digits=12, decimal_places=2)]
RecordCurrency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_iso_4217)]
ProductType = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9_]{1,100}$")]
# Offer-only patches (quantity, handling time, price) use Amazon's generic product type unless the record names one.
DEFAULT_PRODUCT_TYPE = "PRODUCT"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InventoryRecord(BaseModel):
    """One inventory value from the merchant's system (camelCase on the wire: the event detail and the CLI batch)."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    connection_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    sku: Sku
    available: RecordQuantity
    price: RecordAmount | None = None
    currency: RecordCurrency | None = None
    handling_days: RecordHandlingDays | None = None
    product_type: ProductType | None = None
    as_of: AwareDatetime

    @model_validator(mode="after")
    def _price_needs_currency(self) -> Self:
        if (self.price is None) != (self.currency is None):
            raise ValueError("price and currency go together: give both or neither")
        return self


class SourceValue(_Frozen):
    """The latest value the merchant sent for a SKU; a record without a price keeps the last price sent."""

    available: Quantity
    as_of: AwareDatetime
    received_at: AwareDatetime
    price: Amount | None = None
    currency: Currency | None = None
    price_as_of: AwareDatetime | None = None
    handling_days: HandlingDays | None = None
    product_type: ProductType | None = None
    # Not the merchant's value but Amazon's, from the stored catalog (`seed_inventory_from_amazon`,
    # shared/inventory/seed.py): the merchant's first record replaces it whatever its asOf; nothing is sent for it.
    seeded: bool = False


class OfferValues(_Frozen):
    """What one marketplace's offer should carry. `price` None: no price is sent (pricing off or refused)."""

    quantity: Quantity
    handling_days: HandlingDays
    price: Decimal | None = None
    minimum_price: Decimal | None = None
    currency: Currency | None = None


class OfferPlan(_Frozen):
    """The rules' answer for one SKU in one marketplace: the values, and why (one short sentence per rule applied)."""

    values: OfferValues
    reasons: tuple[str, ...] = ()
    # The price guard's sentence when it refused the new price (also one of `reasons`); None: not refused.
    refusal: str | None = None

    @property
    def price_refused(self) -> bool:
        """Whether the price guard refused the new price (the previous one is kept)."""
        return self.refusal is not None


Channel = Literal["feed", "patch"]
# Why a marketplace's desired values are held back (never queued to Amazon): `seeded`, Amazon's own quantity from the
# catalog; `amazon_fulfilled`, the listing is fulfilled by Amazon there, which we never push stock to.
Hold = Literal["seeded", "amazon_fulfilled"]
VerdictStatus = Literal["ACCEPTED", "REJECTED"]


class Verdict(_Frozen):
    """Amazon's answer to one sent revision: accepted for processing, or rejected with Amazon's code and message."""

    rev: int
    status: VerdictStatus
    channel: Channel
    at: AwareDatetime
    feed_id: str | None = None
    code: str | None = None
    message: str | None = None


class Sent(_Frozen):
    """A revision handed to Amazon (in a feed or a patch), awaiting or past its verdict."""

    rev: int
    values: OfferValues
    channel: Channel
    at: AwareDatetime
    feed_id: str | None = None


class Accepted(_Frozen):
    """The last values Amazon accepted for this marketplace (what we believe Amazon holds)."""

    rev: int
    values: OfferValues
    channel: Channel
    at: AwareDatetime


class MarketState(_Frozen):
    """One SKU in one marketplace: the desired values at revision `rev`, and how far they got."""

    rev: int
    desired: OfferValues
    reasons: tuple[str, ...] = ()
    desired_at: AwareDatetime
    sent: Sent | None = None
    verdict: Verdict | None = None
    accepted: Accepted | None = None
    attempts: int = 0
    # Set: these values are not sent (see Hold); None: sent as usual.
    hold: Hold | None = None


class SkuState(_Frozen):
    """Everything remembered for one (connection, SKU)."""

    source: SourceValue
    markets: dict[str, MarketState] = Field(default_factory=dict)


class Change(_Frozen):
    """One SKU's offer values at a revision, on its way to one marketplace."""

    sku: Sku
    rev: int
    values: OfferValues
    product_type: ProductType = DEFAULT_PRODUCT_TYPE
    attempt: int = 0
    # Sent even if Amazon already accepted this revision (the reconciliation's repair of drift at Amazon).
    force: bool = False


class MarketplaceChanges(_Frozen):
    """The changes of a ChangeBatch for one more marketplace (`ChangeBatch.also`)."""

    marketplace_id: str
    changes: tuple[Change, ...] = Field(min_length=1)


class ChangeBatch(_Frozen):
    """A message of the changes queue (and of the fast lane): changes of one connection in one marketplace, and
    (`also`, patch-first messages only) in its other marketplaces; read them all with `markets()`."""

    connection_id: str
    marketplace_id: str
    changes: tuple[Change, ...] = Field(min_length=1)
    queued_at: datetime
    # A fast-lane message whose changes are in no feed-lane message: what the fast lane does not patch (a positive
    # quantity behind a feed in flight, a busy patch bucket, Amazon failing) it hands to the feed lane.
    patch_first: bool = False
    # The same connection's changes in other marketplaces: a patch-first message carries every marketplace's changes,
    # handled in one fast-lane invocation. Absent on the wire when empty (a message of the previous release).
    also: tuple[MarketplaceChanges, ...] = ()

    @model_validator(mode="after")
    def _one_part_per_marketplace(self) -> Self:
        ids = [self.marketplace_id, *(part.marketplace_id for part in self.also)]
        if len(set(ids)) != len(ids):
            raise ValueError("a marketplace appears twice in the batch")
        return self

    def markets(self) -> Iterator[tuple[str, tuple[Change, ...]]]:
        """(marketplace id, its changes) for every marketplace of the batch, `marketplace_id` first."""
        yield self.marketplace_id, self.changes
        for part in self.also:
            yield part.marketplace_id, part.changes

    def change_count(self) -> int:
        """The changes of every marketplace."""
        return sum(len(changes) for _, changes in self.markets())


class Bucket(BaseModel):
    """The states of the SKUs of one bucket."""

    model_config = ConfigDict(extra="forbid")

    skus: dict[str, SkuState] = {}
