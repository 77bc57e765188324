"""Steering API under /_sandbox (JSON): move time, add sellers, add and change orders, change a listing, authorize
and revoke, set faults, choose the signed-in seller, reset."""

from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import ValidationError

from local.sandbox import tokens
from local.sandbox.clock import iso, parse_time
from local.sandbox.config import FaultConfig
from local.sandbox.entities import CANCELLED, PENDING, SHIPPED, UNSHIPPED, Seller
from local.sandbox.generator import SELLER_SPECS
from local.sandbox.generator import add_seller as add_generated_seller
from local.sandbox.inspection import SteeringError, json_body, seller_or_404
from local.sandbox.lifecycle import track_pending
from local.sandbox.listing_patches import Change, apply
from local.sandbox.lwa import sandbox_of_app
from local.sandbox.notify import BUYER_REQUESTED_CHANGE, STATUS_CHANGE, order_changed
from local.sandbox.order_factory import OrderSpec, create_order, generate_orders
from local.sandbox.views import order_view, seller_view

blueprint = Blueprint("steering", __name__, url_prefix="/_sandbox")
STEERABLE_STATUSES = (PENDING, UNSHIPPED, SHIPPED, CANCELLED)


@blueprint.errorhandler(SteeringError)
def _steering_error(err: SteeringError) -> tuple[Response, int]:
    return jsonify({"error": str(err)}), err.status


@blueprint.post("/clock/advance")
def advance() -> Response:
    """Pushes sandbox time forward by `seconds` and runs whatever became due."""
    sandbox = sandbox_of_app()
    seconds = float(json_body().get("seconds", 0))
    if seconds < 0:
        raise SteeringError("the sandbox clock only moves forward")
    sandbox.clock.advance(seconds)
    sandbox.tick()
    return jsonify({"now": iso(sandbox.now())})


@blueprint.post("/sellers/<seller_id>/orders")
def add_order(seller_id: str) -> Response:
    """Creates an order now (fields as OrderSpec, camelCase) and notifies subscribers."""
    sandbox = sandbox_of_app()
    body = json_body()
    with sandbox.state.lock:
        seller = seller_or_404(seller_id)
        spec = _order_spec(seller, body)
        now = sandbox.now()
        order = create_order(sandbox.state, seller, spec, now, sandbox.config.pending_seconds)
        order_changed(sandbox, order, STATUS_CHANGE, now)
        if order.status == PENDING:
            track_pending(sandbox, order.order_id, now + sandbox.config.pending_seconds)
        view = order_view(order)
    sandbox.flush()
    return jsonify(view)


@blueprint.patch("/orders/<order_id>")
def update_order(order_id: str) -> Response:
    """Changes an order's status (`status`, with `cancelledBy` and `cancelReason` for CANCELLED) and/or adds a buyer
    cancellation request (`buyerCancelReason`: cancellationRequest{requester BUYER} on the items listed in
    `buyerCancelItems`, default every item), notifying
    subscribers."""
    sandbox = sandbox_of_app()
    body = json_body()
    with sandbox.state.lock:
        order = sandbox.state.find_order(order_id)
        if order is None:
            raise SteeringError(f"no order {order_id}", 404)
        now = sandbox.now()
        status = body.get("status")
        chosen = [str(i) for i in body.get("buyerCancelItems") or [item.order_item_id for item in order.items]]
        if any(order.item(item_id) is None for item_id in chosen):
            raise SteeringError(f"buyerCancelItems names an item that is not in order {order_id}")
        if status is not None:
            if status not in STEERABLE_STATUSES:
                raise SteeringError(f"status must be one of {STEERABLE_STATUSES}")
            order.status = status
            for item in order.items:
                item.quantity_shipped = item.quantity if status == SHIPPED else item.quantity_shipped
            if status == CANCELLED:
                order.cancelled_by = body.get("cancelledBy", "BUYER")
                order.cancel_reason = body.get("cancelReason", order.cancel_reason)
            order_changed(sandbox, order, STATUS_CHANGE, now)
        if body.get("buyerCancelReason"):
            for item in order.items:
                if item.order_item_id in chosen:
                    item.buyer_cancel_reason = str(body["buyerCancelReason"])
            order_changed(sandbox, order, BUYER_REQUESTED_CHANGE, now)
        view = order_view(order)
    sandbox.flush()
    return jsonify(view)


@blueprint.patch("/sellers/<seller_id>/listings/<path:sku>")
def update_listing(seller_id: str, sku: str) -> Response:
    """Changes a listing as its seller would in Seller Central: `quantity` in `marketplaceId` (default the seller's
    first), `title`; its lastUpdatedDate moves to now, as any change the sandbox makes."""
    sandbox = sandbox_of_app()
    body = json_body()
    with sandbox.state.lock:
        seller = seller_or_404(seller_id)
        listing = seller.listings.get(sku)
        marketplace_id = str(body.get("marketplaceId") or seller.marketplace_ids[0])
        if listing is None or marketplace_id not in listing.offers:
            raise SteeringError(f"no listing {sku!r} of {seller_id} in {marketplace_id}", 404)
        quantity = body.get("quantity")
        if quantity is not None and (not isinstance(quantity, int) or quantity < 0):
            raise SteeringError("quantity must be a whole number >= 0")
        change = Change({}, {}, None, {})
        if quantity is not None:
            change.quantities[marketplace_id] = (quantity, None)
        if body.get("title"):
            change.extra["item_name"] = [{"value": str(body["title"]), "marketplace_id": marketplace_id}]
        apply(listing, change, sandbox.now())
        view = {"sku": listing.sku, "lastUpdated": iso(listing.updated)}
    return jsonify(view)


@blueprint.post("/sellers/<seller_id>/authorize")
def authorize(seller_id: str) -> Response:
    """Shortcut past consent: grants the app and returns the refresh token."""
    sandbox = sandbox_of_app()
    with sandbox.state.lock:
        seller = seller_or_404(seller_id)
        authorization = tokens.grant(sandbox.state, seller_id, seller.region, sandbox.now())
    return jsonify({"refreshToken": authorization.refresh_token, "region": seller.region})


@blueprint.post("/sellers/<seller_id>/revoke")
def revoke(seller_id: str) -> Response:
    """Revokes the seller's authorizations now, or at sandbox time `at` (ISO 8601)."""
    sandbox = sandbox_of_app()
    at = json_body().get("at")
    when = parse_time(at) if at else sandbox.now()
    with sandbox.state.lock:
        seller_or_404(seller_id)
        count = tokens.revoke(sandbox.state, seller_id, when)
    return jsonify({"revoked": count, "at": iso(when)})


@blueprint.route("/faults", methods=["PUT", "PATCH"])
def set_faults() -> Response:
    """PUT replaces the fault settings, PATCH changes only the given fields."""
    sandbox = sandbox_of_app()
    base = sandbox.faults.config.model_dump() if request.method == "PATCH" else {}
    try:
        config = FaultConfig.model_validate({**base, **json_body()})
    except ValidationError as exc:
        raise SteeringError(str(exc)) from exc
    with sandbox.state.lock:
        sandbox.state.faults = sandbox.faults.config = config
    return jsonify(config.model_dump())


@blueprint.put("/consent/seller")
def sign_in() -> Response:
    """Chooses the seller signed in to Seller Central for the consent page (null: first of the region)."""
    sandbox = sandbox_of_app()
    seller_id = json_body().get("sellingPartnerId")
    with sandbox.state.lock:
        if seller_id is not None:
            seller_or_404(seller_id)
        sandbox.state.consent_seller = seller_id
    return jsonify({"sellingPartnerId": seller_id})


@blueprint.post("/sellers")
def add_seller() -> Response:
    """Adds a seller like the region's `like`-th generated one, with a fresh Seller ID, its own catalog and orders.

    Tests that share one sandbox (and one deployed stack) isolate themselves by fresh sellers instead of a reset.
    """
    sandbox = sandbox_of_app()
    body = json_body()
    region, like = str(body.get("region", "EU")), body.get("like", 0)
    specs = [spec for spec in SELLER_SPECS if spec.region == region]
    if not isinstance(like, int) or not 0 <= like < len(specs):
        raise SteeringError(f"no generated seller {like!r} in region {region!r} to copy")
    with sandbox.state.lock:
        now = sandbox.now()
        seller = add_generated_seller(sandbox.state, specs[like], now)
        generate_orders(sandbox.state, seller, sandbox.config.initial_orders, now, sandbox.config.pending_seconds)
        for order in seller.orders.values():
            if order.status == PENDING and order.pending_until is not None:
                track_pending(sandbox, order.order_id, order.pending_until)
        view = seller_view(seller, False)
    return jsonify(view)


@blueprint.post("/reset")
def reset() -> Response:
    """Regenerates the world from the seed (authorizations, feeds and notifications are forgotten)."""
    sandbox_of_app().reset()
    return jsonify({"reset": True})


def _order_spec(seller: Seller, body: dict[str, Any]) -> OrderSpec:
    marketplace_id = body.get("marketplaceId") or seller.marketplace_ids[0]
    skus = tuple(body.get("skus") or ())
    if marketplace_id not in seller.marketplace_ids or any(s not in seller.listings for s in skus):
        raise SteeringError("unknown marketplaceId or SKU for this seller")
    if body.get("status", UNSHIPPED) not in STEERABLE_STATUSES:
        raise SteeringError(f"status must be one of {STEERABLE_STATUSES}")
    return OrderSpec(
        marketplace_id=marketplace_id,
        fulfilled_by=body.get("fulfilledBy", "MERCHANT"),
        status=body.get("status", UNSHIPPED),
        prime=bool(body.get("prime", False)),
        business=bool(body.get("business", False)),
        lines=int(body.get("lines", len(skus) or 1)),
        buyer_cancel=bool(body.get("buyerCancel", False)),
        skus=skus,
    )
