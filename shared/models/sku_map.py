"""SKU mapping: which merchant SKU feeds each Amazon SKU of a connection (issue 17, docs/catalog.md "SKU mapping").

Amazon's seller SKU and the merchant's own SKU are the same by default (identity). A mapping says otherwise for one
Amazon SKU: `SkuMapping(amazon_sku="WIDGET-UK", merchant_sku="WIDGET")`. One merchant SKU may feed several Amazon
SKUs; an Amazon SKU has exactly one merchant SKU. A mapping of a SKU to itself is stored too (an explicit identity).

`SkuMap` is a connection's whole map in memory, and the one rule every reader follows:
- `amazon_skus_for(m)`, where a record of merchant SKU `m` goes: the Amazon SKUs mapped to `m` when there are any
  (`m`'s own name among them only when mapped to itself explicitly); else `m` itself, unless `m` is an Amazon SKU
  mapped to another merchant SKU (its stock comes from there: a record under its own name reaches nothing).
- `feeder(a)`, its exact inverse: the merchant SKU whose records reach Amazon SKU `a`, or None when none does (`a` is
  unmapped but other SKUs are mapped to its name).
- `merchant_of(a)`: the merchant's name for `a` (its mapping, else `a`): what order events and shipments use.
Why the own name drops out once SKUs are mapped to it: merchants map because their SKU is not Amazon's; feeding the
own name too would send Amazon a SKU it does not list with every record. A listed SKU that should keep its own stock
is mapped to itself (`sellersync listings map` does so when it sees the SKU listed).
It lives here, below the capabilities, so inventory, orders and shipments share it without importing each other.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Annotated, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints

from shared.models.inventory import Sku

ConnectionRef = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class SkuMapping(BaseModel):
    """One Amazon SKU's merchant SKU (to itself: an explicit identity, kept when other SKUs are mapped to it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    connection_id: ConnectionRef
    amazon_sku: Sku
    merchant_sku: Sku
    updated_at: AwareDatetime | None = None


class SkuMap:
    """A connection's mappings (Amazon SKU -> merchant SKU), read once and asked many times (see the module doc)."""

    def __init__(self, mappings: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = mappings.items() if isinstance(mappings, Mapping) else mappings
        self._merchant: dict[str, str] = dict(pairs)
        self._amazon: dict[str, list[str]] = defaultdict(list)
        for amazon_sku, merchant_sku in sorted(self._merchant.items()):
            self._amazon[merchant_sku].append(amazon_sku)

    def __len__(self) -> int:
        return len(self._merchant)

    def merchant_of(self, amazon_sku: str) -> str:
        """The merchant's SKU for this Amazon SKU: its mapping, else the SKU itself."""
        return self._merchant.get(amazon_sku, amazon_sku)

    def feeder(self, amazon_sku: str) -> str | None:
        """The merchant SKU whose records reach this Amazon SKU; None: other SKUs are mapped to its unmapped name."""
        if amazon_sku in self._merchant:
            return self._merchant[amazon_sku]
        return None if amazon_sku in self._amazon else amazon_sku

    def amazon_skus_for(self, merchant_sku: str) -> tuple[str, ...]:
        """Every Amazon SKU a record of this merchant SKU reaches, in SKU order (see the module doc)."""
        mapped = self._amazon.get(merchant_sku)
        if mapped:
            return tuple(mapped)
        return () if merchant_sku in self._merchant else (merchant_sku,)

    def is_mapped(self, amazon_sku: str) -> bool:
        """Whether the Amazon SKU has a stored mapping (to itself included)."""
        return amazon_sku in self._merchant

    def items(self) -> list[tuple[str, str]]:
        """The stored mappings (Amazon SKU, merchant SKU), in Amazon SKU order."""
        return sorted(self._merchant.items())


IDENTITY = SkuMap()


class SkuMaps(Protocol):
    """Where a capability gets a connection's map (shared/repositories/sku_map.CachedSkuMaps in the functions)."""

    def get(self, connection_id: str) -> SkuMap:
        """The connection's current map (identity when it has none)."""
        ...
