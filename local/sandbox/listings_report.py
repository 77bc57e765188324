"""GET_MERCHANT_LISTINGS_ALL_DATA / GET_MERCHANT_LISTINGS_DATA: tab-separated listings of one marketplace, built
from the current state when the report finishes. Columns as Amazon's Inventory Reports page lists them."""

import hashlib
from datetime import UTC, datetime

from local.sandbox.entities import Listing, Offer, Seller
from local.sandbox.listing_render import status_of

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


def listings_report(seller: Seller, report_type: str, marketplace_id: str) -> bytes:
    """The report body (UTF-8 TSV with a header row); the active-only type leaves inactive listings out."""
    rows = ["\t".join(COLUMNS)]
    for listing in sorted(seller.listings.values(), key=lambda item: item.sku):
        offer = listing.offers.get(marketplace_id)
        if offer is None:
            continue
        active = "BUYABLE" in status_of(listing, offer)
        if report_type == ACTIVE_LISTINGS and not active:
            continue
        rows.append("\t".join(_row(listing, offer, active)))
    return ("\n".join(rows) + "\n").encode("utf-8")


def _row(listing: Listing, offer: Offer, active: bool) -> list[str]:
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
        "merchant-shipping-group": "Migrated Template" if mfn else "",
        "status": "Active" if active else "Inactive",
    }
    return [values.get(column, "") for column in COLUMNS]


def _listing_id(sku: str) -> str:
    # Stable per SKU, shaped like Amazon's listing IDs (digits and upper-case letters).
    return hashlib.sha256(sku.encode()).hexdigest()[:10].upper()
