"""Listing changes shared by patchListingsItem and JSON_LISTINGS_FEED: patches and attribute sets, checked first,
applied only when no ERROR issue was found (Amazon accepts or rejects a submission as a whole).

Modelled attributes: fulfillment_availability (quantity, lead_time_to_ship_max_days) and purchasable_offer
(our_price, minimum_seller_allowed_price) per marketplace; item_name sets the title. Any other attribute is kept
as given. Issue codes: 99022 and 4002008 appear in Amazon's material; SANDBOX_* codes are the sandbox's own.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeGuard

from local.sandbox.entities import Listing, Offer
from local.sandbox.marketplaces import marketplace

ATTRIBUTE_PATH = re.compile(r"^/attributes/([a-z0-9_]+)$")
MAX_HANDLING_DAYS = 30


@dataclass(frozen=True)
class Issue:
    """A problem with a submission; an ERROR makes it INVALID."""

    code: str
    message: str
    severity: str = "ERROR"
    attribute_name: str | None = None


@dataclass
class Change:
    """What a submission does to one listing, collected before anything is applied."""

    quantities: dict[str, tuple[int | None, int | None]]
    prices: dict[str, tuple[str | None, str | None]]
    channel: str | None
    extra: dict[str, list[dict[str, Any]] | None]


def check_patches(
    listing: Listing, patches: list[dict[str, Any]], marketplace_ids: list[str]
) -> tuple[Change, list[Issue]]:
    """Turns JSON patches into a Change and the issues found (nothing is applied yet)."""
    change, issues = Change({}, {}, None, {}), []
    for patch in patches:
        match = ATTRIBUTE_PATH.match(str(patch.get("path", "")))
        if match is None:
            issues.append(Issue("SANDBOX_INVALID_PATH", f"Unsupported patch path '{patch.get('path')}'."))
            continue
        name, value = match.group(1), patch.get("value") or []
        if patch.get("op") == "delete":
            value = []
        issues += _check_attribute(change, listing, name, value, marketplace_ids)
    return change, issues


def check_attributes(
    listing: Listing, attributes: dict[str, Any], marketplace_ids: list[str]
) -> tuple[Change, list[Issue]]:
    """Turns an attribute set (UPDATE / PARTIAL_UPDATE) into a Change and its issues."""
    change, issues = Change({}, {}, None, {}), []
    for name, value in attributes.items():
        issues += _check_attribute(change, listing, name, value if isinstance(value, list) else [], marketplace_ids)
    return change, issues


def apply(listing: Listing, change: Change, now: float) -> None:
    """Applies a checked Change to the listing."""
    for marketplace_id, (quantity, handling) in change.quantities.items():
        offer = _offer(listing, marketplace_id)
        offer.quantity, offer.handling_days = quantity, handling if handling is not None else offer.handling_days
    for marketplace_id, (price, minimum) in change.prices.items():
        offer = _offer(listing, marketplace_id)
        offer.price, offer.minimum_price = price, minimum
    if change.channel:
        listing.fulfillment_channel = change.channel
    for name, value in change.extra.items():
        if value is None:
            listing.extra_attributes.pop(name, None)
        else:
            listing.extra_attributes[name] = value
            if name == "item_name" and value and "value" in value[0]:
                listing.title = str(value[0]["value"])
    listing.updated = now


def _check_attribute(
    change: Change, listing: Listing, name: str, value: list[Any], marketplace_ids: list[str]
) -> list[Issue]:
    if name == "fulfillment_availability":
        return _availability(change, value, marketplace_ids)
    if name == "purchasable_offer":
        return _offers(change, listing, value, marketplace_ids)
    change.extra[name] = value or None
    return []


def _availability(change: Change, value: list[Any], marketplace_ids: list[str]) -> list[Issue]:
    attribute = "fulfillment_availability"
    if not value:
        change.quantities.update(dict.fromkeys(marketplace_ids, (None, None)))
        return []
    entry = value[0] if isinstance(value[0], dict) else {}
    code = entry.get("fulfillment_channel_code")
    quantity, handling = entry.get("quantity"), entry.get("lead_time_to_ship_max_days")
    if not isinstance(code, str) or not code:
        return [Issue("99022", "'fulfillment_channel_code' is required but not supplied.", attribute_name=attribute)]
    if code == "DEFAULT" and not (_is_int(quantity) and quantity >= 0):
        return [_invalid(f"'quantity' must be a whole number >= 0, got {quantity!r}.", attribute)]
    if handling is not None and not (_is_int(handling) and 0 <= handling <= MAX_HANDLING_DAYS):
        return [_invalid(f"'lead_time_to_ship_max_days' must be 0..{MAX_HANDLING_DAYS}, got {handling!r}.", attribute)]
    change.channel = code
    change.quantities.update(dict.fromkeys(marketplace_ids, (quantity if code == "DEFAULT" else None, handling)))
    return []


def _offers(change: Change, listing: Listing, value: list[Any], marketplace_ids: list[str]) -> list[Issue]:
    if listing.is_parent and value:
        return [_issue("SANDBOX_PARENT_NOT_BUYABLE", "A variation parent cannot carry an offer.")]
    if not value:
        change.prices.update(dict.fromkeys(marketplace_ids, (None, None)))
        return []
    issues: list[Issue] = []
    for entry in value:
        if not isinstance(entry, dict) or entry.get("audience", "ALL") != "ALL":
            continue  # B2B offers are accepted and not modelled
        targets = [entry["marketplace_id"]] if entry.get("marketplace_id") else marketplace_ids
        for marketplace_id in targets:
            issues += _offer_entry(change, entry, marketplace_id, marketplace_ids)
    return issues


def _offer_entry(change: Change, entry: dict[str, Any], marketplace_id: str, allowed: list[str]) -> list[Issue]:
    if marketplace_id not in allowed:
        message = f"marketplace_id {marketplace_id} is not part of this submission."
        return [_issue("SANDBOX_MARKETPLACE_MISMATCH", message)]
    currency = marketplace(marketplace_id).currency
    if entry.get("currency") != currency:
        return [_issue("SANDBOX_CURRENCY_MISMATCH", f"currency must be {currency} in {marketplace_id}.")]
    price = _schedule_value(entry.get("our_price"))
    if price is None:
        message = "The field 'schedule' for the attribute 'purchasable_offer.our_price' does not have enough values."
        return [Issue("99022", message, attribute_name="purchasable_offer.our_price")]
    minimum = _schedule_value(entry.get("minimum_seller_allowed_price"))
    if price <= 0 or (minimum is not None and minimum <= 0):
        return [_invalid("Prices must be greater than 0.", "purchasable_offer")]
    if minimum is not None and price < minimum:
        return [
            _issue("SANDBOX_PRICE_BELOW_MINIMUM", f"our_price {price} is below minimum_seller_allowed_price {minimum}.")
        ]
    change.prices[marketplace_id] = (f"{price:.2f}", f"{minimum:.2f}" if minimum is not None else None)
    return []


def _schedule_value(prices: Any) -> Decimal | None:
    try:
        value = prices[0]["schedule"][0]["value_with_tax"]
        if isinstance(value, bool):
            return None
        return Decimal(str(value))
    except (LookupError, TypeError, InvalidOperation):
        return None


def _offer(listing: Listing, marketplace_id: str) -> Offer:
    if marketplace_id not in listing.offers:
        listing.offers[marketplace_id] = Offer(marketplace_id, marketplace(marketplace_id).currency)
    return listing.offers[marketplace_id]


def _issue(code: str, message: str) -> Issue:
    return Issue(code, message, attribute_name="purchasable_offer")


def _invalid(message: str, attribute: str) -> Issue:
    return Issue("SANDBOX_INVALID_VALUE", message, attribute_name=attribute)


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
