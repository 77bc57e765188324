"""Inspection API under /_sandbox (JSON): read what Amazon holds (sellers, listings, orders, shipments, feeds,
acknowledgements, notifications, clock, faults)."""

from typing import Any

from flask import Blueprint, Response, jsonify, request

from local.sandbox.clock import iso
from local.sandbox.entities import Seller
from local.sandbox.lwa import sandbox_of_app
from local.sandbox.views import acknowledgement_view, delivery_view, feed_view, listing_rows, order_view, seller_view

blueprint = Blueprint("inspection", __name__, url_prefix="/_sandbox")


class SteeringError(Exception):
    """A steering request that cannot be applied (answered 400 or 404)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@blueprint.errorhandler(SteeringError)
def _steering_error(err: SteeringError) -> tuple[Response, int]:
    return jsonify({"error": str(err)}), err.status


@blueprint.get("/clock")
def clock() -> Response:
    """Sandbox time and scale."""
    sandbox = sandbox_of_app()
    return jsonify({"now": iso(sandbox.now()), "timeScale": sandbox.clock.time_scale})


@blueprint.get("/sellers")
def sellers() -> Response:
    """Every seller, with whether it has a live authorization."""
    sandbox = sandbox_of_app()
    now = sandbox.now()
    with sandbox.state.lock:
        live = {a.selling_partner_id for a in sandbox.state.authorizations.values() if not a.revoked(now)}
        return jsonify([seller_view(s, s.selling_partner_id in live) for s in sandbox.state.sellers.values()])


@blueprint.get("/sellers/<seller_id>/listings")
def listings(seller_id: str) -> Response:
    """Quantity, price, floor and handling time per marketplace and SKU."""
    sandbox = sandbox_of_app()
    with sandbox.state.lock:
        seller = seller_or_404(seller_id)
        marketplace_id = request.args.get("marketplaceId")
        return jsonify([row for item in seller.listings.values() for row in listing_rows(item, marketplace_id)])


@blueprint.get("/sellers/<seller_id>/orders")
def orders(seller_id: str) -> Response:
    """A seller's orders, oldest first."""
    sandbox = sandbox_of_app()
    with sandbox.state.lock:
        seller = seller_or_404(seller_id)
        return jsonify([order_view(o) for o in sorted(seller.orders.values(), key=lambda o: o.created)])


@blueprint.get("/orders/<order_id>")
def order(order_id: str) -> Response:
    """One order as Amazon holds it: status, shipped quantities, packages, cancellation."""
    sandbox = sandbox_of_app()
    with sandbox.state.lock:
        found = sandbox.state.find_order(order_id)
        if found is None:
            raise SteeringError(f"no order {order_id}", 404)
        return jsonify(order_view(found))


@blueprint.get("/sellers/<seller_id>/shipments")
def shipments(seller_id: str) -> Response:
    """Every confirmShipment the seller's orders received, in call order."""
    sandbox = sandbox_of_app()
    with sandbox.state.lock:
        seller_or_404(seller_id)
        return jsonify([s for s in sandbox.state.shipment_log if s["sellerId"] == seller_id])


@blueprint.get("/sellers/<seller_id>/feeds")
def feeds(seller_id: str) -> Response:
    """The seller's feeds and their processing summaries."""
    sandbox = sandbox_of_app()
    with sandbox.state.lock:
        seller_or_404(seller_id)
        return jsonify([feed_view(f) for f in sandbox.state.feeds.values() if f.seller_id == seller_id])


@blueprint.get("/sellers/<seller_id>/reports")
def reports(seller_id: str) -> Response:
    """The seller's reports: ID, type, status and the steered outcome, in request order."""
    sandbox = sandbox_of_app()
    with sandbox.state.lock:
        seller_or_404(seller_id)
        found = [r for r in sandbox.state.reports.values() if r.seller_id == seller_id]
        return jsonify(
            [
                {"reportId": r.report_id, "reportType": r.report_type, "status": r.status, "outcome": r.outcome}
                for r in sorted(found, key=lambda r: (r.created, r.report_id))
            ]
        )


@blueprint.get("/sellers/<seller_id>/acknowledgements")
def acknowledgements(seller_id: str) -> Response:
    """Order acknowledgements (and cancellations) received through order feeds."""
    sandbox = sandbox_of_app()
    with sandbox.state.lock:
        seller_or_404(seller_id)
        return jsonify([acknowledgement_view(a) for a in sandbox.state.acknowledgements if a.seller_id == seller_id])


@blueprint.get("/faults/storms")
def storms() -> Response:
    """The storms set, each with the calls it has left."""
    faults = sandbox_of_app().faults
    left = faults.storms_left()
    return jsonify([storm.model_dump() | {"left": n} for storm, n in zip(faults.config.storms, left, strict=True)])


@blueprint.get("/notifications")
def notifications() -> Response:
    """Notification deliveries (pending, delivered, failed), optionally of one seller."""
    sandbox = sandbox_of_app()
    seller_id = request.args.get("sellerId")
    with sandbox.state.lock:
        found = [d for d in sandbox.state.deliveries if seller_id is None or d.seller_id == seller_id]
        return jsonify([delivery_view(d) for d in found])


@blueprint.get("/faults")
def faults() -> Response:
    """The current fault shares."""
    return jsonify(sandbox_of_app().faults.config.model_dump())


def seller_or_404(seller_id: str) -> Seller:
    """The seller with this ID, or a 404 steering error."""
    seller = sandbox_of_app().state.seller(seller_id)
    if seller is None:
        raise SteeringError(f"no seller {seller_id}", 404)
    return seller


def json_body() -> dict[str, Any]:
    """The request's JSON object (empty when there is none)."""
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise SteeringError("expected a JSON object")
    return body
