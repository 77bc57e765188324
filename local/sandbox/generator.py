"""Seeded generation of the fake sellers and their catalogs (listings with variation families)."""

from dataclasses import dataclass

from local.sandbox.clock import days
from local.sandbox.entities import Listing, Offer, Seller
from local.sandbox.marketplaces import AFN_CHANNEL, CA, DE, ES, FR, IT, UK, US, marketplace
from local.sandbox.state import SandboxState


@dataclass(frozen=True)
class SellerSpec:
    """Who a generated seller is."""

    store_name: str
    region: str
    marketplace_ids: tuple[str, ...]
    sku_prefix: str


# At least one EU seller in UK + DE and one NA seller in US; the third makes "which seller signed in" matter.
SELLER_SPECS = (
    SellerSpec("Sandbox Outdoor Ltd", "EU", (UK, DE), "OUT"),
    SellerSpec("Sandbox Home Goods Inc", "NA", (US, CA), "HOME"),
    SellerSpec("Sandbox Moda GmbH", "EU", (DE, FR, IT, ES), "MODA"),
)

# Currency conversion from a base price; only plausibility matters.
CURRENCY_FACTOR = {"USD": 1.0, "CAD": 1.35, "GBP": 0.8, "EUR": 0.92, "MXN": 17.0, "JPY": 150.0}

STANDALONE = (
    ("LANTERN", "Camping Lantern LED 300lm", "OUTDOOR_LIVING", 24.99),
    ("POLES", "Trekking Poles Aluminium (pair)", "SPORTING_GOODS", 39.5),
    ("MUG", "Insulated Travel Mug 450ml", "DRINKING_CUP", 14.99),
    ("DRYBAG", "Dry Bag 20L Waterproof", "SPORTING_GOODS", 18.0),
    ("HEADLAMP", "Rechargeable Headlamp", "FLASHLIGHT", 21.99),
    ("MAT", "Self-inflating Sleeping Mat", "SLEEPING_MAT", 49.0),
)
# Characters the All Listings Report cannot carry (it is Cp1252; Amazon writes "?" for the rest) in the German
# seller's catalog: a title mixing Cp1252 letters with a check mark, a Polish SKU and a Japanese title. Renames, not
# additions, so every catalog keeps its size and the seeded random draws stay the same.
SEEDED_TEXT = {
    "MODA": {
        "MODA-LANTERN": ("MODA-LANTERN", "Campinglaterne Ünïcödé ✓ 300lm"),
        "MODA-MUG": ("MODA-MUG-ŁÓDŹ", "保温マグカップ 450ml"),
    }
}
SHIRT_VARIANTS = (("S", "Black"), ("M", "Black"), ("L", "Black"), ("M", "White"))
BOTTLE_VARIANTS = ("Red", "Blue", "Green")


def generate_sellers(state: SandboxState, now: float) -> None:
    """Fills state with the generated sellers and their listings."""
    for spec in SELLER_SPECS:
        add_seller(state, spec, now)


def add_seller(state: SandboxState, spec: SellerSpec, now: float) -> Seller:
    """A new seller of `spec` (a fresh Seller ID) with its catalog, added to state."""
    seller = Seller(
        selling_partner_id="A" + state.ids.upper(13),
        store_name=spec.store_name,
        region=spec.region,
        marketplace_ids=list(spec.marketplace_ids),
    )
    for listing in _catalog(state, spec, now):
        seller.listings[listing.sku] = listing
    state.sellers[seller.selling_partner_id] = seller
    return seller


def _catalog(state: SandboxState, spec: SellerSpec, now: float) -> list[Listing]:
    listings = [*_shirt_family(state, spec, now), *_bottle_family(state, spec, now)]
    for index, (code, title, product_type, base) in enumerate(STANDALONE):
        # The last two standalone products are FBA, so both fulfilment channels exist in every catalog.
        channel = AFN_CHANNEL[spec.region] if index >= len(STANDALONE) - 2 else "DEFAULT"
        listing = _listing(state, f"{spec.sku_prefix}-{code}", title, product_type, now, channel)
        _add_offers(state, listing, spec, base)
        listings.append(listing)
    for listing in listings:
        listing.sku, listing.title = SEEDED_TEXT.get(spec.sku_prefix, {}).get(listing.sku, (listing.sku, listing.title))
    return listings


def _shirt_family(state: SandboxState, spec: SellerSpec, now: float) -> list[Listing]:
    parent = _listing(state, f"{spec.sku_prefix}-TEE", "Merino T-Shirt", "SHIRT", now)
    parent.is_parent, parent.variation_theme = True, "SIZE/COLOR"
    children = []
    for size, color in SHIRT_VARIANTS:
        sku = f"{spec.sku_prefix}-TEE-{color[:3].upper()}-{size}"
        child = _listing(state, sku, f"Merino T-Shirt {color} {size}", "SHIRT", now)
        child.parent_sku, child.variation_theme = parent.sku, "SIZE/COLOR"
        child.variation_values = {"size": size, "color": color}
        _add_offers(state, child, spec, 29.0)
        children.append(child)
    _add_empty_offers(parent, spec)
    return [parent, *children]


def _bottle_family(state: SandboxState, spec: SellerSpec, now: float) -> list[Listing]:
    parent = _listing(state, f"{spec.sku_prefix}-BOTTLE", "Steel Water Bottle 750ml", "BOTTLE", now)
    parent.is_parent, parent.variation_theme = True, "COLOR"
    children = []
    for color in BOTTLE_VARIANTS:
        child = _listing(state, f"{parent.sku}-{color.upper()}", f"Steel Water Bottle 750ml {color}", "BOTTLE", now)
        child.parent_sku, child.variation_theme = parent.sku, "COLOR"
        child.variation_values = {"color": color}
        _add_offers(state, child, spec, 19.5)
        children.append(child)
    _add_empty_offers(parent, spec)
    return [parent, *children]


def _listing(
    state: SandboxState, sku: str, title: str, product_type: str, now: float, channel: str = "DEFAULT"
) -> Listing:
    created = now - days(state.rng.uniform(30, 400))
    return Listing(
        sku=sku,
        asin=state.ids.asin(),
        product_type=product_type,
        title=title,
        created=created,
        updated=created + days(state.rng.uniform(0, 20)),
        fulfillment_channel=channel,
    )


def _add_offers(state: SandboxState, listing: Listing, spec: SellerSpec, base_price: float) -> None:
    for marketplace_id in spec.marketplace_ids:
        currency = marketplace(marketplace_id).currency
        price = round(base_price * CURRENCY_FACTOR.get(currency, 1.0), 2)
        listing.offers[marketplace_id] = Offer(
            marketplace_id=marketplace_id,
            currency=currency,
            price=f"{price:.2f}",
            minimum_price=f"{price * 0.8:.2f}",
            quantity=state.rng.randint(0, 40),
            handling_days=state.rng.randint(1, 3) if listing.fulfillment_channel == "DEFAULT" else None,
        )


def _add_empty_offers(parent: Listing, spec: SellerSpec) -> None:
    # A variation parent is not buyable: it exists per marketplace but has no price or quantity.
    for marketplace_id in spec.marketplace_ids:
        parent.offers[marketplace_id] = Offer(marketplace_id, marketplace(marketplace_id).currency)
