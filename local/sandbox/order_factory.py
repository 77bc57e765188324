"""Seeded creation of orders: the initial history of each seller, arrivals over time, and steered orders."""

from dataclasses import dataclass

from local.sandbox.clock import days, iso
from local.sandbox.entities import (
    CANCELLED,
    PENDING,
    SHIPPED,
    UNSHIPPED,
    Address,
    Listing,
    Order,
    OrderItem,
    Package,
    Seller,
)
from local.sandbox.marketplaces import marketplace
from local.sandbox.state import SandboxState

ADDRESSES = {
    "GB": Address("Alex Example", "1 Sandbox Lane", "London", "SW1A 1AA", "GB", None, "+44 20 7946 0000"),
    "DE": Address("Kim Beispiel", "Teststrasse 5", "Berlin", "10115", "DE", None, "+49 30 123456"),
    "FR": Address("Camille Exemple", "5 Rue du Test", "Paris", "75001", "FR", None, "+33 1 23 45 67 89"),
    "IT": Address("Andrea Esempio", "Via di Prova 3", "Roma", "00184", "IT", None, "+39 06 1234567"),
    "ES": Address("Lucia Ejemplo", "Calle Falsa 123", "Madrid", "28013", "ES", None, "+34 91 123 4567"),
    "US": Address("Sam Example", "100 Test Ave N", "Seattle", "98109", "US", "WA", "+1 206-555-0100"),
    "CA": Address("Robin Example", "200 Sample St", "Toronto", "M5V 2T6", "CA", "ON", "+1 416-555-0100"),
}
BUYER_NAMES = ("Alex Example", "Kim Sample", "Sam Test", "Robin Demo", "Jo Placeholder", "Lee Fictional")
CANCEL_REASONS = ("Changed mind", "Found cheaper somewhere else", "Delivery date too late")


@dataclass(frozen=True)
class OrderSpec:
    """What kind of order to create; unset fields are drawn from the seeded RNG."""

    marketplace_id: str | None = None
    fulfilled_by: str = "MERCHANT"
    status: str = UNSHIPPED
    prime: bool = False
    business: bool = False
    lines: int = 1
    buyer_cancel: bool = False
    skus: tuple[str, ...] = ()


# The first orders of each seller cover every case a client must handle; later ones are random.
COVERAGE = (
    OrderSpec(),
    OrderSpec(lines=3),
    OrderSpec(prime=True),
    OrderSpec(business=True),
    OrderSpec(buyer_cancel=True),
    OrderSpec(fulfilled_by="AMAZON", status=SHIPPED),
    OrderSpec(status=SHIPPED, lines=2),
    OrderSpec(marketplace_id="second"),
    OrderSpec(status=CANCELLED),
)


def generate_orders(state: SandboxState, seller: Seller, count: int, now: float, pending_seconds: float) -> None:
    """Gives a seller `count` orders spread over the last three days (the newest still PENDING)."""
    times = sorted(now - days(state.rng.uniform(0.02, 3)) for _ in range(count))
    for index, created in enumerate(times):
        spec = COVERAGE[index] if index < len(COVERAGE) else random_spec(state, None, seller.marketplace_ids)
        if spec.marketplace_id == "second":
            spec = OrderSpec(marketplace_id=seller.marketplace_ids[-1])
        if index == count - 1 and count > len(COVERAGE):
            spec, created = OrderSpec(status=PENDING), now - 300
        create_order(state, seller, spec, created, pending_seconds)


def random_spec(state: SandboxState, status: str | None, marketplace_ids: list[str]) -> OrderSpec:
    """A random mix: mostly MFN, some Prime and business orders, one to three lines, any of the marketplaces."""
    rng = state.rng
    return OrderSpec(
        marketplace_id=rng.choice(marketplace_ids),
        fulfilled_by="AMAZON" if rng.random() < 0.2 else "MERCHANT",
        status=status or rng.choice((UNSHIPPED, UNSHIPPED, SHIPPED)),
        prime=rng.random() < 0.3,
        business=rng.random() < 0.15,
        lines=rng.choice((1, 1, 1, 2, 3)),
    )


def create_order(state: SandboxState, seller: Seller, spec: OrderSpec, created: float, pending_seconds: float) -> Order:
    """Creates an order for a seller from buyable listings and stores it; returns it."""
    rng = state.rng
    marketplace_id = spec.marketplace_id or seller.marketplace_ids[0]
    market = marketplace(marketplace_id)
    afn = spec.fulfilled_by == "AMAZON"
    items = [_item(state, listing, marketplace_id) for listing in _pick_listings(state, seller, spec, afn)]
    ship_start = created + days(rng.choice((0, 1)))
    order = Order(
        order_id=state.ids.order_id(seller.region),
        seller_id=seller.selling_partner_id,
        marketplace_id=marketplace_id,
        created=created,
        last_updated=created,
        status=spec.status,
        fulfilled_by=spec.fulfilled_by,
        currency=market.currency,
        items=items,
        address=ADDRESSES.get(market.country_code, ADDRESSES["US"]),
        buyer_name=rng.choice(BUYER_NAMES),
        buyer_email=f"{state.ids.upper(10).lower()}@marketplace.{market.domain.removeprefix('www.')}",
        ship_by=(ship_start, ship_start + days(1)),
        deliver_by=(ship_start + days(2), ship_start + days(5)),
        programs=[p for p, on in (("PRIME", spec.prime), ("AMAZON_BUSINESS", spec.business)) if on],
        service_level="Expedited" if spec.prime else "Standard",
        buyer_company="Example Trading Ltd" if spec.business else None,
    )
    _apply_status(state, order, spec, pending_seconds)
    seller.orders[order.order_id] = order
    return order


def _pick_listings(state: SandboxState, seller: Seller, spec: OrderSpec, afn: bool) -> list[Listing]:
    if spec.skus:
        return [seller.listings[sku] for sku in spec.skus]
    buyable = [
        listing
        for listing in seller.listings.values()
        if not listing.is_parent and (listing.fulfillment_channel != "DEFAULT") == afn
    ]
    return state.rng.sample(buyable, k=min(max(spec.lines, 1), len(buyable)))


def _item(state: SandboxState, listing: Listing, marketplace_id: str) -> OrderItem:
    offer = listing.offers.get(marketplace_id)
    price = offer.price if offer and offer.price else "10.00"
    return OrderItem(
        order_item_id=state.ids.order_item_id(),
        sku=listing.sku,
        asin=listing.asin,
        title=listing.title,
        quantity=state.rng.choice((1, 1, 1, 2, 3)),
        unit_price=price,
    )


def _apply_status(state: SandboxState, order: Order, spec: OrderSpec, pending_seconds: float) -> None:
    if spec.status == PENDING:
        order.pending_until = order.created + pending_seconds
    elif spec.status == SHIPPED:
        for item in order.items:
            item.quantity_shipped = item.quantity
        order.last_updated = min(order.created + days(1), order.ship_by[1])
        order.packages.append(_package(state, order))
    elif spec.status == CANCELLED:
        order.cancelled_by, order.cancel_reason = "BUYER", "Buyer cancelled before shipment"
        order.last_updated = order.created + 600
    if spec.buyer_cancel:
        order.items[0].buyer_cancel_reason = state.rng.choice(CANCEL_REASONS)
        order.last_updated = order.created + 900


def _package(state: SandboxState, order: Order) -> Package:
    return Package(
        package_reference_id="1",
        carrier_code="DHL" if order.marketplace_id != "ATVPDKIKX0DER" else "UPS",
        carrier_name=None,
        tracking_number="SBX" + state.ids.digits(12),
        ship_date=iso(order.last_updated),
        shipping_method="Standard",
        items=[(item.order_item_id, item.quantity) for item in order.items],
        confirmed_at=order.last_updated,
        marketplace_id=order.marketplace_id,
    )
