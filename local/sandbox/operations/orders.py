"""Orders API v2026-01-01: searchOrders (parameter rules, 24 h pagination tokens) and getOrder."""

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from local.sandbox.api import ApiError, ApiResponse, Ctx, operation
from local.sandbox.clock import iso, parse_time
from local.sandbox.entities import Order, Seller
from local.sandbox.operations.order_render import order_json
from local.sandbox.state import PageCursor

MODEL = "orders_2026-01-01"
MIN_AGE_SECONDS = 120
TOKEN_SECONDS = 24 * 3600
# Only these may change between pages; everything else must be sent again unchanged.
PAGE_FREE = {"paginationToken", "maxResultsPerPage", "includedData"}


@dataclass(frozen=True)
class OrderQuery:
    """A checked searchOrders request: which time field, its window, and the filters."""

    field: str
    after: float
    before: float
    marketplaces: frozenset[str]
    statuses: frozenset[str]
    fulfilled_by: frozenset[str]

    def matches(self, order: Order) -> bool:
        """Whether an order is in the window and passes every filter."""
        stamp = order.created if self.field == "created" else order.last_updated
        return (
            self.after <= stamp <= self.before
            and (not self.marketplaces or order.marketplace_id in self.marketplaces)
            and (not self.statuses or order.status in self.statuses)
            and (not self.fulfilled_by or order.fulfilled_by in self.fulfilled_by)
        )

    def key(self, order: Order) -> tuple[float, str]:
        """Sort key: time field, then order ID (stable across pages)."""
        return (order.created if self.field == "created" else order.last_updated, order.order_id)


@operation(MODEL, "searchOrders")
def search_orders(ctx: Ctx) -> ApiResponse:
    """Orders created or updated in a window, oldest first, in pages of maxResultsPerPage."""
    seller = ctx.require_seller()
    params = ctx.params
    page_size = params.get("maxResultsPerPage", 100)
    if not 1 <= page_size <= 100:
        raise ApiError(400, "InvalidInput", "maxResultsPerPage must be between 1 and 100.")
    cursor = _cursor(ctx, seller, params)
    query = _query(params, seller, ctx.now, cursor.before if cursor else None)
    found = sorted((o for o in seller.orders.values() if query.matches(o)), key=query.key)
    if cursor is not None:
        found = [o for o in found if query.key(o) > cursor.after_key]
    page, rest = found[:page_size], found[page_size:]
    included = set(params.get("includedData", []))
    body: dict[str, Any] = {"orders": [order_json(o, included) for o in page]}
    body["createdBefore" if query.field == "created" else "lastUpdatedBefore"] = iso(query.before)
    if rest:
        body["pagination"] = {"nextToken": _new_token(ctx, seller, params, query, query.key(page[-1]))}
    return ApiResponse(200, body)


@operation(MODEL, "getOrder")
def get_order(ctx: Ctx) -> ApiResponse:
    """One order of the calling seller, with the requested includedData."""
    seller = ctx.require_seller()
    order = seller.orders.get(ctx.params["orderId"])
    if order is None:
        raise ApiError(404, "NotFound", f"Order {ctx.params['orderId']} not found.")
    return ApiResponse(200, {"order": order_json(order, set(ctx.params.get("includedData", [])))})


def _query(params: dict[str, Any], seller: Seller, now: float, saved_before: float | None) -> OrderQuery:
    created_after, updated_after = params.get("createdAfter"), params.get("lastUpdatedAfter")
    created_before, updated_before = params.get("createdBefore"), params.get("lastUpdatedBefore")
    if (created_after is None) == (updated_after is None):
        raise ApiError(400, "InvalidInput", "Exactly one of createdAfter and lastUpdatedAfter must be provided.")
    if created_after is not None and updated_before is not None:
        raise ApiError(400, "InvalidInput", "lastUpdatedBefore cannot be combined with createdAfter.")
    if updated_after is not None and created_before is not None:
        raise ApiError(400, "InvalidInput", "createdBefore cannot be combined with lastUpdatedAfter.")
    field = "created" if created_after is not None else "lastUpdated"
    after = parse_time(str(created_after or updated_after))
    given_before = created_before or updated_before
    before = _before(field, given_before, now) if saved_before is None else saved_before
    if before < after:
        raise ApiError(400, "InvalidInput", f"{field}Before must be equal to or after {field}After.")
    unknown = set(params.get("marketplaceIds", [])) - set(seller.marketplace_ids)
    if unknown:
        raise ApiError(400, "InvalidInput", f"Invalid 'marketplaceIds' provided: {', '.join(sorted(unknown))}.")
    return OrderQuery(
        field,
        after,
        before,
        frozenset(params.get("marketplaceIds", [])),
        frozenset(params.get("fulfillmentStatuses", [])),
        frozenset(params.get("fulfilledBy", [])),
    )


def _before(field: str, given: str | None, now: float) -> float:
    if given is None:
        # Amazon answers with the bound it used: two minutes before the request.
        return now - MIN_AGE_SECONDS
    before = parse_time(given)
    if before > now - MIN_AGE_SECONDS:
        raise ApiError(
            400, "InvalidInput", f"{field}Before must be at least two minutes before the time of the request."
        )
    return before


def _fingerprint(seller: Seller, params: dict[str, Any]) -> str:
    fixed = {k: v for k, v in sorted(params.items()) if k not in PAGE_FREE}
    return hashlib.sha256(json.dumps([seller.selling_partner_id, fixed], sort_keys=True).encode()).hexdigest()


def _cursor(ctx: Ctx, seller: Seller, params: dict[str, Any]) -> PageCursor | None:
    token = params.get("paginationToken")
    if token is None:
        return None
    cursor = ctx.sandbox.state.page_cursors.get(token)
    if cursor is None or cursor.seller_id != seller.selling_partner_id or cursor.expires <= ctx.now:
        raise ApiError(400, "InvalidInput", "Invalid or expired paginationToken.")
    if cursor.fingerprint != _fingerprint(seller, params):
        raise ApiError(400, "InvalidInput", "The paginationToken requires the same parameters as the first request.")
    return cursor


def _new_token(ctx: Ctx, seller: Seller, params: dict[str, Any], query: OrderQuery, last: tuple[float, str]) -> str:
    token = secrets.token_urlsafe(24)
    ctx.sandbox.state.page_cursors[token] = PageCursor(
        seller.selling_partner_id, _fingerprint(seller, params), last, query.before, ctx.now + TOKEN_SECONDS
    )
    return token
