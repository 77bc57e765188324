"""Listings Items API 2021-08-01: getListingsItem, patchListingsItem, searchListingsItems.

searchListingsItems filters by identifiers, variation parent, status and the created / last-updated window
(`createdAfter` / `createdBefore` / `lastUpdatedAfter` / `lastUpdatedBefore`: after inclusive, before exclusive, on
the whole seconds the items show), sorts by `sortBy` / `sortOrder` (default lastUpdatedDate DESC, SKU breaking ties so
pages are stable) and, as Amazon, pages through at most 1,000 items while `numberOfResults` gives the true total.
"""

import base64
import binascii
import math
from collections.abc import Callable
from typing import Any

from local.sandbox.api import UNAUTHORIZED, ApiError, ApiResponse, Ctx, operation
from local.sandbox.clock import parse_time
from local.sandbox.entities import Listing, Seller
from local.sandbox.listing_notify import listing_changed, snapshot
from local.sandbox.listing_patches import Issue, apply, check_patches
from local.sandbox.listing_render import children_of, listing_json, status_of

MODEL = "listingsItems_2021-08-01"
SEARCH_CAP = 1000
SORT_KEYS: dict[str, Callable[[Listing], Any]] = {
    "sku": lambda item: item.sku,
    "createdDate": lambda item: (math.floor(item.created), item.sku),
    "lastUpdatedDate": lambda item: (math.floor(item.updated), item.sku),
}
# Window filters: query parameter -> (the listing's time, whether the bound is a lower one).
WINDOWS: dict[str, tuple[Callable[[Listing], float], bool]] = {
    "createdAfter": (lambda item: item.created, True),
    "createdBefore": (lambda item: item.created, False),
    "lastUpdatedAfter": (lambda item: item.updated, True),
    "lastUpdatedBefore": (lambda item: item.updated, False),
}


@operation(MODEL, "getListingsItem")
def get_listings_item(ctx: Ctx) -> ApiResponse:
    """One listing of the calling seller in the requested marketplaces."""
    seller, marketplace_ids = _seller_and_marketplaces(ctx)
    listing = _listing(seller, ctx.params["sku"], marketplace_ids)
    children = children_of(seller.listings, listing.sku) if listing.is_parent else None
    return ApiResponse(200, listing_json(listing, marketplace_ids, set(ctx.params["includedData"]), children))


@operation(MODEL, "patchListingsItem")
def patch_listings_item(ctx: Ctx) -> ApiResponse:
    """Applies JSON patches to a listing (or only checks them with mode=VALIDATION_PREVIEW)."""
    seller, marketplace_ids = _seller_and_marketplaces(ctx)
    sku = ctx.params["sku"]
    submission_id = ctx.sandbox.state.ids.uuid().replace("-", "")
    listing = seller.listings.get(sku)
    if listing is None:
        issues = [Issue("SANDBOX_SKU_NOT_FOUND", f"SKU '{sku}' does not exist for this seller.")]
        return ApiResponse(200, _submission(sku, "INVALID", submission_id, issues, None, marketplace_ids, ctx))
    change, issues = check_patches(listing, ctx.body["patches"], marketplace_ids)
    invalid = any(issue.severity == "ERROR" for issue in issues)
    preview = ctx.params.get("mode") == "VALIDATION_PREVIEW"
    if not invalid and not preview:
        before = snapshot(listing)
        apply(listing, change, ctx.now)
        listing_changed(ctx.sandbox, seller.selling_partner_id, before, listing, ctx.now)
    status = "INVALID" if invalid else "VALID" if preview else "ACCEPTED"
    return ApiResponse(200, _submission(sku, status, submission_id, issues, listing, marketplace_ids, ctx))


@operation(MODEL, "searchListingsItems")
def search_listings_items(ctx: Ctx) -> ApiResponse:
    """A seller's listings, filtered and sorted, in pages of pageSize (at most 1,000 in all)."""
    seller, marketplace_ids = _seller_and_marketplaces(ctx)
    params = ctx.params
    page_size = params.get("pageSize", 10)
    if page_size < 1:
        raise ApiError(400, "InvalidInput", "pageSize must be between 1 and 20.")
    if params.get("identifiers") and not params.get("identifiersType"):
        raise ApiError(400, "InvalidInput", "identifiersType is required with identifiers.")
    windows = _windows(params)
    found = [
        item
        for item in _candidates(seller, params)
        if _matches(item, params, marketplace_ids) and all(_within(item, *window) for window in windows)
    ]
    total = len(found)
    key = SORT_KEYS[params.get("sortBy", "lastUpdatedDate")]
    found = sorted(found, key=key, reverse=params.get("sortOrder", "DESC") == "DESC")[:SEARCH_CAP]
    start = _offset(params.get("pageToken"))
    page = found[start : start + page_size]
    included = set(params["includedData"])
    body: dict[str, Any] = {
        "numberOfResults": total,
        "items": [listing_json(item, marketplace_ids, included, _children(seller).get(item.sku, [])) for item in page],
    }
    pagination = {}
    if start + page_size < len(found):
        pagination["nextToken"] = _token(start + page_size)
    if start > 0:
        pagination["previousToken"] = _token(max(0, start - page_size))
    if pagination:
        body["pagination"] = pagination
    return ApiResponse(200, body)


def _candidates(seller: Seller, params: dict[str, Any]) -> list[Listing]:
    """The listings a search looks at: those named when it is by SKU (a catalog of 100,000 is not scanned for 20)."""
    if params.get("identifiers") and params.get("identifiersType") == "SKU":
        return [seller.listings[sku] for sku in dict.fromkeys(params["identifiers"]) if sku in seller.listings]
    return list(seller.listings.values())


# Per seller: the variation SKUs of each parent, with the listings dict and its size they were built from (a SKU's
# parent never changes in the sandbox: only an added listing makes them stale).
_CHILDREN: dict[str, tuple[tuple[int, int], dict[str, list[str]]]] = {}


def _children(seller: Seller) -> dict[str, list[str]]:
    key = (id(seller.listings), len(seller.listings))
    cached = _CHILDREN.get(seller.selling_partner_id)
    if cached is None or cached[0] != key:
        found: dict[str, list[str]] = {}
        for sku, item in seller.listings.items():
            if item.parent_sku is not None:
                found.setdefault(item.parent_sku, []).append(sku)
        cached = _CHILDREN[seller.selling_partner_id] = (key, {parent: sorted(c) for parent, c in found.items()})
    return cached[1]


def _windows(params: dict[str, Any]) -> list[tuple[Callable[[Listing], float], bool, float]]:
    """The time bounds the query sets, as (the listing's time, lower bound?, epoch seconds)."""
    bounds = []
    for name, (moment, lower) in WINDOWS.items():
        if params.get(name):
            try:
                bounds.append((moment, lower, parse_time(params[name])))
            except ValueError as exc:
                raise ApiError(400, "InvalidInput", f"Invalid '{name}' provided.") from exc
    return bounds


def _within(listing: Listing, moment: Callable[[Listing], float], lower: bool, bound: float) -> bool:
    shown = math.floor(moment(listing))  # what the item shows: whole seconds
    return shown >= bound if lower else shown < bound


def _seller_and_marketplaces(ctx: Ctx) -> tuple[Seller, list[str]]:
    seller = ctx.require_seller()
    if ctx.params["sellerId"] != seller.selling_partner_id:
        # A token answers for its own seller only; another seller's id is refused before anything is looked up,
        # so a missing SKU (404) proves the token is the named seller's (docs/decisions.md, 2026-12-07).
        raise ApiError(403, "Unauthorized", UNAUTHORIZED)
    marketplace_ids = list(dict.fromkeys(ctx.params["marketplaceIds"]))
    if not marketplace_ids or any(m not in seller.marketplace_ids for m in marketplace_ids):
        raise ApiError(400, "InvalidInput", "Invalid 'marketplaceIds' provided.")
    return seller, marketplace_ids


def _listing(seller: Seller, sku: str, marketplace_ids: list[str]) -> Listing:
    listing = seller.listings.get(sku)
    if listing is None or not any(m in listing.offers for m in marketplace_ids):
        raise ApiError(404, "NOT_FOUND", f"SKU '{sku}' not found in marketplace {marketplace_ids[0]}")
    return listing


def _matches(listing: Listing, params: dict[str, Any], marketplace_ids: list[str]) -> bool:
    offers = [listing.offers[m] for m in marketplace_ids if m in listing.offers]
    if not offers:
        return False
    identifiers = params.get("identifiers")
    if identifiers:
        value = listing.sku if params.get("identifiersType") == "SKU" else listing.asin
        if value not in identifiers:
            return False
    if params.get("variationParentSku") and listing.parent_sku != params["variationParentSku"]:
        return False
    statuses = {status for offer in offers for status in status_of(listing, offer)}
    with_status, without_status = set(params.get("withStatus", [])), set(params.get("withoutStatus", []))
    return with_status <= statuses and not (without_status & statuses)


def _submission(
    sku: str,
    status: str,
    submission_id: str,
    issues: list[Issue],
    listing: Listing | None,
    marketplace_ids: list[str],
    ctx: Ctx,
) -> dict[str, Any]:
    body: dict[str, Any] = {"sku": sku, "status": status, "submissionId": submission_id}
    included = set(ctx.params.get("includedData", ["issues"]))
    if "issues" in included:
        body["issues"] = [_issue(issue, marketplace_ids) for issue in issues]
    if "identifiers" in included and listing is not None:
        body["identifiers"] = [{"marketplaceId": m, "asin": listing.asin} for m in marketplace_ids]
    return body


def _issue(issue: Issue, marketplace_ids: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {
        "code": issue.code,
        "message": issue.message,
        "severity": issue.severity,
        "categories": ["INVALID_ATTRIBUTE"] if issue.attribute_name else [],
        "marketplaceIds": marketplace_ids,
    }
    if issue.attribute_name:
        found["attributeNames"] = [issue.attribute_name]
    return found


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    try:
        return max(0, int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("offset:")))
    except (ValueError, binascii.Error) as exc:
        raise ApiError(400, "InvalidInput", "Invalid pageToken.") from exc


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()
