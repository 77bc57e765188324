"""A connection's settings: validated on every write and every read, so a console edit can never slip past.

Defaults are the cautious ones. `pricing_disabled` is True: repricing writes prices to Amazon, and a wrong price is
sold before anyone notices, so a new connection never reprices until an operator turns it on (which also requires a
minimum price). `enabled_syncs` is empty: a new connection syncs nothing until its syncs are chosen, so authorizing a
seller never starts writing inventory or confirming shipments on its own.
"""

from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from shared.spapi.marketplaces import UnknownMarketplaceError, marketplace_by_id
from shared.spapi.models.orders import FulfillmentStatus

Buffer = Annotated[int, Field(ge=0, le=1_000_000)]
Ceiling = Annotated[int, Field(ge=1, le=1_000_000)]
Price = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
HandlingDays = Annotated[int, Field(ge=1, le=30)]
MapText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
SyncTypeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]

DEFAULT_ORDER_STATUSES: frozenset[FulfillmentStatus] = frozenset({"UNSHIPPED", "PARTIALLY_SHIPPED"})
FulfilledBy = Literal["MERCHANT", "AMAZON"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MarketplaceOverrides(_Strict):
    """The settings one marketplace may set differently; None inherits the connection-wide value."""

    inventory_buffer: Buffer | None = None
    inventory_ceiling: Ceiling | None = None
    minimum_price: Price | None = None
    pricing_disabled: bool | None = None
    default_handling_days: HandlingDays | None = None


class EffectiveSettings(_Strict):
    """The per-marketplace settings after merging its overrides over the connection-wide values."""

    marketplace_id: str
    inventory_buffer: int
    inventory_ceiling: int | None
    minimum_price: Decimal | None
    pricing_disabled: bool
    default_handling_days: int


class ConnectionSettings(_Strict):
    """What an operator tunes per connection.

    Buffer and ceiling apply in that order (quantity minus buffer, then capped at the ceiling), so a ceiling below
    the buffer is a legitimate setup and is not rejected.
    """

    inventory_buffer: Buffer = 0
    inventory_ceiling: Ceiling | None = None
    minimum_price: Price | None = None
    pricing_disabled: bool = True
    default_handling_days: HandlingDays = 2
    order_statuses_to_import: frozenset[FulfillmentStatus] = Field(default=DEFAULT_ORDER_STATUSES, min_length=1)
    order_age_limit_days: Annotated[int, Field(ge=1, le=730)] = 7
    # searchOrders' fulfilledBy: merchant-fulfilled orders only by default (FBA orders need no action from us).
    order_fulfilled_by: frozenset[FulfilledBy] = Field(default=frozenset({"MERCHANT"}), min_length=1)
    shipping_method_map: dict[MapText, MapText] = Field(default_factory=dict)
    carrier_alias_map: dict[MapText, MapText] = Field(default_factory=dict)
    enabled_syncs: frozenset[SyncTypeName] = frozenset()
    marketplace_overrides: dict[str, MarketplaceOverrides] = Field(default_factory=dict)

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
        problems = [
            "connection-wide" if marketplace_id is None else f"marketplace {marketplace_id}"
            for marketplace_id in (None, *self.marketplace_overrides)
            if not self._pricing_safe(marketplace_id)
        ]
        if problems:
            raise ValueError(f"pricing is enabled without a minimum_price ({', '.join(problems)}): set one first")
        return self

    def _pricing_safe(self, marketplace_id: str | None) -> bool:
        if marketplace_id is None:
            return self.pricing_disabled or self.minimum_price is not None
        merged = self.effective(marketplace_id)
        return merged.pricing_disabled or merged.minimum_price is not None

    def effective(self, marketplace_id: str) -> EffectiveSettings:
        """The settings that apply in one marketplace: its overrides where set, the connection-wide values elsewhere."""
        marketplace_by_id(marketplace_id)
        override = self.marketplace_overrides.get(marketplace_id, MarketplaceOverrides())
        chosen = {name: getattr(self, name) for name in MarketplaceOverrides.model_fields}
        chosen.update(override.model_dump(exclude_none=True))
        return EffectiveSettings(marketplace_id=marketplace_id, **chosen)
