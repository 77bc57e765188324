"""Amazon orders as the wire carries them (searchOrders/getOrder v2026-01-01: camelCase, decimal strings, Z times).

Shaped as local/sandbox/operations/order_render.py renders them with includedData RECIPIENT, FULFILLMENT,
CANCELLATION and PROCEEDS; `imported` is the same order as the order import stores it.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.models.orders import ImportedOrder, from_amazon
from shared.spapi.models.orders import Order, SearchOrdersResponse

T0 = datetime(2026, 11, 24, 10, tzinfo=UTC)
SELLER = "A1SELLERDE"
CID = f"eu-{SELLER.lower()}"
DE = "A1PA6795UKMFR9"
ORDER_ID = "028-1234567-1234567"


def wire_time(moment: datetime) -> str:
    """A timestamp as SP-API writes it: UTC, Z suffix, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def amazon_item(
    item_id: str = "11111111111111",
    sku: str = "SKU-RED-1",
    *,
    quantity: int = 2,
    shipped: int = 0,
    price: str = "12.99",
    request_reason: str | None = None,
    cancelled_by: str | None = None,
    cancel_reason: str = "",
) -> dict[str, Any]:
    """One orderItems entry with FULFILLMENT, PROCEEDS and (when given) CANCELLATION data."""
    item: dict[str, Any] = {
        "orderItemId": item_id,
        "quantityOrdered": quantity,
        "product": {
            "asin": "B0TESTASIN",
            "title": f"Product {sku}",
            "sellerSku": sku,
            "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
            "price": {"unitPrice": {"amount": price, "currencyCode": "EUR"}},
        },
        "proceeds": {"proceedsTotal": {"amount": price, "currencyCode": "EUR"}},
        "fulfillment": {"quantityFulfilled": shipped, "quantityUnfulfilled": quantity - shipped},
    }
    cancellation: dict[str, Any] = {}
    if request_reason is not None:
        cancellation["cancellationRequest"] = {"requester": "BUYER", "cancelReason": request_reason}
    if cancelled_by is not None:
        cancellation["cancellationExecution"] = {"cancelledBy": cancelled_by, "cancelReason": cancel_reason}
    if cancellation:
        item["cancellation"] = cancellation
    return item


def amazon_order(
    order_id: str = ORDER_ID,
    *,
    status: str = "UNSHIPPED",
    updated: datetime = T0,
    created: datetime = T0 - timedelta(hours=1),
    programs: Sequence[str] = (),
    fulfilled_by: str = "MERCHANT",
    service_level: str | None = "STANDARD",
    items: Sequence[dict[str, Any]] | None = None,
    recipient: bool = True,
    total: str | None = "25.98",
) -> dict[str, Any]:
    """An order as searchOrders returns it with includedData RECIPIENT, FULFILLMENT, CANCELLATION and PROCEEDS."""
    fulfillment: dict[str, Any] = {"fulfillmentStatus": status, "fulfilledBy": fulfilled_by}
    if service_level is not None:
        fulfillment["fulfillmentServiceLevel"] = service_level
    fulfillment["shipByWindow"] = {
        "earliestDateTime": wire_time(created + timedelta(days=1)),
        "latestDateTime": wire_time(created + timedelta(days=2)),
    }
    fulfillment["deliverByWindow"] = {
        "earliestDateTime": wire_time(created + timedelta(days=3)),
        "latestDateTime": wire_time(created + timedelta(days=5)),
    }
    body: dict[str, Any] = {
        "orderId": order_id,
        "createdTime": wire_time(created),
        "lastUpdatedTime": wire_time(updated),
        "programs": list(programs),
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": DE, "marketplaceName": "Amazon.de"},
        "orderItems": list(items) if items is not None else [amazon_item()],
        "fulfillment": fulfillment,
    }
    if recipient:
        body["recipient"] = {
            "deliveryAddress": {
                "name": "Erika Mustermann",
                "addressLine1": "Hauptstr. 1",
                "city": "Berlin",
                "municipality": "Mitte",
                "postalCode": "10115",
                "countryCode": "DE",
                "addressType": "RESIDENTIAL",
            }
        }
    if total is not None:
        body["proceeds"] = {"grandTotal": {"amount": total, "currencyCode": "EUR"}}
    return body


def order(**fields: Any) -> Order:
    """`amazon_order` parsed by the SP-API model."""
    return Order.model_validate(amazon_order(**fields))


def imported(shipping_method_map: dict[str, str] | None = None, **fields: Any) -> ImportedOrder:
    """`amazon_order` as the order import stores it."""
    return from_amazon(order(**fields), CID, shipping_method_map or {})


def search_page(orders: Sequence[dict[str, Any]], next_token: str | None = None) -> SearchOrdersResponse:
    """One searchOrders page, parsed from its wire JSON."""
    body: dict[str, Any] = {"orders": list(orders), "lastUpdatedBefore": wire_time(T0)}
    if next_token is not None:
        body["pagination"] = {"nextToken": next_token}
    return SearchOrdersResponse.model_validate(body)
