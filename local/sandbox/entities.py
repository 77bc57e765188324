"""What a fake seller owns: listings with per-marketplace offers, and orders. Plain dataclasses, no I/O.

Amounts are decimal strings (as SP-API writes money), times are sandbox epoch seconds.
"""

from dataclasses import dataclass, field
from typing import Any

# v2026 FulfillmentStatus values the sandbox moves orders through.
PENDING = "PENDING"
UNSHIPPED = "UNSHIPPED"
PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
SHIPPED = "SHIPPED"
CANCELLED = "CANCELLED"
OPEN_STATUSES = (UNSHIPPED, PARTIALLY_SHIPPED)


@dataclass
class Offer:
    """A listing's terms in one marketplace: price, floor, MFN quantity and handling time."""

    marketplace_id: str
    currency: str
    price: str | None = None
    minimum_price: str | None = None
    quantity: int | None = None
    handling_days: int | None = None


@dataclass
class Listing:
    """One seller SKU; a variation parent has no offer terms of its own."""

    sku: str
    asin: str
    product_type: str
    title: str
    created: float
    updated: float
    fulfillment_channel: str = "DEFAULT"
    condition: str = "new_new"
    parent_sku: str | None = None
    is_parent: bool = False
    variation_theme: str | None = None
    variation_values: dict[str, str] = field(default_factory=dict)
    offers: dict[str, Offer] = field(default_factory=dict)
    extra_attributes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Address:
    """A buyer's delivery address (fake)."""

    name: str
    line1: str
    city: str
    postal_code: str
    country_code: str
    state_or_region: str | None = None
    phone: str | None = None


@dataclass
class OrderItem:
    """One line of an order."""

    order_item_id: str
    sku: str
    asin: str
    title: str
    quantity: int
    unit_price: str
    quantity_shipped: int = 0
    buyer_cancel_reason: str | None = None


@dataclass
class Package:
    """A shipment confirmation (confirmShipment) as Amazon keeps it; re-sending a packageReferenceId edits it."""

    package_reference_id: str
    carrier_code: str
    carrier_name: str | None
    tracking_number: str
    ship_date: str
    shipping_method: str | None
    items: list[tuple[str, int]]
    confirmed_at: float
    marketplace_id: str
    updated_at: float | None = None


@dataclass
class Order:
    """An order in the shape the sandbox needs to render both v2026 orders and ORDER_CHANGE payloads."""

    order_id: str
    seller_id: str
    marketplace_id: str
    created: float
    last_updated: float
    status: str
    fulfilled_by: str
    currency: str
    items: list[OrderItem]
    address: Address
    buyer_name: str
    buyer_email: str
    ship_by: tuple[float, float]
    deliver_by: tuple[float, float]
    programs: list[str] = field(default_factory=list)
    service_level: str = "Standard"
    buyer_company: str | None = None
    packages: list[Package] = field(default_factory=list)
    cancelled_by: str | None = None
    cancel_reason: str | None = None
    pending_until: float | None = None
    merchant_order_id: str | None = None

    @property
    def is_mfn(self) -> bool:
        """Seller-fulfilled (MFN) rather than FBA."""
        return self.fulfilled_by == "MERCHANT"

    def item(self, order_item_id: str) -> OrderItem | None:
        """The line with this ID, if any."""
        return next((i for i in self.items if i.order_item_id == order_item_id), None)

    def package(self, package_reference_id: str) -> Package | None:
        """The package with this packageReferenceId, if any."""
        return next((p for p in self.packages if p.package_reference_id == package_reference_id), None)

    def shipped_quantities(self) -> tuple[int, ...]:
        """Shipped units per line, in line order (what an ORDER_CHANGE reports)."""
        return tuple(item.quantity_shipped for item in self.items)


@dataclass
class Seller:
    """A fake selling partner in one region; authorizations are regional, so one seller is one region here."""

    selling_partner_id: str
    store_name: str
    region: str
    marketplace_ids: list[str]
    listings: dict[str, Listing] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
