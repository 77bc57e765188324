"""SKU mapping: which merchant SKU feeds each Amazon SKU of a connection (issue 17, docs/catalog.md "SKU mapping").

Amazon's seller SKU and the merchant's own SKU are the same by default (identity). A mapping says otherwise for one
Amazon SKU: `SkuMapping(amazon_sku="WIDGET-UK", merchant_sku="WIDGET")`. One merchant SKU may feed several Amazon
SKUs; an Amazon SKU has exactly one merchant SKU.

`SkuMap` is a connection's whole map in memory, and the one definition both directions follow:
- `merchant_of(a)`: the mapped merchant SKU, else `a` itself;
- `amazon_skus_for(m)`: exactly the Amazon SKUs whose `merchant_of` is `m`: every SKU mapped to `m`, plus `m` itself
  unless `m` is an Amazon SKU mapped to another merchant SKU (then its stock comes from there, and a record sent
  under its own name does not reach it).
It lives here, below the capabilities, so inventory, orders and shipments share it without importing each other.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Annotated, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints

from shared.models.inventory import Sku

ConnectionRef = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class SkuMapping(BaseModel):
    """One Amazon SKU's merchant SKU (a mapping to itself is the identity default and is not stored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    connection_id: ConnectionRef
    amazon_sku: Sku
    merchant_sku: Sku
    updated_at: AwareDatetime | None = None


class SkuMap:
    """A connection's mappings (Amazon SKU -> merchant SKU), read once and asked many times (see the module doc)."""

    def __init__(self, mappings: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = mappings.items() if isinstance(mappings, Mapping) else mappings
        self._merchant: dict[str, str] = {a: m for a, m in pairs if a != m}
        self._amazon: dict[str, list[str]] = defaultdict(list)
        for amazon_sku, merchant_sku in sorted(self._merchant.items()):
            self._amazon[merchant_sku].append(amazon_sku)

    def __len__(self) -> int:
        return len(self._merchant)

    def merchant_of(self, amazon_sku: str) -> str:
        """The merchant SKU that feeds this Amazon SKU (itself unless mapped)."""
        return self._merchant.get(amazon_sku, amazon_sku)

    def amazon_skus_for(self, merchant_sku: str) -> tuple[str, ...]:
        """Every Amazon SKU a record of this merchant SKU reaches, in SKU order (empty: its own name is mapped
        elsewhere and nothing is mapped to it)."""
        mapped = self._amazon.get(merchant_sku, [])
        own = [] if merchant_sku in self._merchant else [merchant_sku]
        return tuple(sorted({*mapped, *own}))

    def is_mapped(self, amazon_sku: str) -> bool:
        """Whether the Amazon SKU has a (non-identity) mapping."""
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
