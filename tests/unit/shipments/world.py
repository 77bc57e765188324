"""Test doubles of the shipments tests: stored orders, ShipmentCreated events, carrier coercion, a fake Amazon that
keeps packages by packageReferenceId (re-sending one edits it), a settable clock.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.models.orders import ImportedOrder, OrderLine
from shared.models.shipments import ShipmentCreated
from shared.spapi.errors import SpApiError
from shared.spapi.models.shipments import ConfirmShipmentRequest

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
NOW = T0 + timedelta(hours=3)
CID = "eu-a1seller"
UK = "A1F83G8C2ARO7P"
ORDER_ID = "026-1234567-1234567"
KNOWN_CARRIERS = {"royal mail": "Royal Mail", "ups": "UPS", "dhl": "DHL"}


def line(item_id: str, sku: str | None, ordered: int, shipped: int = 0) -> OrderLine:
    """One order line."""
    return OrderLine(
        order_item_id=item_id,
        sku=sku,
        asin="B0TEST",
        quantity_ordered=ordered,
        quantity_shipped=shipped,
        quantity_unshipped=ordered - shipped,
    )


def stored_order(
    lines: Sequence[OrderLine] = (),
    *,
    order_id: str = ORDER_ID,
    connection_id: str = CID,
    status: str = "UNSHIPPED",
    fulfilled_by: str | None = "MERCHANT",
    **fields: Any,
) -> ImportedOrder:
    """An order as the orders table stores it; default: two lines, 2 x SKU-A and 1 x SKU-B."""
    items = list(lines) or [line("11111111111111", "SKU-A", 2), line("22222222222222", "SKU-B", 1)]
    return ImportedOrder(
        order_id=order_id,
        connection_id=connection_id,
        marketplace_id=UK,
        status=status,
        fulfilled_by=fulfilled_by,
        purchase_date=T0,
        last_updated=T0,
        items=items,
        **fields,
    )


def shipment(
    reference: str = "PKG-1", items: Sequence[tuple[str, int] | dict[str, Any]] = (), **fields: Any
) -> ShipmentCreated:
    """A ShipmentCreated for ORDER_ID; items as (sku, quantity) or as the wire spells them."""
    values: dict[str, Any] = {
        "connection_id": CID,
        "order_id": ORDER_ID,
        "reference": reference,
        "carrier": "Royal Mail",
        "tracking_number": f"TRK-{reference}",
        "ship_date": T0 + timedelta(hours=1),
        "items": [item if isinstance(item, dict) else {"sku": item[0], "quantity": item[1]} for item in items],
    } | fields
    return ShipmentCreated.model_validate(values)


@dataclass(frozen=True)
class Carrier:
    """A carrier coercion result (shape of shared/shipments/carriers.CarrierChoice)."""

    code: str
    name: str | None
    rule: str = "test"


def coerce(name: str) -> Carrier:
    """Test coercion: a few known carriers by folded name, anything else Other with its name."""
    code = KNOWN_CARRIERS.get(name.strip().casefold())
    return Carrier(code, None) if code else Carrier("Other", name)


@dataclass
class FakeAmazon:
    """confirmShipment as Amazon does it for these tests: packages by packageReferenceId, every call logged.

    `fail_with` raises on the next calls (one error per call, popped) before anything is applied.
    """

    calls: list[tuple[str, ConfirmShipmentRequest]] = field(default_factory=list)
    packages: dict[tuple[str, str], ConfirmShipmentRequest] = field(default_factory=dict)
    fail_with: list[SpApiError] = field(default_factory=list)

    def confirm_shipment(self, order_id: str, body: ConfirmShipmentRequest) -> None:
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.calls.append((order_id, body))
        self.packages[(order_id, body.package_detail.package_reference_id)] = body


class Clock:
    """A settable clock."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
