"""Orders: searchOrders parameter rules and pagination, getOrder, confirmShipment."""

from typing import Any

import pytest

from local.sandbox.entities import SHIPPED, UNSHIPPED, Order
from tests.unit.sandbox.sandbox_harness import Harness

SEARCH = "/orders/2026-01-01/orders"
ALL_DATA = "BUYER,RECIPIENT,PROCEEDS,CANCELLATION,FULFILLMENT,PACKAGES"


def search(harness: Harness, token: str, **params: Any) -> Any:
    """searchOrders with createdAfter=2026-02-01 unless given; a None value leaves a parameter out."""
    merged = {"createdAfter": "2026-02-01T00:00:00Z", **params}
    query = "&".join(f"{k}={v}" for k, v in merged.items() if v is not None)
    return harness.call("GET", f"{SEARCH}?{query}", token)


def orders_of(harness: Harness, seller_id: str) -> list[Order]:
    return list(harness.sandbox.state.sellers[seller_id].orders.values())


def test_pages_chain_through_every_order_once(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)

    seen: list[str] = []
    response = search(harness, token, maxResultsPerPage=4, includedData=ALL_DATA)
    while True:
        assert response.status_code == 200
        seen += [o["orderId"] for o in response.json["orders"]]
        next_token = response.json.get("pagination", {}).get("nextToken")
        if next_token is None:
            break
        response = search(harness, token, maxResultsPerPage=4, paginationToken=next_token)

    assert sorted(seen) == sorted(o.order_id for o in orders_of(harness, seller_id))
    assert response.json["createdBefore"] == "2026-03-02T08:58:00Z"


def test_a_pagination_token_needs_the_same_parameters(harness: Harness) -> None:
    token = harness.token(harness.seller("EU"))
    next_token = search(harness, token, maxResultsPerPage=2).json["pagination"]["nextToken"]

    changed = search(harness, token, createdAfter="2026-02-02T00:00:00Z", paginationToken=next_token)
    bigger_page = search(harness, token, maxResultsPerPage=50, paginationToken=next_token)

    assert changed.status_code == 400 and changed.json["errors"][0]["code"] == "InvalidInput"
    assert bigger_page.status_code == 200


def test_a_pagination_token_lives_24_hours(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    refresh_token = harness.refresh_token(seller_id)
    token = harness.lwa(grant_type="refresh_token", refresh_token=refresh_token).json["access_token"]
    next_token = search(harness, token, maxResultsPerPage=2).json["pagination"]["nextToken"]

    harness.advance(24 * 3600 + 1)
    token = harness.lwa(grant_type="refresh_token", refresh_token=refresh_token).json["access_token"]

    assert search(harness, token, maxResultsPerPage=2, paginationToken=next_token).status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"lastUpdatedAfter": "2026-02-01T00:00:00Z"},
        {"createdAfter": None},
        {"lastUpdatedBefore": "2026-03-01T00:00:00Z"},
        {"createdBefore": "2026-03-02T08:59:00Z"},
        {"createdBefore": "2026-01-01T00:00:00Z"},
        {"maxResultsPerPage": 0},
        {"maxResultsPerPage": "ten"},
        {"fulfillmentStatuses": "SHIPPED,LOST"},
        {"includedData": "BUYER,EVERYTHING"},
        {"marketplaceIds": "ATVPDKIKX0DER"},
        {"marketplaceIds": ",".join(["A1F83G8C2ARO7P"] * 51)},
        {"createdAfter": "yesterday"},
    ],
)
def test_invalid_search_parameters_are_400_invalid_input(harness: Harness, params: dict[str, Any]) -> None:
    token = harness.token(harness.seller("EU"))

    response = search(harness, token, **params)

    assert response.status_code == 400
    assert response.json["errors"][0]["code"] == "InvalidInput"
    assert response.headers["x-amzn-RateLimit-Limit"] == "0.0056"


def test_last_updated_before_must_be_two_minutes_old(harness: Harness) -> None:
    token = harness.token(harness.seller("EU"))
    updated = {"createdAfter": None, "lastUpdatedAfter": "2026-02-01T00:00:00Z"}

    too_recent = search(harness, token, **updated, lastUpdatedBefore="2026-03-02T08:59:00Z")
    old_enough = search(harness, token, **updated, lastUpdatedBefore="2026-03-02T08:58:00Z")

    assert too_recent.status_code == 400
    assert old_enough.status_code == 200
    assert old_enough.json["lastUpdatedBefore"] == "2026-03-02T08:58:00Z"


def test_filters_by_fulfillment_channel_and_status(harness: Harness) -> None:
    token = harness.token(harness.seller("EU"))

    response = search(harness, token, fulfilledBy="AMAZON", includedData="FULFILLMENT")

    orders = response.json["orders"]
    assert orders and all(o["fulfillment"]["fulfilledBy"] == "AMAZON" for o in orders)
    unshipped = search(harness, token, fulfillmentStatuses="UNSHIPPED", includedData="FULFILLMENT").json["orders"]
    assert unshipped and all(o["fulfillment"]["fulfillmentStatus"] == UNSHIPPED for o in unshipped)


def test_get_order_and_unknown_order(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = next(o for o in orders_of(harness, seller_id) if any(i.buyer_cancel_reason for i in o.items))

    found = harness.call("GET", f"/orders/2026-01-01/orders/{order.order_id}?includedData=CANCELLATION", token)
    missing = harness.call("GET", "/orders/2026-01-01/orders/202-0000000-0000000", token)

    item = found.json["order"]["orderItems"][0]
    assert item["cancellation"]["cancellationRequest"]["requester"] == "BUYER"
    assert missing.status_code == 404


def confirm(harness: Harness, token: str, order: Order, **detail: Any) -> Any:
    package = {
        "packageReferenceId": "1",
        "carrierCode": "DHL",
        "trackingNumber": "TRACK123",
        "shipDate": "2026-03-02T08:00:00Z",
        "orderItems": [{"orderItemId": i.order_item_id, "quantity": i.quantity} for i in order.items],
        **detail,
    }
    body = {"marketplaceId": order.marketplace_id, "packageDetail": package}
    return harness.call("POST", f"/orders/v0/orders/{order.order_id}/shipmentConfirmation", token, json=body)


def unshipped_mfn(harness: Harness, seller_id: str, lines: int = 1) -> Order:
    return next(
        o for o in orders_of(harness, seller_id) if o.status == UNSHIPPED and o.is_mfn and len(o.items) >= lines
    )


def test_confirm_shipment_ships_the_order_and_is_inspectable(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = unshipped_mfn(harness, seller_id)

    response = confirm(harness, token, order)

    assert (response.status_code, response.data) == (204, b"")
    assert order.status == SHIPPED
    shipments = harness.steer("GET", f"/_sandbox/sellers/{seller_id}/shipments")
    assert shipments[-1]["orderId"] == order.order_id and shipments[-1]["trackingNumber"] == "TRACK123"


def test_partial_shipment_then_the_rest(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = unshipped_mfn(harness, seller_id, lines=2)
    first, *rest = order.items

    confirm(harness, token, order, orderItems=[{"orderItemId": first.order_item_id, "quantity": first.quantity}])
    assert order.status == "PARTIALLY_SHIPPED"
    confirm(
        harness,
        token,
        order,
        packageReferenceId="2",
        orderItems=[{"orderItemId": i.order_item_id, "quantity": i.quantity} for i in rest],
    )
    assert order.status == SHIPPED


@pytest.mark.parametrize(
    ("detail", "fragment"),
    [
        ({"carrierCode": "SEUR"}, "carrierCode"),
        ({"carrierCode": "Other"}, "carrierName"),
        ({"orderItems": [{"orderItemId": "00000000000000", "quantity": 1}]}, "OrderItemId is invalid"),
        ({"orderItems": [{"orderItemId": "X", "quantity": "one"}]}, "quantity"),
        ({"trackingNumber": None}, "trackingNumber"),
    ],
)
def test_invalid_shipment_confirmations_are_rejected(harness: Harness, detail: dict[str, Any], fragment: str) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    order = unshipped_mfn(harness, seller_id)
    if detail.get("trackingNumber", "") is None:
        detail = {"trackingNumber": ""}

    response = confirm(harness, token, order, **detail)

    assert response.status_code == 400, response.json
    assert fragment in response.json["errors"][0]["message"]
    assert order.status == UNSHIPPED


def test_fba_orders_cannot_be_confirmed(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    order = next(o for o in orders_of(harness, seller_id) if not o.is_mfn)

    assert confirm(harness, harness.token(seller_id), order).status_code == 400


def test_unknown_token_is_403_without_rate_limit_header(harness: Harness) -> None:
    response = harness.call("GET", f"{SEARCH}?createdAfter=2026-02-01T00:00:00Z", "Atza|sandbox-unknown")

    assert response.status_code == 403
    assert response.json["errors"][0] == {
        "code": "Unauthorized",
        "message": "Access to requested resource is denied.",
        "details": "",
    }
    assert "x-amzn-RateLimit-Limit" not in response.headers and response.headers["x-amzn-RequestId"]


def test_a_seller_token_works_only_at_its_regional_endpoint(harness: Harness) -> None:
    token = harness.token(harness.seller("EU"))

    assert harness.call("GET", "/eu/sellers/v1/marketplaceParticipations", token).status_code == 200
    assert harness.call("GET", "/na/sellers/v1/marketplaceParticipations", token).status_code == 403
