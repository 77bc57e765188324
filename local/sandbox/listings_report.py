"""GET_MERCHANT_LISTINGS_ALL_DATA / GET_MERCHANT_LISTINGS_DATA: tab-separated listings of one marketplace, built
from the current state when the report finishes, as Amazon serves them in 2026 (LISTINGS-SHIPMENTS-CANCELLATIONS.md
A1): Cp1252 with every other character replaced by "?", and a header that drifts from the documented COLUMNS per
marketplace (HEADER_DRIFT): EU marketplaces spell `fulfilment-channel`, some put `Deprecated column` placeholders
where the zshop columns were, add undocumented columns, or leave `status` out. The operation gzips the body.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from local.sandbox.entities import Listing, Offer, Seller
from local.sandbox.listing_render import status_of
from local.sandbox.marketplaces import DE, ES, FR, IT, UK, marketplace

ALL_LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
ACTIVE_LISTINGS = "GET_MERCHANT_LISTINGS_DATA"
REPORT_TYPES = frozenset({ALL_LISTINGS, ACTIVE_LISTINGS})
COLUMNS = (
    "item-name",
    "item-description",
    "listing-id",
    "seller-sku",
    "price",
    "quantity",
    "open-date",
    "image-url",
    "item-is-marketplace",
    "product-id-type",
    "zshop-shipping-fee",
    "item-note",
    "item-condition",
    "zshop-category1",
    "zshop-browse-path",
    "zshop-storefront-feature",
    "asin1",
    "asin2",
    "asin3",
    "will-ship-internationally",
    "expedited-shipping",
    "zshop-boldface",
    "product-id",
    "bid-for-featured-placement",
    "add-delete",
    "pending-quantity",
    "fulfillment-channel",
    "merchant-shipping-group",
    "status",
)
ENCODING = "cp1252"
CONTENT_TYPE = "text/plain; charset=Cp1252"
PLACEHOLDER = "Deprecated column"
EU_CHANNEL = "fulfilment-channel"


@dataclass(frozen=True)
class HeaderDrift:
    """How one marketplace's header differs from the documented one."""

    placeholders: bool = False  # zshop-* columns renamed "Deprecated column" (ordinals kept)
    extra: tuple[str, ...] = ()  # undocumented columns appended
    status: bool = True  # False: the status column is missing (issue #5216)


# Every EU marketplace also spells the channel column `fulfilment-channel`; NA and FE keep the documented header.
HEADER_DRIFT = {
    UK: HeaderDrift(extra=("optional-payment-type-exclusion",)),
    DE: HeaderDrift(placeholders=True, extra=("Minimum order quantity", "Sell remainder")),
    FR: HeaderDrift(placeholders=True),
    IT: HeaderDrift(placeholders=True, status=False),
    ES: HeaderDrift(placeholders=True, status=False),
}


def header(marketplace_id: str) -> list[str]:
    """The header row Amazon serves for this marketplace."""
    drift = HEADER_DRIFT.get(marketplace_id, HeaderDrift())
    eu = marketplace(marketplace_id).region == "EU"
    names = []
    for column in COLUMNS:
        if column == "status" and not drift.status:
            continue
        if drift.placeholders and column.startswith("zshop-"):
            names.append(PLACEHOLDER)
        else:
            names.append(EU_CHANNEL if eu and column == "fulfillment-channel" else column)
    return [*names, *drift.extra]


def listings_report(seller: Seller, report_type: str, marketplace_id: str) -> bytes:
    """The report body (Cp1252 TSV with a header row, not yet gzipped); the active-only type leaves inactive out."""
    names = header(marketplace_id)
    rows = ["\t".join(names)]
    for listing in sorted(seller.listings.values(), key=lambda item: item.sku):
        offer = listing.offers.get(marketplace_id)
        if offer is None:
            continue
        active = "BUYABLE" in status_of(listing, offer)
        if report_type == ACTIVE_LISTINGS and not active:
            continue
        values = _row(listing, offer, active)
        rows.append("\t".join(values.get(name, "") for name in names))
    # Amazon's own substitution: what Cp1252 cannot hold is already "?" in the document.
    return ("\n".join(rows) + "\n").encode(ENCODING, errors="replace")


def _row(listing: Listing, offer: Offer, active: bool) -> dict[str, str]:
    mfn = listing.fulfillment_channel == "DEFAULT"
    values = {
        "item-name": listing.title,
        "listing-id": _listing_id(listing.sku),
        "seller-sku": listing.sku,
        "price": offer.price or "",
        "quantity": str(offer.quantity or 0) if mfn and not listing.is_parent else "",
        "open-date": datetime.fromtimestamp(listing.created, UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "item-is-marketplace": "y",
        "product-id-type": "1",
        "item-condition": "11",
        "asin1": listing.asin,
        "will-ship-internationally": "1",
        "product-id": listing.asin,
        "pending-quantity": "0" if mfn else "",
        "fulfillment-channel": listing.fulfillment_channel,
        EU_CHANNEL: listing.fulfillment_channel,
        "merchant-shipping-group": "Migrated Template" if mfn else "",
        "status": "Active" if active else "Inactive",
    }
    return values


def _listing_id(sku: str) -> str:
    # Stable per SKU, shaped like Amazon's listing IDs (digits and upper-case letters).
    return hashlib.sha256(sku.encode()).hexdigest()[:10].upper()
