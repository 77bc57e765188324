"""A 204 from confirmShipment is not proof (LISTINGS-SHIPMENTS-CANCELLATIONS.md B2): a sent package is confirmed only
when Amazon's order shows it.

- `verify_order_packages`: a fresh version of an order (the ORDER_CHANGE import or the poll) confirms every sent
  package whose items it shows shipped: per item, Amazon's quantity shipped covers the units of all our packages that
  reached Amazon. No Amazon call.
- `verify_package`: a few minutes after sending, for a package still only sent: the stored order first, then one
  getOrder with includedData PACKAGES; our packageReferenceId there (with our tracking number) confirms it, its absence
  makes it unverified (reported).
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Protocol

from shared.models.orders import ImportedOrder
from shared.models.shipments import PackageRecord, PackageState
from shared.repositories.shipments import OrderShipments
from shared.spapi.models.orders import GetOrderResponse, IncludedOrderData

# Packages Amazon has answered 204 for: what its shipped quantities must cover.
AT_AMAZON = frozenset({PackageState.SENT, PackageState.CONFIRMED, PackageState.UNVERIFIED})
# States a verification may confirm.
CONFIRMABLE = frozenset({PackageState.SENT, PackageState.UNVERIFIED})


class OrderReader(Protocol):
    """The part of SpApiClient verification reads with."""

    def get_order(self, order_id: str, included_data: Sequence[IncludedOrderData] = ()) -> GetOrderResponse:
        """getOrder (v2026)."""
        ...


class PackageMover(Protocol):
    """The parts of ShipmentsRepository verification uses."""

    def load(self, connection_id: str, order_id: str) -> OrderShipments:
        """Everything stored for one order."""
        ...

    def transition(self, current: PackageRecord, updated: PackageRecord) -> bool:
        """Moves a package on if it still is `current`."""
        ...


def covered_packages(order: ImportedOrder, packages: Iterable[PackageRecord]) -> list[PackageRecord]:
    """The packages at Amazon whose every item the order shows shipped in full: Amazon's quantity shipped of each of
    their items is at least the units of all our packages at Amazon for that item."""
    at_amazon = [p for p in packages if p.state in AT_AMAZON]
    ours: dict[str, int] = {}
    for package in at_amazon:
        for line in package.lines:
            ours[line.order_item_id] = ours.get(line.order_item_id, 0) + line.quantity
    shipped = {line.order_item_id: line.quantity_shipped for line in order.items}
    return [p for p in at_amazon if all(shipped.get(x.order_item_id, 0) >= ours[x.order_item_id] for x in p.lines)]


def _confirmed(record: PackageRecord, now: datetime) -> PackageRecord:
    return record.model_copy(update={"state": PackageState.CONFIRMED, "confirmed_at": now, "updated_at": now})


def verify_order_packages(
    order: ImportedOrder, store: PackageMover, clock: Callable[[], datetime]
) -> list[PackageRecord]:
    """Confirms every sent (or unverified) package of the order that this order version shows shipped; returns the
    packages it confirmed."""
    existing = store.load(order.connection_id, order.order_id)
    if not existing.packages:
        return []
    now = clock()
    confirmed = []
    for record in covered_packages(order, (s.record for s in existing.packages.values())):
        if record.state in CONFIRMABLE:
            updated = _confirmed(record, now)
            if store.transition(record, updated):
                confirmed.append(updated)
    return confirmed


def verify_package(
    record: PackageRecord,
    order: ImportedOrder | None,
    store: PackageMover,
    client: OrderReader,
    clock: Callable[[], datetime],
) -> PackageRecord:
    """A sent package, confirmed (from the stored order or one getOrder with PACKAGES) or unverified.

    Packages in any other state are returned as they are. When the conditional update loses (an edit came in), the
    package as read is returned unchanged.
    """
    if record.state is not PackageState.SENT:
        return record
    if order is not None:
        existing = store.load(record.connection_id, record.order_id)
        packages = [s.record for s in existing.packages.values()]
        if any(p.reference == record.reference for p in covered_packages(order, packages)):
            updated = _confirmed(record, clock())
            return updated if store.transition(record, updated) else record
    amazon = client.get_order(record.order_id, ["PACKAGES"]).order
    found = any(
        package.package_reference_id == record.package_reference_id
        and (package.tracking_number is None or package.tracking_number == record.tracking_number)
        for package in amazon.packages
    )
    now = clock()
    if found:
        updated = _confirmed(record, now)
    else:
        message = f"Amazon answered 204 but order {record.order_id} shows no package {record.package_reference_id}"
        updated = record.model_copy(update={"state": PackageState.UNVERIFIED, "message": message, "updated_at": now})
    return updated if store.transition(record, updated) else record


def confirm_latency_seconds(record: PackageRecord) -> float | None:
    """Seconds from recording a package to its confirmation (ShipmentConfirmLatencySeconds), None if not confirmed."""
    if record.confirmed_at is None:
        return None
    return (record.confirmed_at - record.created_at).total_seconds()
