"""One validated path for every package (bus event, CSV row group, CLI): checked against the stored order before
anything reaches Amazon.

`validate_shipment` resolves the merchant's items (SKU or order item id) to the order's lines and returns the
PackageRecord to record and send, `Unchanged` when the same package was already sent with the same content (a
redelivery), or a `Refusal` with a reason an operator can act on. Quantities count every package of the order that
is not rejected, except the one being edited (same reference), and any units Amazon shows shipped beyond what our
packages account for (shipped in Seller Central, say).

An item's SKU is the order line's Amazon SKU, or the merchant SKU that feeds it through the connection's SKU map
(docs/catalog.md "SKU mapping"): the Amazon SKU is tried first, the map is read only when no line has that SKU.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from shared.models.orders import CANCELLED, MERCHANT, ImportedOrder, OrderLine
from shared.models.shipments import (
    PackageLine,
    PackageRecord,
    PackageState,
    ShipmentCreated,
    ShipmentItem,
    package_reference_id,
)
from shared.models.sku_map import IDENTITY, SkuMap
from shared.repositories.shipments import OrderShipments, reserved_units

OTHER = "Other"
# How far in the future a ship date may lie (clocks of warehouse systems drift).
SHIP_DATE_SKEW = timedelta(minutes=10)
# Statuses in which Amazon accepts a shipment confirmation.
SHIPPABLE = frozenset({"UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED"})
# A package already at Amazon with this content: sending it again would change nothing.
AT_AMAZON = frozenset({PackageState.SENT, PackageState.CONFIRMED, PackageState.UNVERIFIED})


class CarrierChoice(Protocol):
    """What carrier coercion returns (shared/shipments/carriers.py): Amazon's code, and the name sent with Other."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str | None: ...


@dataclass(frozen=True)
class Refusal:
    """A package we will not send, and why."""

    reason: str


@dataclass(frozen=True)
class Unchanged:
    """The package is at Amazon with exactly this content already: nothing to send."""

    record: PackageRecord


def validate_shipment(
    event: ShipmentCreated,
    order: ImportedOrder | None,
    existing: OrderShipments,
    coerce: Callable[[str], CarrierChoice],
    *,
    now: datetime,
    skew: timedelta = SHIP_DATE_SKEW,
    sku_map: Callable[[], SkuMap] = lambda: IDENTITY,
) -> PackageRecord | Unchanged | Refusal:
    """The package to record (state pending) and send, `Unchanged`, or a `Refusal` (see the module doc); `sku_map`
    gives the connection's SKU map when an item's SKU is on no line."""
    if order is None:
        return Refusal(f"order {event.order_id} not imported yet")
    if order.connection_id != event.connection_id:
        return Refusal(f"order {event.order_id} belongs to another connection")
    if order.fulfilled_by != MERCHANT:
        return Refusal(f"order {event.order_id} is fulfilled by {order.fulfilled_by or 'Amazon'}, not the merchant")
    previous = existing.package(event.reference)
    others = {ref: s.record for ref, s in existing.packages.items() if ref != event.reference}
    taken = _taken(order, others, previous)
    lines = _lines(event.items, order, taken, sku_map)
    if isinstance(lines, Refusal):
        return lines
    try:
        carrier = coerce(event.carrier)
    except ValueError as exc:
        return Refusal(f"carrier {event.carrier!r}: {exc}")
    ship_date = event.ship_date or (previous.ship_date if previous else now)
    record = _record(event, order, existing, lines, carrier, ship_date, now)
    if previous is not None and previous.content == record.content and previous.state in AT_AMAZON:
        return Unchanged(previous)
    refusal = _order_refusal(order, existing) or _quantity_refusal(lines, order, taken)
    if refusal is None and ship_date > now + skew:
        refusal = Refusal(f"ship date {ship_date.isoformat()} is in the future")
    if refusal is None and ship_date < order.purchase_date:
        refusal = Refusal(
            f"ship date {ship_date.isoformat()} is before the purchase ({order.purchase_date.isoformat()})"
        )
    return refusal or record


def _order_refusal(order: ImportedOrder, existing: OrderShipments) -> Refusal | None:
    if order.status == CANCELLED:
        return Refusal(f"order {order.order_id} is cancelled")
    if existing.cancellation_open:
        return Refusal(f"order {order.order_id} has a cancellation {existing.cancellation_state}")
    if order.status not in SHIPPABLE:
        return Refusal(f"order {order.order_id} is {order.status} and cannot be shipped yet")
    return None


def _taken(order: ImportedOrder, others: Mapping[str, PackageRecord], previous: PackageRecord | None) -> dict[str, int]:
    """Units per order item shipped other than by the package being edited.

    Our other packages (not rejected), plus what Amazon shows shipped beyond every package of ours that may have
    reached it (the edited one included, so that its own units are not counted against it).
    """
    ours = reserved_units(others)
    with_previous = reserved_units({**others, **({previous.reference: previous} if previous else {})})
    return {
        line.order_item_id: ours.get(line.order_item_id, 0)
        + max(0, line.quantity_shipped - with_previous.get(line.order_item_id, 0))
        for line in order.items
    }


def _lines(
    items: list[ShipmentItem], order: ImportedOrder, taken: Mapping[str, int], sku_map: Callable[[], SkuMap]
) -> tuple[PackageLine, ...] | Refusal:
    """The package's lines in the order's item order; no items: every unit not shipped yet."""
    if not items:
        remaining = [
            PackageLine(order_item_id=line.order_item_id, sku=line.sku, quantity=left)
            for line in order.items
            if (left := line.quantity_ordered - taken.get(line.order_item_id, 0)) > 0
        ]
        return tuple(remaining) or Refusal(f"order {order.order_id} has nothing left to ship")
    quantities: dict[str, int] = {}
    for item in items:
        line = _resolve(item, order, sku_map)
        if isinstance(line, Refusal):
            return line
        quantities[line.order_item_id] = quantities.get(line.order_item_id, 0) + item.quantity
    by_id = {line.order_item_id: line for line in order.items}
    return tuple(
        PackageLine(order_item_id=item_id, sku=by_id[item_id].sku, quantity=quantity)
        for item_id in by_id
        if (quantity := quantities.get(item_id, 0)) > 0
    )


def _resolve(item: ShipmentItem, order: ImportedOrder, sku_map: Callable[[], SkuMap]) -> OrderLine | Refusal:
    if item.order_item_id is not None:
        found = [line for line in order.items if line.order_item_id == item.order_item_id]
        if not found:
            return Refusal(f"order item {item.order_item_id} is not in order {order.order_id}")
        if item.sku is not None and found[0].sku != item.sku:
            return Refusal(f"order item {item.order_item_id} is SKU {found[0].sku}, not {item.sku}")
        return found[0]
    found = [line for line in order.items if line.sku == item.sku]
    if not found:
        mapped = sku_map()
        found = [line for line in order.items if line.sku is not None and mapped.merchant_of(line.sku) == item.sku]
    if not found:
        return Refusal(f"SKU {item.sku} is not in order {order.order_id}")
    if len(found) > 1:
        return Refusal(f"SKU {item.sku} is on {len(found)} lines of order {order.order_id}: name the orderItemId")
    return found[0]


def _quantity_refusal(lines: tuple[PackageLine, ...], order: ImportedOrder, taken: Mapping[str, int]) -> Refusal | None:
    by_id = {line.order_item_id: line for line in order.items}
    for line in lines:
        ordered = by_id[line.order_item_id].quantity_ordered
        already = taken.get(line.order_item_id, 0)
        if line.quantity > ordered - already:
            name = f"SKU {line.sku}" if line.sku else f"order item {line.order_item_id}"
            return Refusal(
                f"over-shipment: {name} of order {order.order_id} has {ordered} ordered, {already} shipped "
                f"in other packages, {line.quantity} in this one"
            )
    return None


def _record(
    event: ShipmentCreated,
    order: ImportedOrder,
    existing: OrderShipments,
    lines: tuple[PackageLine, ...],
    carrier: CarrierChoice,
    ship_date: datetime,
    now: datetime,
) -> PackageRecord:
    previous = existing.package(event.reference)
    record = PackageRecord(
        connection_id=event.connection_id,
        order_id=event.order_id,
        reference=event.reference,
        package_reference_id=previous.package_reference_id if previous else _new_id(event, existing),
        marketplace_id=order.marketplace_id,
        carrier_given=event.carrier,
        carrier_code=carrier.code,
        carrier_name=(carrier.name or event.carrier) if carrier.code == OTHER else None,
        service=event.service,
        tracking_number=event.tracking_number,
        ship_date=ship_date,
        lines=lines,
        ship_from_supply_source_id=event.ship_from_supply_source_id,
        attempts=previous.attempts if previous else 0,
        created_at=previous.created_at if previous else now,
        updated_at=now,
    )
    return record.model_copy(update={"content": record.fingerprint()})


def _new_id(event: ShipmentCreated, existing: OrderShipments) -> str:
    """The reference's packageReferenceId: the first number no other reference of the order holds."""
    attempt = 0
    while True:
        candidate = package_reference_id(event.order_id, event.reference, attempt)
        if existing.ids.get(candidate, event.reference) == event.reference:
            return candidate
        attempt += 1
