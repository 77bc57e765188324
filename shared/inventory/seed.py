"""What the stored catalog tells the inventory state: starting quantities and Amazon-fulfilled listings.

Read from the listings table (shared/repositories/listings.py; the catalog capability is never imported), reduced
to `ListingFacts` per SKU and marketplace. Two uses (docs/inventory.md, "Starting quantities"):

- **Amazon-fulfilled listings are never pushed stock.** A marketplace whose stored listing is fulfilled by Amazon is
  *held* (`MarketState.hold = "amazon_fulfilled"`): the rules still compute its values, shown with the reason
  AMAZON_FULFILLED_REASON, and nothing is queued for it (no quantity, no handling time, no price: the offer patch
  carries them together, and a quantity sent to an FBA offer would turn it merchant-fulfilled); so is it for a SKU
  the merchant never sent, whatever the setting below (`seeded_state`). A marketplace with no stored listing
  (catalog not imported, SKU unknown) behaves as before: sent.
- **Starting quantities** (`seed_inventory_from_amazon`, off by default). A SKU the merchant never sent starts at
  Amazon's quantity: `seeded_state` holds, per merchant-fulfilled marketplace, Amazon's quantity as the desired value
  (`hold = "seeded"`, revision 0, never queued) and a source value marked `seeded`. The merchant's first record
  replaces it whatever its asOf (shared/inventory/state.apply_record) and goes out at revision 1 in every marketplace
  not held, as a first record always did; until then the reconciliation refreshes the seed from the catalog and sends
  nothing, so enabling inventory never zeroes or changes a listing the merchant has not spoken about.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.models.inventory import Hold, MarketState, OfferValues, SkuState, SourceValue
from shared.models.listings import FulfillmentChannel, Listing, starting_quantity
from shared.models.settings import ConnectionSettings

AMAZON_FULFILLED_REASON = "fulfilled by Amazon: no stock is sent"
# Why a held marketplace is not sent, per Hold (`sellersync inventory plan`).
HOLD_REASONS: dict[Hold, str] = {
    "seeded": "seeded from Amazon's quantity: nothing is sent until the merchant sends the SKU",
    "amazon_fulfilled": AMAZON_FULFILLED_REASON,
}
MAX_SEEDED_HANDLING_DAYS = 30


@dataclass(frozen=True, slots=True)
class ListingFacts:
    """What inventory needs of one stored listing in one marketplace (small: a whole catalog is held in memory)."""

    amazon_fulfilled: bool
    starting_quantity: int | None = None
    handling_days: int | None = None

    @classmethod
    def of(cls, listing: Listing) -> "ListingFacts":
        """The facts of a stored listing."""
        return cls(
            amazon_fulfilled=listing.fulfillment_channel is FulfillmentChannel.AMAZON,
            starting_quantity=starting_quantity(listing),
            handling_days=listing.handling_days,
        )


# One SKU's stored listings, per marketplace id (a marketplace absent: no listing stored there).
type SkuListings = Mapping[str, ListingFacts]


class ListingSource(Protocol):
    """ListingsRepository.list."""

    def list(self, connection_id: str, marketplace_id: str) -> Iterator[Listing]:
        """The marketplace's stored listings, page by page."""
        ...


class CatalogReader(Protocol):
    """What inventory reads of the stored catalog."""

    def listings(self, connection_id: str, marketplace_ids: Sequence[str]) -> dict[str, dict[str, ListingFacts]]:
        """Every stored listing of the marketplaces with an offer (variation parents left out), per SKU."""
        ...


@dataclass(frozen=True)
class StoredCatalog:
    """CatalogReader over the listings table: one paginated Query per marketplace, kept as ListingFacts only."""

    source: ListingSource

    def listings(self, connection_id: str, marketplace_ids: Sequence[str]) -> dict[str, dict[str, ListingFacts]]:
        """See CatalogReader.listings."""
        found: dict[str, dict[str, ListingFacts]] = {}
        for marketplace_id in marketplace_ids:
            for listing in self.source.list(connection_id, marketplace_id):
                if not listing.is_parent:
                    found.setdefault(listing.sku, {})[marketplace_id] = ListingFacts.of(listing)
        return found


def amazon_fulfilled(listings: SkuListings | None, marketplace_id: str, held: MarketState | None) -> bool:
    """Whether the SKU's offer in the marketplace is held as Amazon-fulfilled. `listings` None: the catalog was not
    read, so an existing hold stays (nothing says it changed); else the stored listing decides (none: not held)."""
    if listings is None:
        return held is not None and held.hold == "amazon_fulfilled"
    facts = listings.get(marketplace_id)
    return facts is not None and facts.amazon_fulfilled


def seeded_state(
    listings: SkuListings, settings: ConnectionSettings, marketplace_ids: Sequence[str], now: datetime
) -> SkuState | None:
    """The state a SKU the merchant never sent starts with (see the module doc): its Amazon-fulfilled marketplaces
    held, whatever the setting (so that the merchant's first record sends them nothing, even before the input path
    reads the catalog), and with `seed_inventory_from_amazon` Amazon's quantity in the others. None: nothing to hold."""
    quantities = settings.seed_inventory_from_amazon
    markets: dict[str, MarketState] = {}
    for marketplace_id in marketplace_ids:
        facts = listings.get(marketplace_id)
        if facts is None:
            continue
        default_days = settings.effective(marketplace_id).default_handling_days
        if facts.amazon_fulfilled:
            values = OfferValues(quantity=0, handling_days=default_days)
            markets[marketplace_id] = _held(values, (AMAZON_FULFILLED_REASON,), "amazon_fulfilled", now)
        elif quantities and facts.starting_quantity is not None:
            days = facts.handling_days
            handling = min(days, MAX_SEEDED_HANDLING_DAYS) if days else default_days
            values = OfferValues(quantity=facts.starting_quantity, handling_days=handling)
            markets[marketplace_id] = _held(values, (seeded_reason(facts.starting_quantity),), "seeded", now)
    if not markets:
        return None
    seeded = [m.desired.quantity for m in markets.values() if m.hold == "seeded"]
    source = SourceValue(available=min(seeded, default=0), as_of=now, received_at=now, seeded=True)
    return SkuState(source=source, markets=markets)


def reseed(
    state: SkuState,
    listings: SkuListings,
    settings: ConnectionSettings,
    marketplace_ids: Sequence[str],
    now: datetime,
) -> SkuState | None:
    """A seeded state refreshed from the catalog and settings as they are now (the held state when nothing changed,
    keeping its times); None: nothing to hold any more (the listings are gone, or the setting was turned off for a
    merchant-fulfilled SKU), the state is dropped."""
    fresh = seeded_state(listings, settings, marketplace_ids, now)
    if fresh is None:
        return None
    same = fresh.markets.keys() == state.markets.keys() and all(
        (m.desired, m.hold, m.reasons) == (state.markets[mp].desired, state.markets[mp].hold, state.markets[mp].reasons)
        for mp, m in fresh.markets.items()
    )
    return state if same else fresh


def seeded_reason(quantity: int) -> str:
    """The reason a seeded marketplace shows."""
    return f"Amazon's quantity {quantity} (seeded from the catalog): nothing is sent until the merchant sends the SKU"


def _held(values: OfferValues, reasons: tuple[str, ...], hold: Hold, now: datetime) -> MarketState:
    return MarketState(rev=0, desired=values, reasons=reasons, desired_at=now, hold=hold)
