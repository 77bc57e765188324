"""One Listing from what Amazon tells about a SKU: the All Listings Report row, the Listings Items API item, or both.

The report is the only complete list of SKUs but may be hours stale, has no handling time and no family columns, and
comes in Cp1252 with other characters already replaced by "?" (LISTINGS-SHIPMENTS-CANCELLATIONS.md A1). The Listings
Items API is current and exact. So when both are given the API's value wins wherever it has one, and the report only
fills what the API did not return (an item read without offers keeps the report's price). A garbled row (SKU or title
with "?" substitutions) is never stored from the report alone: its SKU and title come from the API item.

Where each API value comes from (A2, A3 and "Corrections" §9):
- status: `summaries[].status` ⊆ {BUYABLE, DISCOVERABLE}; an empty list is INACTIVE, or INCOMPLETE when the report says
  "Incomplete" or Amazon reports an ERROR issue (inference: what Seller Central shows as incomplete);
- fulfillment channel and quantity: `fulfillmentAvailability[]` (DEFAULT = merchant, AMAZON_* = Amazon);
- price: the B2C offer of the marketplace;
- handling days: only `attributes.fulfillment_availability[].lead_time_to_ship_max_days`;
- family: `relationships` of type VARIATION (parentSkus, childSkus, variationTheme), else the attributes
  `parentage_level`, `child_parent_sku_relationship[].parent_sku` and `variation_theme[].name`.

The daily reconciliation removes stored SKUs a complete report no longer lists (`missing_skus`); a SKU the report
shows garbled still counts as listed (`as_reported`: its Cp1252 spellings).

Pure functions: the caller passes the time (`now`), which becomes first_seen and last_changed of a new listing (the
repository keeps the stored first_seen).
"""

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from shared.models.listings import (
    FulfillmentChannel,
    Listing,
    ListingIssue,
    ListingStatus,
    bounded_issues,
    issue,
)
from shared.spapi.marketplaces import UnknownMarketplaceError, marketplace_by_id
from shared.spapi.models.listings import ItemRelationship, ItemSummary, ListingsItem

MERCHANT_CHANNEL_CODE = "DEFAULT"
MAX_TITLE = 1000
# Control characters (C0, DEL, C1) never belong in a title shown in a terminal or a log: each becomes a space.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
REPORT_STATUS = {
    "active": ListingStatus.BUYABLE,
    "inactive": ListingStatus.INACTIVE,
    "incomplete": ListingStatus.INCOMPLETE,
}


class ReportRow(Protocol):
    """What merge reads of a report row (shared/catalog/report.py ReportListing has these attributes)."""

    @property
    def seller_sku(self) -> str: ...
    @property
    def asin(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def price(self) -> Decimal | None: ...
    @property
    def quantity(self) -> int | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def fulfillment_channel(self) -> str | None: ...
    @property
    def garbled(self) -> bool: ...


class GarbledRowError(ValueError):
    """A report row whose SKU or title Amazon garbled, and no API item to take the exact characters from."""

    def __init__(self, seller_sku: str) -> None:
        super().__init__(f"report row {seller_sku!r} has '?' substitutions; re-read it from the Listings Items API")
        self.seller_sku = seller_sku


def report_status(value: str | None) -> ListingStatus | None:
    """The report's status word as a ListingStatus; None when the column is missing or the word unknown."""
    return REPORT_STATUS.get((value or "").strip().lower())


def summary_status(summary_statuses: Sequence[str], issues: Sequence[ListingIssue] = ()) -> ListingStatus:
    """The status of a summaries' `status` list: BUYABLE over DISCOVERABLE; empty is INACTIVE, or INCOMPLETE when an
    ERROR issue stands."""
    upper = {s.upper() for s in summary_statuses}
    if "BUYABLE" in upper:
        return ListingStatus.BUYABLE
    if "DISCOVERABLE" in upper:
        return ListingStatus.DISCOVERABLE
    if any(i.severity == "ERROR" for i in issues):
        return ListingStatus.INCOMPLETE
    return ListingStatus.INACTIVE


def channel(code: str | None) -> FulfillmentChannel | None:
    """MERCHANT for Amazon's DEFAULT (or the report's MERCHANT), AMAZON for AMAZON_* codes; None when unknown."""
    if not code:
        return None
    upper = code.strip().upper()
    if upper in (MERCHANT_CHANNEL_CODE, FulfillmentChannel.MERCHANT):
        return FulfillmentChannel.MERCHANT
    if upper.startswith(FulfillmentChannel.AMAZON):
        return FulfillmentChannel.AMAZON
    return None


def _currency(marketplace_id: str) -> str | None:
    try:
        return marketplace_by_id(marketplace_id).currency
    except UnknownMarketplaceError:
        return None


def _for_marketplace(entries: Sequence[Any], marketplace_id: str) -> list[Any]:
    return [e for e in entries if getattr(e, "marketplace_id", None) in (None, marketplace_id)]


def _summary(item: ListingsItem, marketplace_id: str) -> ItemSummary | None:
    summaries = _for_marketplace(item.summaries, marketplace_id)
    return summaries[0] if summaries else None


def _attribute(item: ListingsItem, name: str, marketplace_id: str) -> list[Mapping[str, Any]]:
    """An attribute's entries for the marketplace (entries without a marketplace apply to all)."""
    values = item.attributes.get(name) or []
    return [v for v in values if isinstance(v, Mapping) and v.get("marketplace_id") in (None, marketplace_id)]


def handling_days(item: ListingsItem, marketplace_id: str) -> int | None:
    """`lead_time_to_ship_max_days` of the merchant channel's fulfillment_availability attribute (else any)."""
    entries = _attribute(item, "fulfillment_availability", marketplace_id)
    entries.sort(key=lambda e: e.get("fulfillment_channel_code") != MERCHANT_CHANNEL_CODE)
    for entry in entries:
        value = entry.get("lead_time_to_ship_max_days")
        if isinstance(value, int | str) and not isinstance(value, bool) and str(value).isdigit():
            return int(value)
    return None


def _variation(item: ListingsItem, marketplace_id: str) -> ItemRelationship | None:
    for by_marketplace in _for_marketplace(item.relationships, marketplace_id):
        for relationship in by_marketplace.relationships:
            if relationship.type == "VARIATION":
                return relationship
    return None


def family(item: ListingsItem, marketplace_id: str) -> tuple[bool, str | None, str | None]:
    """(is_parent, parent_sku, variation_theme) from relationships, else from the listing's attributes."""
    relationship = _variation(item, marketplace_id)
    theme = relationship.variation_theme.theme if relationship and relationship.variation_theme else None
    if theme is None:
        names = [v.get("name") for v in _attribute(item, "variation_theme", marketplace_id)]
        theme = next((str(n) for n in names if n), None)
    if relationship and relationship.parent_skus:
        return False, relationship.parent_skus[0], theme
    if relationship and relationship.child_skus:
        return True, None, theme
    levels = {str(v.get("value", "")).lower() for v in _attribute(item, "parentage_level", marketplace_id)}
    links = _attribute(item, "child_parent_sku_relationship", marketplace_id)
    parent = next((str(v["parent_sku"]) for v in links if v.get("parent_sku")), None)
    if parent is not None and parent != item.sku:
        return False, parent, theme
    return "parent" in levels, None, theme


def _api_issues(item: ListingsItem, marketplace_id: str) -> list[ListingIssue]:
    mine = [i for i in item.issues if not i.marketplace_ids or marketplace_id in i.marketplace_ids]
    return bounded_issues([issue(i.code, i.severity, i.message) for i in mine])


def _offer(item: ListingsItem, marketplace_id: str) -> tuple[Decimal | None, str | None]:
    offers = [o for o in item.offers if o.marketplace_id == marketplace_id and o.offer_type == "B2C"]
    if not offers:
        return None, None
    return offers[0].price.amount, offers[0].price.currency_code


def _availability(item: ListingsItem) -> tuple[FulfillmentChannel | None, int | None]:
    entries = sorted(item.fulfillment_availability, key=lambda e: e.fulfillment_channel_code != MERCHANT_CHANNEL_CODE)
    for entry in entries:
        found = channel(entry.fulfillment_channel_code)
        if found is not None:
            return found, entry.quantity
    return None, None


def merge(
    connection_id: str,
    marketplace_id: str,
    now: datetime,
    *,
    row: ReportRow | None = None,
    item: ListingsItem | None = None,
) -> Listing:
    """The Listing of one SKU from its report row, its API item, or both (the API wins where it has a value).

    Raises GarbledRowError for a garbled row without an item, ValueError when neither is given, and pydantic's
    ValidationError when the values do not make a valid Listing (a SKU over 40 characters, say).
    """
    if row is None and item is None:
        raise ValueError("a listing needs a report row or a Listings Items API item")
    if item is None and row is not None and row.garbled:
        raise GarbledRowError(row.seller_sku)
    values: dict[str, Any] = {"connection_id": connection_id, "marketplace_id": marketplace_id}
    values |= {"first_seen": now, "last_changed": now, "status": ListingStatus.INACTIVE}
    if row is not None:
        values |= {"sku": row.seller_sku, "asin": row.asin, "title": row.title, "quantity": row.quantity}
        currency = _currency(marketplace_id) if row.price is not None else None
        values |= {"price": row.price if currency else None, "currency": currency}
        values["fulfillment_channel"] = channel(row.fulfillment_channel) or FulfillmentChannel.MERCHANT
        values["status"] = report_status(row.status) or ListingStatus.INACTIVE
    if item is not None:
        values |= _api_values(item, marketplace_id, row)
    if values.get("is_parent"):
        values |= {"quantity": None, "price": None, "currency": None}
    if values.get("title"):
        values["title"] = _CONTROL.sub(" ", str(values["title"])).strip()[:MAX_TITLE] or None
    return Listing.model_validate(values)


def _api_values(item: ListingsItem, marketplace_id: str, row: ReportRow | None) -> dict[str, Any]:
    """What the API item says, without the values it does not have (the report's stay)."""
    values: dict[str, Any] = {"sku": item.sku}
    issues = _api_issues(item, marketplace_id)
    values["issues"] = issues
    summary = _summary(item, marketplace_id)
    if summary is not None:
        status = summary_status(summary.status, issues)
        reported = report_status(row.status) if row is not None else None
        if status is ListingStatus.INACTIVE and reported is ListingStatus.INCOMPLETE:
            status = ListingStatus.INCOMPLETE
        values["status"] = status
        if summary.asin:
            values["asin"] = summary.asin
        if summary.item_name:
            values["title"] = summary.item_name
    if row is not None and row.garbled and not (summary and summary.item_name):
        values["title"] = None  # the report's "?" text is not the title; better none than a wrong one
    found_channel, quantity = _availability(item)
    if found_channel is not None:
        values["fulfillment_channel"] = found_channel
        if quantity is not None:
            values["quantity"] = quantity
    price, currency = _offer(item, marketplace_id)
    if price is not None:
        values |= {"price": price, "currency": currency}
    days = handling_days(item, marketplace_id)
    if days is not None:
        values["handling_days"] = days
    is_parent, parent_sku, theme = family(item, marketplace_id)
    values |= {"is_parent": is_parent, "parent_sku": parent_sku, "variation_theme": theme}
    return values


def as_reported(exact_sku: str) -> set[str]:
    """How the report may spell an exact SKU: as it is, or with each character outside Cp1252 replaced by "?" (one
    per code point, or two for one outside the BMP, as a UTF-16 encoder would)."""
    per_code_point = exact_sku.encode("cp1252", errors="replace").decode("cp1252")
    per_utf16_unit = "".join(c if ord(c) <= 0xFFFF else "??" for c in exact_sku)
    per_utf16_unit = per_utf16_unit.encode("cp1252", errors="replace").decode("cp1252")
    return {exact_sku, per_code_point, per_utf16_unit}


def missing_skus(stored: Iterable[str], reported: Collection[str]) -> Iterator[str]:
    """The stored SKUs a complete report no longer lists (to remove), a garbled spelling counting as listed: a SKU
    with characters outside Cp1252 is never removed just because the report shows it with "?"."""
    for sku in stored:
        if as_reported(sku).isdisjoint(reported):
            yield sku
