"""At-risk orders (a pure function), outcome event entries, and the declared metric names."""

import json
from datetime import timedelta

from shared.metrics import NAMESPACE
from shared.models.orders import ImportedOrder
from shared.models.shipments import OutcomeType, PackageLine, PackageRecord, PackageState
from shared.repositories.shipments import OrderShipments
from shared.shipments.events import outcome_entry
from shared.shipments.metrics import DECLARED, SYNC_DIMENSION, ShipmentMetric
from shared.shipments.risk import AtRisk, at_risk, sweep, units_unconfirmed
from shared.shipments.validation import validate_shipment
from tests.unit.shipments.world import CID, NOW, ORDER_ID, T0, coerce, line, shipment, stored_order

A, B = "11111111111111", "22222222222222"
MARGIN = timedelta(hours=4)


def package(lines: dict[str, int], state: PackageState) -> PackageRecord:
    record = validate_shipment(shipment(), stored_order(), OrderShipments(CID, ORDER_ID), coerce, now=NOW)
    assert isinstance(record, PackageRecord)
    new_lines = tuple(PackageLine(order_item_id=k, quantity=v) for k, v in lines.items())
    return record.model_copy(update={"lines": new_lines, "state": state})


def test_units_unconfirmed_take_the_larger_of_amazons_shipped_and_our_confirmed() -> None:
    order = stored_order([line(A, "SKU-A", 2, shipped=1), line(B, "SKU-B", 1)])

    assert units_unconfirmed(order, []) == 2
    assert units_unconfirmed(order, [package({A: 2}, PackageState.SENT)]) == 2
    assert units_unconfirmed(order, [package({A: 2}, PackageState.CONFIRMED)]) == 1
    assert units_unconfirmed(order, [package({A: 2, B: 1}, PackageState.CONFIRMED)]) == 0


def test_at_risk_lists_unconfirmed_orders_near_or_past_their_latest_ship_date() -> None:
    soon = stored_order(order_id="026-0000001-0000001", ship_by_latest=NOW + timedelta(hours=3))
    past = stored_order(order_id="026-0000002-0000002", ship_by_latest=NOW - timedelta(hours=1), is_prime=True)
    later = stored_order(order_id="026-0000003-0000003", ship_by_latest=NOW + timedelta(hours=5))
    done = stored_order(order_id="026-0000004-0000004", ship_by_latest=NOW)
    cancelled = stored_order(order_id="026-0000005-0000005", ship_by_latest=NOW, status="CANCELLED")
    no_date = stored_order(order_id="026-0000006-0000006")
    prime_no_date = stored_order(order_id="026-0000007-0000007", is_prime=True)  # due T0 + 1 day: 21 h after NOW
    confirmed = {done.order_id: [package({A: 2, B: 1}, PackageState.CONFIRMED)]}
    partly = {soon.order_id: [package({A: 1}, PackageState.CONFIRMED)]}

    rows = at_risk([soon, past, later, done, cancelled, no_date, prime_no_date], confirmed | partly, NOW, MARGIN)

    assert rows == [
        AtRisk(CID, past.order_id, NOW - timedelta(hours=1), 3, prime=True, overdue=True),
        AtRisk(CID, soon.order_id, NOW + timedelta(hours=3), 2, prime=False, overdue=False),
    ]
    assert [r.order_id for r in at_risk([prime_no_date], {}, T0 + timedelta(hours=21), MARGIN)] == [
        prime_no_date.order_id
    ]


def test_outcome_entries_are_versioned_with_stable_ids() -> None:
    sent = package({A: 2}, PackageState.CONFIRMED)
    entry = outcome_entry(OutcomeType.SHIPMENT_CONFIRMED, "bus", record=sent)
    again = outcome_entry(OutcomeType.SHIPMENT_CONFIRMED, "bus", record=sent.model_copy(update={"updated_at": NOW}))

    detail = json.loads(entry["Detail"])
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (
        "sellersync.shipments",
        "ShipmentConfirmed",
        "bus",
    )
    assert detail["schema_version"] == 1 and detail["event_id"] == json.loads(again["Detail"])["event_id"]
    assert (detail["connection_id"], detail["order_id"], detail["reference"], detail["reason"]) == (
        CID,
        ORDER_ID,
        "PKG-1",
        None,
    )
    assert detail["package"]["package_reference_id"] == sent.package_reference_id
    assert detail["package"]["items"] == [{"order_item_id": A, "sku": None, "quantity": 2}]
    rejected = outcome_entry(OutcomeType.SHIPMENT_REJECTED, "bus", record=sent, reason="InvalidInput: no")
    assert json.loads(rejected["Detail"])["event_id"] != detail["event_id"]


def test_a_refusal_entry_is_built_from_the_request() -> None:
    event = shipment(items=[("SKU-Z", 1)])

    entry = outcome_entry(OutcomeType.SHIPMENT_REJECTED, "bus", event=event, reason="SKU SKU-Z is not in order")

    detail = json.loads(entry["Detail"])
    assert detail["package"] is None and detail["reason"] == "SKU SKU-Z is not in order"
    assert (
        detail["event_id"]
        == json.loads(
            outcome_entry(OutcomeType.SHIPMENT_REJECTED, "bus", event=event, reason="SKU SKU-Z is not in order")[
                "Detail"
            ]
        )["event_id"]
    )
    other = outcome_entry(OutcomeType.SHIPMENT_REJECTED, "bus", event=shipment(items=[("SKU-Y", 1)]), reason="x")
    assert json.loads(other["Detail"])["event_id"] != detail["event_id"]


def test_the_metric_names_are_declared_once_with_the_sync_type_dimension() -> None:
    assert DECLARED["ShipmentsRejected"].dimensions == frozenset({SYNC_DIMENSION})
    assert {key.namespace for key in DECLARED.values()} == {NAMESPACE}
    assert set(DECLARED) == {m.value for m in ShipmentMetric}
    assert {
        "ShipmentsReceived",
        "ShipmentsSent",
        "ShipmentsConfirmed",
        "ShipmentsRefused",
        "ShipmentsUnverified",
        "ShipmentsAtRisk",
        "ShipmentConfirmLatencySeconds",
    } <= set(DECLARED)


def test_the_sweep_reads_open_orders_per_connection_and_only_the_packages_of_those_due() -> None:
    due = stored_order(order_id="026-0000001-0000001", ship_by_latest=NOW + timedelta(hours=1))
    later = stored_order(order_id="026-0000002-0000002", ship_by_latest=NOW + timedelta(days=3))
    queried: list[tuple[str, str | None]] = []
    loaded: list[str] = []

    class Orders:
        def list_for_connection(
            self, connection_id: str, *, limit: int | None = None, status: str | None = None
        ) -> list[ImportedOrder]:
            queried.append((connection_id, status))
            return [due, later] if status == "UNSHIPPED" else []

    class Packages:
        def load(self, connection_id: str, order_id: str) -> OrderShipments:
            loaded.append(order_id)
            return OrderShipments(connection_id, order_id)

    rows = sweep([CID], Orders(), Packages(), NOW)
    assert [(r.order_id, r.units_unconfirmed, r.overdue) for r in rows] == [(due.order_id, 3, False)]
    assert queried == [(CID, "UNSHIPPED"), (CID, "PARTIALLY_SHIPPED")] and loaded == [due.order_id]
