"""The input path's view of the catalog: the stored listings of a batch's SKUs, in one BatchGetItem per 100 keys.

Without it a SKU listed after the last reconciliation had no Amazon-fulfilled hold yet, and the merchant's first
record for it pushed stock to an Amazon-fulfilled offer (which would turn it merchant-fulfilled). The reconciliation
reads the whole catalog (seed.StoredCatalog, a Query per marketplace); a message of records names a few SKUs, so the
input function asks for exactly the (marketplace, SKU) keys of its records instead (docs/inventory.md).
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from shared.inventory.seed import ListingFacts, SkuListings

__all__ = ["ListingKeys", "SkuListings", "listings_of"]
from shared.models.listings import Listing


class ListingKeys(Protocol):
    """ListingsRepository.get_many."""

    def get_many(self, connection_id: str, keys: Iterable[tuple[str, str]]) -> Mapping[tuple[str, str], Listing]:
        """The stored listings of these (marketplace id, SKU) pairs; absent ones left out."""
        ...


def listings_of(
    lookup: ListingKeys, connection_id: str, skus: Iterable[str], marketplace_ids: Sequence[str]
) -> dict[str, SkuListings]:
    """Every SKU's stored listings per marketplace (a SKU without any: an empty mapping, so not held; variation
    parents left out, as the reconciliation does)."""
    wanted = sorted(set(skus))
    found = lookup.get_many(connection_id, [(mp, sku) for sku in wanted for mp in marketplace_ids])
    listings: dict[str, dict[str, ListingFacts]] = {sku: {} for sku in wanted}
    for (marketplace_id, sku), listing in found.items():
        if sku in listings and not listing.is_parent:
            listings[sku][marketplace_id] = ListingFacts.of(listing)
    return dict(listings)
