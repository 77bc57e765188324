"""An imported order: what the orders table stores and what the order events carry, built from Amazon's v2026 order.

`ImportedOrder` is our own, stable shape (snake_case, ISO dates, decimal strings for money), independent of Amazon's
wire model, so that downstream consumers of the bus never see Amazon's renames. Its version is Amazon's
`lastUpdatedTime`: an order is only ever replaced by a strictly newer version of itself.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer

from shared.spapi.models.base import Money as AmazonMoney
from shared.spapi.models.orders import CustomerAddress, Order, OrderItem

# Decimal amounts travel as strings ("12.50"): exact, and JSON consumers never see a binary float.
Amount = Annotated[Decimal, PlainSerializer(lambda value: str(value), return_type=str, when_used="json")]

PRIME, PREMIUM, BUSINESS = "PRIME", "PREMIUM", "AMAZON_BUSINESS"
MERCHANT = "MERCHANT"
CANCELLED = "CANCELLED"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Money(_Frozen):
    """An amount and its ISO 4217 currency."""

    amount: Amount
    currency: str


class OrderLine(_Frozen):
    """One item of an order."""

    order_item_id: str
    sku: str | None
    asin: str | None
    title: str | None = None
    quantity_ordered: int
    quantity_shipped: int = 0
    quantity_unshipped: int
    unit_price: Money | None = None
    # A cancellation the buyer (or Amazon) asked for, and one that happened.
    cancellation_requested: bool = False
    cancellation_reason: str | None = None
    cancelled_by: str | None = None


class ShippingAddress(_Frozen):
    """Where the order goes; present only when the app holds the Direct-to-Consumer Delivery role."""

    name: str | None = None
    company_name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    address_line3: str | None = None
    city: str | None = None
    district_or_county: str | None = None
    state_or_region: str | None = None
    postal_code: str | None = None
    country_code: str | None = None
    phone: str | None = None
    address_type: str | None = None


class ImportedOrder(_Frozen):
    """One version of an Amazon order, as stored and published (detail schema version 1, README "Order events")."""

    order_id: str
    connection_id: str
    marketplace_id: str
    status: str
    fulfilled_by: str | None
    purchase_date: AwareDatetime
    last_updated: AwareDatetime
    ship_by_earliest: AwareDatetime | None = None
    ship_by_latest: AwareDatetime | None = None
    deliver_by_earliest: AwareDatetime | None = None
    deliver_by_latest: AwareDatetime | None = None
    is_prime: bool = False
    is_seller_fulfilled_prime: bool = False
    is_business: bool = False
    is_premium: bool = False
    # Amazon's shipping service level (e.g. "Standard", "Expedited") and the merchant's method it maps to.
    shipping_service_level: str | None = None
    shipping_method: str | None = None
    order_total: Money | None = None
    recipient: ShippingAddress | None = None
    items: list[OrderLine] = Field(default_factory=list)

    @property
    def buyer_cancellation_requested(self) -> bool:
        """Whether any item carries an open cancellation request."""
        return any(line.cancellation_requested and not line.cancelled_by for line in self.items)

    def requested_cancellations(self) -> set[str]:
        """Ids of the items with a cancellation request."""
        return {line.order_item_id for line in self.items if line.cancellation_requested}


# How far an order has come; an order never moves back. Shipped, cancelled and unfulfillable are all final.
STATUS_RANK = {
    "PENDING_AVAILABILITY": 0,
    "PENDING": 1,
    "UNSHIPPED": 2,
    "PARTIALLY_SHIPPED": 3,
    "SHIPPED": 4,
    "CANCELLED": 4,
    "UNFULFILLABLE": 4,
}


def progress(order: ImportedOrder) -> tuple[int, int, int]:
    """Status rank, units shipped, items with a cancellation request: each only ever grows."""
    shipped = sum(line.quantity_shipped for line in order.items)
    return STATUS_RANK.get(order.status, 0), shipped, len(order.requested_cancellations())


def is_newer(candidate: ImportedOrder, stored: ImportedOrder) -> bool:
    """Whether `candidate` is a later version than `stored`.

    Amazon's lastUpdatedTime decides. Two versions within the same second of lastUpdatedTime (Amazon's precision)
    are ordered by their progress, so a second change in the same second is not mistaken for a replay.
    """
    if candidate.last_updated != stored.last_updated:
        return candidate.last_updated > stored.last_updated
    return progress(candidate) > progress(stored)


def utc(moment: datetime | None) -> datetime | None:
    """A timestamp in UTC; Amazon's naive timestamps are UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _money(value: AmazonMoney | None) -> Money | None:
    return None if value is None else Money(amount=value.amount, currency=value.currency_code)


def _line(item: OrderItem) -> OrderLine:
    product = item.product
    shipped = item.fulfillment.quantity_fulfilled if item.fulfillment else None
    unshipped = item.fulfillment.quantity_unfulfilled if item.fulfillment else None
    cancellation = item.cancellation
    request = cancellation.cancellation_request if cancellation else None
    execution = cancellation.cancellation_execution if cancellation else None
    return OrderLine(
        order_item_id=item.order_item_id,
        sku=product.seller_sku,
        asin=product.asin,
        title=product.title,
        quantity_ordered=item.quantity_ordered,
        quantity_shipped=shipped or 0,
        quantity_unshipped=unshipped if unshipped is not None else item.quantity_ordered - (shipped or 0),
        unit_price=_money(product.price.unit_price if product.price else None),
        cancellation_requested=request is not None,
        cancellation_reason=(request.cancel_reason if request else None)
        or (execution.cancel_reason if execution else None),
        cancelled_by=execution.cancelled_by if execution else None,
    )


def _address(address: CustomerAddress | None) -> ShippingAddress | None:
    if address is None:
        return None
    return ShippingAddress.model_validate(address.model_dump(exclude={"municipality"}))


def mapped_shipping_method(service_level: str | None, method_map: Mapping[str, str]) -> str | None:
    """The merchant's shipping method for Amazon's service level: exact key first, then case-insensitive."""
    if not service_level:
        return None
    if service_level in method_map:
        return method_map[service_level]
    folded = {key.casefold(): value for key, value in method_map.items()}
    return folded.get(service_level.casefold())


def from_amazon(order: Order, connection_id: str, shipping_method_map: Mapping[str, str]) -> ImportedOrder:
    """Our version of Amazon's order (searchOrders or getOrder with FULFILLMENT, RECIPIENT, CANCELLATION, PROCEEDS)."""
    fulfillment = order.fulfillment
    ship_by = fulfillment.ship_by_window if fulfillment else None
    deliver_by = fulfillment.deliver_by_window if fulfillment else None
    fulfilled_by = fulfillment.fulfilled_by if fulfillment else None
    programs = set(order.programs)
    service_level = fulfillment.fulfillment_service_level if fulfillment else None
    purchase, updated = utc(order.created_time), utc(order.last_updated_time)
    assert purchase is not None and updated is not None  # required fields of the model
    return ImportedOrder(
        order_id=order.order_id,
        connection_id=connection_id,
        marketplace_id=order.sales_channel.marketplace_id or "",
        status=fulfillment.fulfillment_status if fulfillment else "UNKNOWN",
        fulfilled_by=fulfilled_by,
        purchase_date=purchase,
        last_updated=updated,
        ship_by_earliest=utc(ship_by.earliest_date_time) if ship_by else None,
        ship_by_latest=utc(ship_by.latest_date_time) if ship_by else None,
        deliver_by_earliest=utc(deliver_by.earliest_date_time) if deliver_by else None,
        deliver_by_latest=utc(deliver_by.latest_date_time) if deliver_by else None,
        is_prime=PRIME in programs,
        is_seller_fulfilled_prime=PRIME in programs and fulfilled_by == MERCHANT,
        is_business=BUSINESS in programs,
        is_premium=PREMIUM in programs,
        shipping_service_level=service_level,
        shipping_method=mapped_shipping_method(service_level, shipping_method_map),
        order_total=_money(order.proceeds.grand_total if order.proceeds else None),
        recipient=_address(order.recipient.delivery_address if order.recipient else None),
        items=[_line(item) for item in order.order_items],
    )


# Fields an order event adds to each of its items (shared/orders/events.py) that the stored order does not have.
EVENT_ONLY_ITEM_FIELDS = ("merchant_sku",)


def order_from_event(order: Any) -> ImportedOrder:
    """The ImportedOrder an order event's `order` carries, without the fields the event adds to its items (a consumer
    of our own events validates strictly, so an added event field must not make it refuse the order)."""
    if isinstance(order, dict) and isinstance(order.get("items"), list):
        items = [
            {k: v for k, v in item.items() if k not in EVENT_ONLY_ITEM_FIELDS} if isinstance(item, dict) else item
            for item in order["items"]
        ]
        order = {**order, "items": items}
    return ImportedOrder.model_validate(order)
