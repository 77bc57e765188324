"""Listings Items 2021-08-01 rendering of a listing, per includedData (summaries by default)."""

from typing import Any

from local.sandbox.clock import iso
from local.sandbox.entities import Listing, Offer

THEME_ATTRIBUTES = {"SIZE/COLOR": ["size", "color"], "COLOR": ["color"]}


def listing_json(
    listing: Listing, marketplace_ids: list[str], included: set[str], children: list[str] | None = None
) -> dict[str, Any]:
    """The Item object for the given marketplaces (children: a parent's variation SKUs, for relationships)."""
    offers = [listing.offers[m] for m in marketplace_ids if m in listing.offers]
    item: dict[str, Any] = {"sku": listing.sku}
    if "summaries" in included:
        item["summaries"] = [_summary(listing, offer) for offer in offers]
    if "attributes" in included:
        item["attributes"] = _attributes(listing, offers)
    if "issues" in included:
        item["issues"] = []
    if "offers" in included:
        item["offers"] = [_offer(offer) for offer in offers if offer.price is not None]
    if "fulfillmentAvailability" in included and not listing.is_parent:
        item["fulfillmentAvailability"] = [_availability(listing, offers)]
    if "relationships" in included:
        relationships = _relationships(listing, children or [])
        item["relationships"] = [{"marketplaceId": o.marketplace_id, "relationships": relationships} for o in offers]
    if "productTypes" in included:
        item["productTypes"] = [
            {"marketplaceId": o.marketplace_id, "productType": listing.product_type} for o in offers
        ]
    return item


def status_of(listing: Listing, offer: Offer) -> list[str]:
    """BUYABLE needs a price and stock (or FBA); every non-parent listing is DISCOVERABLE."""
    if listing.is_parent:
        return ["DISCOVERABLE"]
    in_stock = listing.fulfillment_channel != "DEFAULT" or (offer.quantity or 0) > 0
    return ["BUYABLE", "DISCOVERABLE"] if offer.price is not None and in_stock else ["DISCOVERABLE"]


def children_of(listings: dict[str, Listing], parent_sku: str) -> list[str]:
    """SKUs of a parent's variations."""
    return sorted(sku for sku, item in listings.items() if item.parent_sku == parent_sku)


def _summary(listing: Listing, offer: Offer) -> dict[str, Any]:
    return {
        "marketplaceId": offer.marketplace_id,
        "asin": listing.asin,
        "productType": listing.product_type,
        "conditionType": listing.condition,
        "status": status_of(listing, offer),
        "itemName": listing.title,
        "createdDate": iso(listing.created),
        "lastUpdatedDate": iso(listing.updated),
    }


def _attributes(listing: Listing, offers: list[Offer]) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "item_name": [{"value": listing.title, "marketplace_id": o.marketplace_id} for o in offers],
        "condition_type": [{"value": listing.condition, "marketplace_id": o.marketplace_id} for o in offers],
        **listing.extra_attributes,
    }
    if listing.is_parent:
        attributes["parentage_level"] = [{"value": "parent", "marketplace_id": o.marketplace_id} for o in offers]
    if listing.parent_sku:
        attributes["parentage_level"] = [{"value": "child", "marketplace_id": o.marketplace_id} for o in offers]
        attributes["child_parent_sku_relationship"] = [
            {
                "child_relationship_type": "variation",
                "parent_sku": listing.parent_sku,
                "marketplace_id": o.marketplace_id,
            }
            for o in offers
        ]
    if listing.variation_theme:
        attributes["variation_theme"] = [{"name": listing.variation_theme}]
    priced = [o for o in offers if o.price is not None]
    if priced:
        attributes["purchasable_offer"] = [_purchasable_offer(o) for o in priced]
    if not listing.is_parent:
        attributes["fulfillment_availability"] = [_availability_attribute(listing, offers)]
    return attributes


def _purchasable_offer(offer: Offer) -> dict[str, Any]:
    found: dict[str, Any] = {
        "marketplace_id": offer.marketplace_id,
        "currency": offer.currency,
        "audience": "ALL",
        "our_price": [{"schedule": [{"value_with_tax": float(offer.price or 0)}]}],
    }
    if offer.minimum_price is not None:
        found["minimum_seller_allowed_price"] = [{"schedule": [{"value_with_tax": float(offer.minimum_price)}]}]
    return found


def _availability_attribute(listing: Listing, offers: list[Offer]) -> dict[str, Any]:
    found: dict[str, Any] = {"fulfillment_channel_code": listing.fulfillment_channel}
    first = offers[0] if offers else None
    if listing.fulfillment_channel == "DEFAULT" and first is not None:
        found["quantity"] = first.quantity or 0
        if first.handling_days is not None:
            found["lead_time_to_ship_max_days"] = first.handling_days
    return found


def _availability(listing: Listing, offers: list[Offer]) -> dict[str, Any]:
    found: dict[str, Any] = {"fulfillmentChannelCode": listing.fulfillment_channel}
    if listing.fulfillment_channel == "DEFAULT" and offers:
        found["quantity"] = offers[0].quantity or 0
    return found


def _offer(offer: Offer) -> dict[str, Any]:
    return {
        "marketplaceId": offer.marketplace_id,
        "offerType": "B2C",
        "price": {"currencyCode": offer.currency, "amount": offer.price},
        "audience": {"value": "ALL", "displayName": "Sell on Amazon"},
    }


def _relationships(listing: Listing, children: list[str]) -> list[dict[str, Any]]:
    if not listing.variation_theme:
        return []
    theme = {"theme": listing.variation_theme, "attributes": THEME_ATTRIBUTES.get(listing.variation_theme, [])}
    if listing.parent_sku:
        return [{"type": "VARIATION", "parentSkus": [listing.parent_sku], "variationTheme": theme}]
    return [{"type": "VARIATION", "childSkus": children, "variationTheme": theme}]
