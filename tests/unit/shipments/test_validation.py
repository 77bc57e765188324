"""validate_shipment: every check a package passes before it is recorded and sent, against the stored order."""

from datetime import datetime, timedelta

import pytest

from shared.models.orders import ImportedOrder
from shared.models.shipments import PackageLine, PackageRecord, PackageState, ShipmentCreated, package_reference_id
from shared.repositories.shipments import OrderShipments, StoredPackage
from shared.shipments.validation import Refusal, Unchanged, validate_shipment
from tests.unit.shipments.world import CID, NOW, ORDER_ID, T0, UK, coerce, line, shipment, stored_order

A, B = "11111111111111", "22222222222222"


def packages(*records: PackageRecord, cancellation: str | None = None) -> OrderShipments:
    """What the shipments table holds for the order."""
    return OrderShipments(
        connection_id=CID,
        order_id=ORDER_ID,
        version=len(records),
        ids={r.package_reference_id: r.reference for r in records},
        packages={r.reference: StoredPackage(r, 1) for r in records},
        cancellation_state=cancellation,
    )


def package(reference: str, lines: dict[str, int], state: PackageState = PackageState.SENT) -> PackageRecord:
    """A stored package of the order."""
    record = PackageRecord(
        connection_id=CID,
        order_id=ORDER_ID,
        reference=reference,
        package_reference_id=package_reference_id(ORDER_ID, reference),
        marketplace_id=UK,
        carrier_given="Royal Mail",
        carrier_code="Royal Mail",
        tracking_number=f"TRK-{reference}",
        ship_date=T0 + timedelta(hours=1),
        lines=tuple(PackageLine(order_item_id=k, quantity=v) for k, v in lines.items()),
        state=state,
        created_at=T0,
        updated_at=T0,
    )
    return record.model_copy(update={"content": record.fingerprint()})


def check(
    event: ShipmentCreated | None = None,
    order: ImportedOrder | None = None,
    existing: OrderShipments | None = None,
    now: datetime = NOW,
) -> PackageRecord | Unchanged | Refusal:
    """validate_shipment with the defaults: the two-line order, nothing stored yet."""
    return validate_shipment(
        event or shipment(), stored_order() if order is None else order, existing or packages(), coerce, now=now
    )


def refused(verdict: object) -> str:
    assert isinstance(verdict, Refusal), verdict
    return verdict.reason


def test_no_items_ships_every_unshipped_unit() -> None:
    record = check()

    assert isinstance(record, PackageRecord)
    assert [(x.order_item_id, x.sku, x.quantity) for x in record.lines] == [(A, "SKU-A", 2), (B, "SKU-B", 1)]
    assert record.state is PackageState.PENDING
    assert record.package_reference_id == package_reference_id(ORDER_ID, "PKG-1")
    assert record.content == record.fingerprint()
    assert (record.carrier_code, record.carrier_name, record.marketplace_id) == ("Royal Mail", None, UK)


def test_items_resolve_by_sku_or_order_item_id_and_merge() -> None:
    event = shipment(items=[("SKU-B", 1), ("SKU-A", 1)])
    by_id = shipment(items=[{"orderItemId": A, "quantity": 1}, ("SKU-A", 1)])

    first, second = check(event), check(by_id)

    assert isinstance(first, PackageRecord) and isinstance(second, PackageRecord)
    assert [(x.order_item_id, x.quantity) for x in first.lines] == [(A, 1), (B, 1)]
    assert [(x.order_item_id, x.quantity) for x in second.lines] == [(A, 2)]


def test_unknown_carrier_goes_as_other_with_the_warehouse_name() -> None:
    record = check(shipment(carrier="Bob's Vans"))

    assert isinstance(record, PackageRecord)
    assert (record.carrier_given, record.carrier_code, record.carrier_name) == ("Bob's Vans", "Other", "Bob's Vans")


@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (None, f"order {ORDER_ID} not imported yet"),
        (stored_order(fulfilled_by="AMAZON"), "fulfilled by AMAZON"),
        (stored_order(connection_id="eu-other"), "another connection"),
        (stored_order(status="CANCELLED"), "is cancelled"),
        (stored_order(status="PENDING"), "PENDING and cannot be shipped"),
    ],
)
def test_orders_that_cannot_take_a_package_are_refused(order: ImportedOrder | None, reason: str) -> None:
    verdict = validate_shipment(shipment(), order, packages(), coerce, now=NOW)

    assert reason in refused(verdict)


@pytest.mark.parametrize("state", ["pending", "submitted", "cancelled"])
def test_an_open_cancellation_refuses_the_package(state: str) -> None:
    assert f"cancellation {state}" in refused(check(existing=packages(cancellation=state)))


def test_a_rejected_cancellation_leaves_the_order_shippable() -> None:
    assert isinstance(check(existing=packages(cancellation="rejected")), PackageRecord)


def test_a_sku_not_in_the_order_is_refused() -> None:
    assert refused(check(shipment(items=[("SKU-Z", 1)]))) == f"SKU SKU-Z is not in order {ORDER_ID}"


def test_an_order_item_id_not_in_the_order_is_refused() -> None:
    event = shipment(items=[{"orderItemId": "99", "quantity": 1}])
    assert "order item 99 is not in order" in refused(check(event))


def test_a_sku_on_two_lines_needs_the_order_item_id() -> None:
    order = stored_order([line(A, "SKU-A", 1), line(B, "SKU-A", 1)])

    assert "name the orderItemId" in refused(check(shipment(items=[("SKU-A", 1)]), order))
    by_id = shipment(items=[{"orderItemId": B, "quantity": 1}])
    record = check(by_id, order)
    assert isinstance(record, PackageRecord) and [x.order_item_id for x in record.lines] == [B]


def test_over_shipment_counts_other_packages_that_are_not_rejected() -> None:
    existing = packages(
        package("PKG-0", {A: 1}),
        package("PKG-R", {A: 2}, PackageState.REJECTED),
        package("PKG-P", {B: 1}, PackageState.PENDING),
    )

    assert isinstance(check(shipment(items=[("SKU-A", 1)]), existing=existing), PackageRecord)
    reason = refused(check(shipment(items=[("SKU-A", 2)]), existing=existing))
    assert (
        reason
        == f"over-shipment: SKU SKU-A of order {ORDER_ID} has 2 ordered, 1 shipped in other packages, 2 in this one"
    )
    assert "SKU SKU-B" in refused(check(shipment(items=[("SKU-B", 1)]), existing=existing))


def test_no_items_after_other_packages_ships_what_is_left_or_is_refused() -> None:
    some = check(existing=packages(package("PKG-0", {A: 1})))
    assert isinstance(some, PackageRecord)
    assert [(x.order_item_id, x.quantity) for x in some.lines] == [(A, 1), (B, 1)]

    assert "nothing left to ship" in refused(check(existing=packages(package("PKG-0", {A: 2, B: 1}))))


def test_units_amazon_shows_shipped_beyond_our_packages_count() -> None:
    order = stored_order([line(A, "SKU-A", 2, shipped=2), line(B, "SKU-B", 1)], status="PARTIALLY_SHIPPED")

    assert "2 shipped in other packages" in refused(check(shipment(items=[("SKU-A", 1)]), order))
    # Amazon's 2 shipped are our own sent package: counted once, not twice.
    existing = packages(package("PKG-0", {A: 2}))
    assert "2 shipped in other packages" in refused(check(shipment(items=[("SKU-A", 1)]), order, existing))
    assert isinstance(check(shipment(items=[("SKU-B", 1)]), order, existing), PackageRecord)


def test_an_edit_does_not_count_its_own_units_even_once_amazon_shows_them() -> None:
    order = stored_order([line(A, "SKU-A", 2, shipped=2), line(B, "SKU-B", 1)], status="PARTIALLY_SHIPPED")
    existing = packages(package("PKG-1", {A: 2}))

    edit = check(shipment("PKG-1", items=[("SKU-A", 2)], tracking_number="NEW-TRACKING"), order, existing)

    assert isinstance(edit, PackageRecord)
    assert edit.package_reference_id == existing.packages["PKG-1"].record.package_reference_id
    assert edit.tracking_number == "NEW-TRACKING" and edit.state is PackageState.PENDING
    assert edit.content != existing.packages["PKG-1"].record.content
    assert "over-shipment" in refused(check(shipment("PKG-1", items=[("SKU-A", 3)]), order, existing))


@pytest.mark.parametrize("state", [PackageState.SENT, PackageState.CONFIRMED, PackageState.UNVERIFIED])
def test_a_redelivered_identical_package_at_amazon_is_unchanged(state: PackageState) -> None:
    first = check(shipment(items=[("SKU-A", 2)]))
    assert isinstance(first, PackageRecord)
    at_amazon = first.model_copy(update={"state": state})
    shipped = stored_order([line(A, "SKU-A", 2, shipped=2), line(B, "SKU-B", 1)], status="CANCELLED")

    verdict = check(shipment(items=[("SKU-A", 2)]), shipped, packages(at_amazon), now=NOW + timedelta(days=1))

    assert verdict == Unchanged(at_amazon)


def test_a_redelivery_without_ship_date_keeps_the_first_ship_date() -> None:
    first = check(shipment(ship_date=None), now=NOW)
    assert isinstance(first, PackageRecord) and first.ship_date == NOW
    sent = first.model_copy(update={"state": PackageState.SENT})

    again = check(shipment(ship_date=None), existing=packages(sent), now=NOW + timedelta(minutes=5))

    assert again == Unchanged(sent)


def test_a_pending_or_rejected_package_with_the_same_content_is_validated_again() -> None:
    first = check()
    assert isinstance(first, PackageRecord)
    for state in (PackageState.PENDING, PackageState.REJECTED):
        again = check(existing=packages(first.model_copy(update={"state": state})))
        assert isinstance(again, PackageRecord) and again.content == first.content


def test_ship_dates_in_the_future_or_before_the_purchase_are_refused() -> None:
    assert "in the future" in refused(check(shipment(ship_date=NOW + timedelta(hours=1))))
    assert isinstance(check(shipment(ship_date=NOW + timedelta(minutes=5))), PackageRecord)
    assert "before the purchase" in refused(check(shipment(ship_date=T0 - timedelta(minutes=1))))


def test_a_carrier_coercion_error_is_a_refusal() -> None:
    def failing(name: str) -> object:
        raise ValueError("not a carrier name")

    verdict = validate_shipment(shipment(), stored_order(), packages(), failing, now=NOW)  # type: ignore[arg-type]

    assert refused(verdict) == "carrier 'Royal Mail': not a carrier name"


def test_two_references_never_share_a_package_reference_id() -> None:
    clash = package_reference_id(ORDER_ID, "PKG-1")
    existing = OrderShipments(connection_id=CID, order_id=ORDER_ID, version=1, ids={clash: "OTHER-REF"})

    record = check(existing=existing)

    assert isinstance(record, PackageRecord)
    assert record.package_reference_id == package_reference_id(ORDER_ID, "PKG-1", 1) != clash
