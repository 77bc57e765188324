"""A connection's settings: validated on every write and every read, so a console edit can never slip past.

Defaults are the cautious ones. `pricing_disabled` is True: repricing writes prices to Amazon, and a wrong price is
sold before anyone notices, so a new connection never reprices until an operator turns it on (which also requires a
minimum price). `enabled_syncs` is empty: a new connection syncs nothing until its syncs are chosen, so authorizing a
seller never starts writing inventory or confirming shipments on its own. `price_change_limit` is 0.5: a new price
more than 50% away from the last one is refused (`shared/inventory/rules.py`), so a typo in the merchant's system
(2.50 for 25.00) is never advertised.

Three levels, each overriding the one before where it sets a value: connection-wide, `marketplace_overrides` (per
marketplace), `sku_overrides` (per SKU, in every marketplace). None in an override means "inherit";
`price_change_limit` 0 switches the guard off (at any level: a stored None would read back as the default).
"""

from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from shared.models.inventory import Sku
from shared.spapi.marketplaces import UnknownMarketplaceError, marketplace_by_id
from shared.spapi.models.orders import FulfillmentStatus

Buffer = Annotated[int, Field(ge=0, le=1_000_000)]
Ceiling = Annotated[int, Field(ge=1, le=1_000_000)]
Price = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
HandlingDays = Annotated[int, Field(ge=1, le=30)]
# A share of the previous price: 0.5 lets one change move the price by at most 50%, up or down.
# A share of the previous price (0.5 = 50%); 0 switches the price guard off.
PriceChangeLimit = Annotated[Decimal, Field(ge=0, le=10, decimal_places=4)]
MapText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
SyncTypeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]

DEFAULT_ORDER_STATUSES: frozenset[FulfillmentStatus] = frozenset({"UNSHIPPED", "PARTIALLY_SHIPPED"})
FulfilledBy = Literal["MERCHANT", "AMAZON"]
MAX_SKU_OVERRIDES = 2000
SHOWN_PROBLEMS = 10


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Overrides(_Strict):
    inventory_buffer: Buffer | None = None
    inventory_ceiling: Ceiling | None = None
    minimum_price: Price | None = None
    pricing_disabled: bool | None = None
    default_handling_days: HandlingDays | None = None
    price_change_limit: PriceChangeLimit | None = None


class MarketplaceOverrides(_Overrides):
    """The settings one marketplace may set differently; None inherits the connection-wide value."""


class SkuOverrides(_Overrides):
    """The settings one SKU may set differently (in every marketplace); None inherits the marketplace's value."""

    @property
    def enables_pricing_without_minimum(self) -> bool:
        """Whether the SKU turns pricing on and leaves its minimum price to the marketplace or connection."""
        return self.pricing_disabled is False and self.minimum_price is None


class EffectiveSettings(_Strict):
    """The settings of one marketplace (and SKU): the SKU's and the marketplace's overrides over the connection's."""

    marketplace_id: str
    inventory_buffer: int
    inventory_ceiling: int | None
    minimum_price: Decimal | None
    pricing_disabled: bool
    default_handling_days: int
    price_change_limit: Decimal


class ConnectionSettings(_Strict):
    """What an operator tunes per connection.

    The buffer is a gate, not a subtraction: available below the buffer advertises 0, otherwise what is available is
    advertised, capped at the ceiling. Both together as in the classic setup (buffer 6, ceiling 4): available 5 -> 0,
    available 6 -> 4, available 10 -> 4; so a ceiling below the buffer is a legitimate setup and is not rejected.
    `price_change_limit` 0: no price guard.
    """

    inventory_buffer: Buffer = 0
    inventory_ceiling: Ceiling | None = None
    minimum_price: Price | None = None
    pricing_disabled: bool = True
    default_handling_days: HandlingDays = 2
    price_change_limit: PriceChangeLimit = Decimal("0.5")
    order_statuses_to_import: frozenset[FulfillmentStatus] = Field(default=DEFAULT_ORDER_STATUSES, min_length=1)
    order_age_limit_days: Annotated[int, Field(ge=1, le=730)] = 7
    # searchOrders' fulfilledBy: merchant-fulfilled orders only by default (FBA orders need no action from us).
    order_fulfilled_by: frozenset[FulfilledBy] = Field(default=frozenset({"MERCHANT"}), min_length=1)
    shipping_method_map: dict[MapText, MapText] = Field(default_factory=dict)
    carrier_alias_map: dict[MapText, MapText] = Field(default_factory=dict)
    enabled_syncs: frozenset[SyncTypeName] = frozenset()
    # A SKU the merchant never sent starts at Amazon's quantity from the stored catalog (shared/inventory/seed.py).
    seed_inventory_from_amazon: bool = False
    # The catalog sync asks for a complete All Listings Report when the last one applied is this old (the hourly
    # delta keeps listings current in between; the report catches deletions and what the delta missed).
    catalog_reconcile_hours: Annotated[int, Field(ge=1, le=720)] = 24
    # A few changes at once (at most this many per connection and input batch) are patched at once through the fast
    # lane instead of waiting for a feed (shared/inventory/fastlane.py); 0: every change goes by feed.
    patch_first_max_changes: Annotated[int, Field(ge=0, le=10)] = 5
    marketplace_overrides: dict[str, MarketplaceOverrides] = Field(default_factory=dict)
    sku_overrides: dict[Sku, SkuOverrides] = Field(default_factory=dict, max_length=MAX_SKU_OVERRIDES)

    @field_validator("marketplace_overrides")
    @classmethod
    def _known_marketplaces(cls, overrides: dict[str, MarketplaceOverrides]) -> dict[str, MarketplaceOverrides]:
        unknown = []
        for marketplace_id in overrides:
            try:
                marketplace_by_id(marketplace_id)
            except UnknownMarketplaceError:
                unknown.append(marketplace_id)
        if unknown:
            raise ValueError(f"unknown marketplace id(s) in marketplace_overrides: {', '.join(sorted(unknown))}")
        return overrides

    @model_validator(mode="after")
    def _pricing_needs_minimum_price(self) -> Self:
        levels = (None, *self.marketplace_overrides)  # None: connection-wide
        problems = [_level(m) for m in levels if not self._pricing_safe(m)]
        # A SKU override that enables pricing without a minimum of its own takes the minimum of each marketplace
        # level; any other SKU override inherits or disables pricing, or brings its minimum, so the levels decide.
        no_minimum = [m for m in levels if self._merged(m, None)["minimum_price"] is None]
        enabling = [sku for sku, override in self.sku_overrides.items() if override.enables_pricing_without_minimum]
        problems += [_level(m, sku) for sku in enabling for m in no_minimum]
        if problems:
            listed = ", ".join(problems[:SHOWN_PROBLEMS]) + _more(len(problems) - SHOWN_PROBLEMS)
            raise ValueError(f"pricing is enabled without a minimum_price ({listed}): set one first")
        return self

    def _pricing_safe(self, marketplace_id: str | None) -> bool:
        merged = self._merged(marketplace_id, None)
        return bool(merged["pricing_disabled"]) or merged["minimum_price"] is not None

    def _merged(self, marketplace_id: str | None, sku: str | None) -> dict[str, Any]:
        chosen = {name: getattr(self, name) for name in _Overrides.model_fields}
        layers = (self.marketplace_overrides.get(marketplace_id or ""), self.sku_overrides.get(sku or ""))
        for layer in layers:
            if layer is not None:
                chosen.update(layer.model_dump(exclude_none=True))
        return chosen

    def effective(self, marketplace_id: str, sku: str | None = None) -> EffectiveSettings:
        """The settings that apply in one marketplace (to one SKU): SKU over marketplace over connection-wide values."""
        marketplace_by_id(marketplace_id)
        return EffectiveSettings(marketplace_id=marketplace_id, **self._merged(marketplace_id, sku))


def _level(marketplace_id: str | None, sku: str | None = None) -> str:
    if sku is None:
        return "connection-wide" if marketplace_id is None else f"marketplace {marketplace_id}"
    return f"SKU {sku!r} " + ("connection-wide" if marketplace_id is None else f"in marketplace {marketplace_id}")


def _more(hidden: int) -> str:
    return f" and {hidden} more" if hidden > 0 else ""
