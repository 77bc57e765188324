"""Orders at risk of shipping late: Prime orders or orders with a latest ship date, not fully confirmed, whose latest
ship date is within a margin or already past. An unconfirmed order past that date raises the seller's late-shipment
rate and may be auto-cancelled; `sellersync shipments status --at-risk`, the ShipmentsAtRisk metric and its alarm
read these rows.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from shared.models.orders import ImportedOrder
from shared.models.shipments import PackageRecord, PackageState
from shared.repositories.shipments import OrderShipments

DEFAULT_MARGIN = timedelta(hours=4)
# A Prime order without a ship-by window (rare in v2026) is taken to be due one day after purchase (assumption).
PRIME_WINDOW = timedelta(days=1)
# Statuses in which nothing is left for the merchant to ship.
NOT_SHIPPABLE = frozenset({"CANCELLED", "UNFULFILLABLE", "PENDING", "PENDING_AVAILABILITY"})


@dataclass(frozen=True)
class AtRisk:
    """One order at risk: its latest ship date, the units not confirmed shipped yet, whether it is Prime or overdue."""

    connection_id: str
    order_id: str
    latest_ship_date: datetime
    units_unconfirmed: int
    prime: bool
    overdue: bool


def units_unconfirmed(order: ImportedOrder, packages: Iterable[PackageRecord]) -> int:
    """Units of the order neither shown shipped by Amazon nor in a confirmed package of ours."""
    confirmed: dict[str, int] = {}
    for package in packages:
        if package.state is PackageState.CONFIRMED:
            for line in package.lines:
                confirmed[line.order_item_id] = confirmed.get(line.order_item_id, 0) + line.quantity
    return sum(
        max(0, line.quantity_ordered - max(line.quantity_shipped, confirmed.get(line.order_item_id, 0)))
        for line in order.items
    )


def at_risk(
    orders: Iterable[ImportedOrder],
    packages: Mapping[str, Sequence[PackageRecord]],
    now: datetime,
    margin: timedelta = DEFAULT_MARGIN,
    prime_window: timedelta = PRIME_WINDOW,
) -> list[AtRisk]:
    """The orders at risk, soonest latest ship date first (`packages`: each order's packages by order id): those whose
    latest ship date (for Prime without a window: purchase + `prime_window`) is at most `margin` away or past."""
    rows = []
    for order in orders:
        if order.status in NOT_SHIPPABLE:
            continue
        latest = order.ship_by_latest or (order.purchase_date + prime_window if order.is_prime else None)
        if latest is None or latest - now > margin:
            continue
        left = units_unconfirmed(order, packages.get(order.order_id, ()))
        if left:
            rows.append(AtRisk(order.connection_id, order.order_id, latest, left, order.is_prime, latest < now))
    return sorted(rows, key=lambda row: (row.latest_ship_date, row.order_id))


# The statuses an order still has units to ship in.
OPEN_STATUSES = ("UNSHIPPED", "PARTIALLY_SHIPPED")


class OrdersLister(Protocol):
    """A connection's stored orders of one status (OrdersRepository)."""

    def list_for_connection(
        self, connection_id: str, *, limit: int | None = None, status: str | None = None
    ) -> list[ImportedOrder]: ...  # noqa: D102


class PackagesLoader(Protocol):
    """An order's packages (ShipmentsRepository)."""

    def load(self, connection_id: str, order_id: str) -> OrderShipments: ...  # noqa: D102


def connection_at_risk(
    connection_id: str,
    orders: OrdersLister,
    packages: PackagesLoader,
    now: datetime,
    margin: timedelta = DEFAULT_MARGIN,
) -> list[AtRisk]:
    """The connection's open orders at risk (a Query per open status, then the packages of the orders due soon)."""
    candidates = [
        order
        for status in OPEN_STATUSES
        for order in orders.list_for_connection(connection_id, status=status)
        if (order.ship_by_latest or (order.purchase_date + PRIME_WINDOW if order.is_prime else None)) is not None
    ]
    due = [o for o in candidates if at_risk([o], {}, now, margin)]
    by_order = {o.order_id: [s.record for s in packages.load(connection_id, o.order_id).packages.values()] for o in due}
    return at_risk(due, by_order, now, margin)


def sweep(
    connection_ids: Iterable[str],
    orders: OrdersLister,
    packages: PackagesLoader,
    now: datetime,
    margin: timedelta = DEFAULT_MARGIN,
) -> list[AtRisk]:
    """Every connection's orders at risk (the scheduled sweep behind the ShipmentsAtRisk metric and its alarm)."""
    return [row for cid in connection_ids for row in connection_at_risk(cid, orders, packages, now, margin)]
