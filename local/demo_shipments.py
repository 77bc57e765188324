"""The demo's shipments step: the warehouse's shipments and a cancellation go back to Amazon through the deployed stack.

Three new unshipped two-line orders arrive at Amazon (their ORDER_CHANGE notifications bring them into the orders
table). Then, as a warehouse system would, the demo puts on the stack's bus:
- order A shipped in two packages: one line with the carrier "Royal Mail 24" (a warehouse spelling: Amazon's code is
  "Royal Mail"), the other with "DHL Express (UK)" (-> "DHL Express");
- order B partly shipped: one line of two, with "ups" (-> "UPS");
- order C cancelled, reason "out of stock" (-> NoInventory).
The deployed functions confirm each package at Amazon (confirmShipment), verify it against the order the import then
sees, and send the cancellation in an order acknowledgement feed. The demo waits for our side (confirmed, cancelled)
and then reads Amazon's side: each order's status and the packages Amazon holds.
"""

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from infra.config import Table
from infra.outputs import Output, table_output_key
from local.amazon import LocalWorld
from local.sandbox.inspector import OrderInfo, SandboxInspector
from shared.clock import utc_now
from shared.models.shipments import ORDER_CANCELLATION_REQUESTED, SHIPMENT_CREATED, CancellationState, PackageState
from shared.repositories.cancellations import CancellationsRepository
from shared.repositories.orders import OrdersRepository
from shared.repositories.shipments import ShipmentsRepository

DEMO_SOURCE = "sellersync.demo"
# (order, reference, line index, carrier as the warehouse names it)
PACKAGES = (("A", "PKG-A1", 0, "Royal Mail 24"), ("A", "PKG-A2", 1, "DHL Express (UK)"), ("B", "PKG-B1", 0, "ups"))
CANCEL_REASON = "out of stock"


@dataclass
class PackageRow:
    """One package: what the warehouse said, what we sent, our state and what Amazon holds."""

    order: str
    reference: str
    carrier_given: str
    carrier_sent: str
    tracking: str
    items: str
    state: str
    amazon_status: str
    at_amazon: bool


@dataclass
class ShipmentsRun:
    """The demo's shipments run."""

    rows: list[PackageRow] = field(default_factory=list)
    cancelled_order: str | None = None
    cancellation: str | None = None
    amazon_cancelled: str | None = None
    confirm_seconds: float | None = None
    cancel_seconds: float | None = None
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Every package confirmed and held by Amazon; the cancelled order cancelled at Amazon."""
        shipped = bool(self.rows) and all(r.state == PackageState.CONFIRMED and r.at_amazon for r in self.rows)
        return self.error is None and shipped and self.amazon_cancelled == "CANCELLED"


def ship_and_cancel(world: LocalWorld, connection_id: str, seller_id: str, wait_seconds: float = 90.0) -> ShipmentsRun:
    """Runs the step (see the module doc)."""
    started = time.monotonic()
    deployed = world.stack.deployed
    aws, outputs = deployed.aws, deployed.outputs
    dynamodb = aws.client("dynamodb")
    inspector = SandboxInspector(world.sandbox.url)
    orders_repo = OrdersRepository(outputs[table_output_key(Table.ORDERS)], dynamodb)
    made = {name: inspector.add_order(seller_id, status="UNSHIPPED", lines=2) for name in "ABC"}
    if not _wait(lambda: all(orders_repo.get(o.order_id) is not None for o in made.values()), wait_seconds):
        return ShipmentsRun(
            error="the new orders did not reach the orders table (ORDER_CHANGE)", seconds=_since(started)
        )
    entries = [
        _shipment_entry(connection_id, made[name], reference, line, carrier)
        for name, reference, line, carrier in PACKAGES
    ]
    entries.append(_cancellation_entry(connection_id, made["C"].order_id))
    bus = outputs[Output.EVENT_BUS_NAME]
    failed = aws.client("events").put_events(Entries=[{**e, "EventBusName": bus} for e in entries])["FailedEntryCount"]
    if failed:
        return ShipmentsRun(error=f"{failed} event(s) refused by the bus", seconds=_since(started))
    sent_at = time.monotonic()
    shipments = ShipmentsRepository(outputs[table_output_key(Table.SHIPMENTS)], dynamodb)
    cancellations = CancellationsRepository(outputs[table_output_key(Table.SHIPMENTS)], dynamodb)

    def confirmed() -> bool:
        return all(
            (p := shipments.load(connection_id, made[name].order_id).package(reference)) is not None
            and p.state is PackageState.CONFIRMED
            for name, reference, _, _ in PACKAGES
        )

    def settled() -> bool:
        record = cancellations.get(connection_id, made["C"].order_id)
        return record is not None and record.state in (CancellationState.CANCELLED, CancellationState.REJECTED)

    confirm_seconds = _since(sent_at) if _wait(confirmed, wait_seconds) else None
    cancel_seconds = _since(sent_at) if _wait(settled, max(0.0, wait_seconds - _since(sent_at))) else None
    amazon = {name: inspector.order(order.order_id) for name, order in made.items()}
    run = ShipmentsRun(
        rows=[
            _row(shipments.load(connection_id, made[n].order_id).package(r), n, amazon[n]) for n, r, _, _ in PACKAGES
        ],
        cancelled_order=made["C"].order_id,
        confirm_seconds=confirm_seconds,
        cancel_seconds=cancel_seconds,
        amazon_cancelled=amazon["C"].status,
    )
    record = cancellations.get(connection_id, made["C"].order_id)
    run.cancellation = None if record is None else f"{record.reason.value}: {record.state.value}"
    run.seconds = _since(started)
    if confirm_seconds is None or cancel_seconds is None:
        run.error = f"not every package was confirmed and the cancellation settled within {wait_seconds} s"
    return run


def _shipment_entry(connection_id: str, order: OrderInfo, reference: str, line: int, carrier: str) -> dict[str, Any]:
    item = order.items[line]
    detail = {
        "connectionId": connection_id,
        "orderId": order.order_id,
        "reference": reference,
        "carrier": carrier,
        "trackingNumber": "TRK" + hashlib.sha256(f"{order.order_id}/{reference}".encode()).hexdigest()[:12].upper(),
        "shipDate": utc_now().isoformat(),
        "items": [{"sku": item.sku, "quantity": item.quantity}],
    }
    return {"Source": DEMO_SOURCE, "DetailType": SHIPMENT_CREATED, "Detail": json.dumps(detail)}


def _cancellation_entry(connection_id: str, order_id: str) -> dict[str, Any]:
    detail = {"connectionId": connection_id, "orderId": order_id, "reason": CANCEL_REASON}
    return {"Source": DEMO_SOURCE, "DetailType": ORDER_CANCELLATION_REQUESTED, "Detail": json.dumps(detail)}


def _row(record: Any, name: str, amazon: OrderInfo) -> PackageRow:
    if record is None:
        return PackageRow(name, "?", "?", "?", "?", "?", "missing", amazon.status, False)
    held = {p.package_reference_id: p for p in amazon.package_infos()}
    at_amazon = held.get(record.package_reference_id)
    sent = record.carrier_code + (f" ({record.carrier_name})" if record.carrier_name else "")
    return PackageRow(
        order=f"{name} {record.order_id}",
        reference=record.reference,
        carrier_given=record.carrier_given,
        carrier_sent=sent,
        tracking=record.tracking_number,
        items=", ".join(f"{line.sku} x{line.quantity}" for line in record.lines),
        state=record.state.value,
        amazon_status=amazon.status,
        at_amazon=at_amazon is not None and at_amazon.carrier_code == record.carrier_code,
    )


def _wait(done: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        if done():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.3)


def _since(started: float) -> float:
    return round(time.monotonic() - started, 1)
