"""Orders API v2026-01-01: searchOrders and getOrder."""

from datetime import datetime
from typing import Literal, Self

from pydantic import AwareDatetime, Field, model_validator

from shared.spapi.models.base import Money, SpApiModel

# Values of `includedData` for searchOrders and getOrder (order items are always included).
IncludedOrderData = Literal[
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "TAX",
    "PAYMENT",
    "FULFILLMENT_ORDERS",
]
FulfillmentStatus = Literal[
    "PENDING_AVAILABILITY", "PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED", "CANCELLED", "UNFULFILLABLE"
]


class SearchOrdersQuery(SpApiModel):
    """The filters of searchOrders; a cursor is only valid with the same query, so persist it beside the token."""

    created_after: AwareDatetime | None = None
    created_before: AwareDatetime | None = None
    last_updated_after: AwareDatetime | None = None
    last_updated_before: AwareDatetime | None = None
    marketplace_ids: list[str] = Field(default_factory=list, max_length=50)
    fulfillment_statuses: list[FulfillmentStatus] = Field(default_factory=list)
    fulfilled_by: list[Literal["MERCHANT", "AMAZON"]] = Field(default_factory=list)
    included_data: list[IncludedOrderData] = Field(default_factory=list)
    max_results_per_page: int | None = Field(default=None, ge=1, le=100)

    @model_validator(mode="after")
    def _one_time_family(self) -> Self:
        created = self.created_after is not None or self.created_before is not None
        updated = self.last_updated_after is not None or self.last_updated_before is not None
        if (self.created_after is None) == (self.last_updated_after is None) or (created and updated):
            raise ValueError("give exactly one of created_after or last_updated_after, and no mix of the two families")
        return self


class SalesChannel(SpApiModel):
    """Where the order was placed."""

    channel_name: str
    marketplace_id: str | None = None
    marketplace_name: str | None = None


class Buyer(SpApiModel):
    """Buyer details (restricted roles; empty without them)."""

    buyer_name: str | None = None
    buyer_email: str | None = None
    buyer_company_name: str | None = None
    buyer_purchase_order_number: str | None = None


class CustomerAddress(SpApiModel):
    """The delivery address (needs the Direct-to-Consumer Delivery role)."""

    name: str | None = None
    company_name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    address_line3: str | None = None
    city: str | None = None
    district_or_county: str | None = None
    state_or_region: str | None = None
    municipality: str | None = None
    postal_code: str | None = None
    country_code: str | None = None
    phone: str | None = None
    address_type: str | None = None


class Recipient(SpApiModel):
    """Who receives the order."""

    delivery_address: CustomerAddress | None = None


class DateTimeRange(SpApiModel):
    """A window such as shipByWindow."""

    earliest_date_time: datetime | None = None
    latest_date_time: datetime | None = None


class OrderFulfillment(SpApiModel):
    """Order-level fulfillment state."""

    fulfillment_status: str
    fulfilled_by: str | None = None
    fulfillment_service_level: str | None = None
    ship_by_window: DateTimeRange | None = None
    deliver_by_window: DateTimeRange | None = None


class OrderProceeds(SpApiModel):
    """Order totals."""

    grand_total: Money | None = None


class ItemCondition(SpApiModel):
    """Condition of an ordered item."""

    condition_type: str | None = None
    condition_subtype: str | None = None


class ItemPrice(SpApiModel):
    """Unit price of an ordered item."""

    unit_price: Money | None = None


class ItemProduct(SpApiModel):
    """The product of an order item."""

    asin: str | None = None
    title: str | None = None
    seller_sku: str | None = None
    condition: ItemCondition | None = None
    price: ItemPrice | None = None


class ItemProceeds(SpApiModel):
    """What the item earns."""

    proceeds_total: Money | None = None


class CancellationRequest(SpApiModel):
    """A request to cancel an item (e.g. by the buyer)."""

    requester: str | None = None
    cancel_reason: str | None = None


class CancellationExecution(SpApiModel):
    """A cancellation that happened."""

    cancelled_by: str | None = None
    cancel_reason: str | None = None


class ItemCancellation(SpApiModel):
    """Cancellation state of an item (includedData=CANCELLATION)."""

    cancellation_request: CancellationRequest | None = None
    cancellation_execution: CancellationExecution | None = None


class ItemFulfillment(SpApiModel):
    """How much of an item is shipped."""

    quantity_fulfilled: int | None = None
    quantity_unfulfilled: int | None = None


class OrderItem(SpApiModel):
    """One line of an order."""

    order_item_id: str
    quantity_ordered: int
    product: ItemProduct
    programs: list[str] = []
    proceeds: ItemProceeds | None = None
    cancellation: ItemCancellation | None = None
    fulfillment: ItemFulfillment | None = None


class PackageStatus(SpApiModel):
    """Status of a shipped package."""

    status: str
    detailed_status: str | None = None


class PackageItem(SpApiModel):
    """An item inside a package."""

    order_item_id: str
    quantity: int


class OrderPackage(SpApiModel):
    """A package shipped for the order (includedData=PACKAGES)."""

    package_reference_id: str
    carrier: str | None = None
    tracking_number: str | None = None
    ship_time: datetime | None = None
    shipping_service: str | None = None
    package_status: PackageStatus | None = None
    package_items: list[PackageItem] = []


class Order(SpApiModel):
    """An order as searchOrders and getOrder return it."""

    order_id: str
    created_time: datetime
    last_updated_time: datetime
    sales_channel: SalesChannel
    order_items: list[OrderItem]
    programs: list[str] = []
    buyer: Buyer | None = None
    recipient: Recipient | None = None
    proceeds: OrderProceeds | None = None
    fulfillment: OrderFulfillment | None = None
    packages: list[OrderPackage] = []


class Pagination(SpApiModel):
    """Present on every page but the last."""

    next_token: str | None = None


class SearchOrdersResponse(SpApiModel):
    """One page of searchOrders."""

    orders: list[Order]
    pagination: Pagination | None = None
    created_before: datetime | None = None
    last_updated_before: datetime | None = None

    @property
    def next_token(self) -> str | None:
        """The token of the next page, None on the last page."""
        return self.pagination.next_token if self.pagination else None


class GetOrderResponse(SpApiModel):
    """getOrder's answer."""

    order: Order
