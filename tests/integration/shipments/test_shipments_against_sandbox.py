"""ShipmentCreated to Amazon and back: process_shipment and verification through the real SP-API client against the
local sandbox (its confirmShipment checks carriers, items and quantities and edits on a repeated packageReferenceId),
with the orders and shipments tables in the embedded AWS."""

import threading
from typing import Any

import pytest

from local.sandbox.inspector import OrderInfo
from shared.models.shipments import PackageRecord, PackageState, ShipmentCreated, ShipmentItem
from shared.repositories.shipments import OrderShipments, ShipmentsRepository
from shared.shipments.confirm import Outcome, OutcomeKind, process_shipment
from shared.shipments.verify import verify_order_packages, verify_package
from shared.spapi.models.shipments import ConfirmShipmentOrderItem, ConfirmShipmentRequest, PackageDetail
from tests.dynamodb import atomic_conditional_writes
from tests.integration.shipments.conftest import UK, Shop

pytestmark = pytest.mark.integration


def package(
    shop: Shop, held: OrderInfo, reference: str, items: list[tuple[int, int]] | None = None, **fields: Any
) -> ShipmentCreated:
    """A ShipmentCreated of the warehouse: items as (line index, quantity) by SKU; none: everything left."""
    values: dict[str, Any] = {
        "connectionId": shop.connection_id,
        "orderId": held.order_id,
        "reference": reference,
        "carrier": "royal mail",
        "trackingNumber": f"RM{reference}GB",
        "items": [{"sku": held.items[i].sku, "quantity": q} for i, q in items or []],
    } | fields
    return ShipmentCreated.model_validate(values)


def sent(outcome: Outcome) -> PackageRecord:
    assert outcome.kind is OutcomeKind.SENT and outcome.record is not None, outcome
    return outcome.record


def test_a_partial_shipment_then_the_rest_in_a_second_package(shop: Shop) -> None:
    held = shop.order()

    first = sent(process_shipment(package(shop, held, "BOX-1", [(0, held.items[0].quantity)]), shop.deps()))
    partial = shop.held(held.order_id)
    second = sent(process_shipment(package(shop, held, "BOX-2"), shop.deps()))

    assert partial.status == "PARTIALLY_SHIPPED"
    done = shop.held(held.order_id)
    assert done.status == "SHIPPED" and all(line.quantity_shipped == line.quantity for line in done.items)
    assert {p["packageReferenceId"] for p in done.packages} == {first.package_reference_id, second.package_reference_id}
    assert [(x.order_item_id, x.quantity) for x in second.lines] == [
        (held.items[1].order_item_id, held.items[1].quantity)
    ]
    assert [s["carrierCode"] for s in shop.log(held.order_id)] == ["Royal Mail", "Royal Mail"]


def test_a_redelivered_identical_message_is_sent_once(shop: Shop) -> None:
    held = shop.order()
    event = package(shop, held, "BOX-1")

    outcomes = [process_shipment(event, shop.deps()) for _ in range(3)]

    assert [o.kind for o in outcomes] == [OutcomeKind.SENT, OutcomeKind.UNCHANGED, OutcomeKind.UNCHANGED]
    assert len(shop.log(held.order_id)) == 1


def test_a_re_sent_reference_edits_the_package_at_amazon(shop: Shop) -> None:
    held = shop.order()
    first = sent(process_shipment(package(shop, held, "BOX-1"), shop.deps()))

    edit = sent(process_shipment(package(shop, held, "BOX-1", trackingNumber="RMFIXEDGB"), shop.deps()))

    assert edit.package_reference_id == first.package_reference_id
    packages = shop.held(held.order_id).packages
    assert [(p["packageReferenceId"], p["trackingNumber"]) for p in packages] == [
        (first.package_reference_id, "RMFIXEDGB")
    ]
    assert len(shop.log(held.order_id)) == 2


def test_an_unknown_carrier_goes_as_other_and_amazon_takes_it(shop: Shop) -> None:
    held = shop.order()

    record = sent(process_shipment(package(shop, held, "BOX-1", carrier="Bob's Vans"), shop.deps()))

    [logged] = shop.log(held.order_id)
    assert (record.carrier_code, logged["carrierCode"], logged["carrierName"]) == ("Other", "Other", "Bob's Vans")


def test_refusals_send_nothing(shop: Shop) -> None:
    held = shop.order()
    over = [(0, held.items[0].quantity + 1)]
    unknown_sku = package(shop, held, "BOX-1").model_copy(update={"items": [ShipmentItem(sku="NOT-A-SKU", quantity=1)]})

    outcomes = [
        process_shipment(unknown_sku, shop.deps()),
        process_shipment(package(shop, held, "BOX-2", over), shop.deps()),
        process_shipment(package(shop, held, "BOX-3", orderId="026-0000000-0000000"), shop.deps()),
    ]

    assert [o.kind for o in outcomes] == [OutcomeKind.REFUSED] * 3
    assert [o.reason for o in outcomes] == [
        f"SKU NOT-A-SKU is not in order {held.order_id}",
        f"over-shipment: SKU {held.items[0].sku} of order {held.order_id} has {held.items[0].quantity} ordered, "
        f"0 shipped in other packages, {held.items[0].quantity + 1} in this one",
        "order 026-0000000-0000000 not imported yet",
    ]
    assert shop.log(held.order_id) == [] and shop.shipments.load(shop.connection_id, held.order_id).packages == {}


def test_a_cancelled_order_is_refused(shop: Shop) -> None:
    held = shop.order()
    shop.inspector.update_order(held.order_id, status="CANCELLED")
    shop.import_order(held.order_id)

    outcome = process_shipment(package(shop, held, "BOX-1"), shop.deps())

    assert (outcome.kind, outcome.reason) == (OutcomeKind.REFUSED, f"order {held.order_id} is cancelled")
    assert shop.log(held.order_id) == []


def test_amazons_4xx_is_recorded_as_rejected_with_its_message_and_request_id(shop: Shop) -> None:
    held = shop.order()
    # Shipped in Seller Central meanwhile (another packageReferenceId): our stored order does not know yet, and
    # Amazon refuses the quantities.
    items = [ConfirmShipmentOrderItem(order_item_id=x.order_item_id, quantity=x.quantity) for x in held.items]
    detail = PackageDetail(
        package_reference_id="1", carrier_code="UPS", tracking_number="1Z999", ship_date=shop.now(), order_items=items
    )
    shop.client.confirm_shipment(held.order_id, ConfirmShipmentRequest(marketplace_id=UK, package_detail=detail))

    outcome = process_shipment(package(shop, held, "BOX-1"), shop.deps())

    assert outcome.kind is OutcomeKind.REJECTED and outcome.record is not None
    # A new packageReferenceId on an order Amazon holds as fully shipped (selling-partner-api-models #5037).
    assert outcome.reason == (
        "PackageToUpdateNotFound: Failed to create package due to not finding a matching package or order already "
        "fulfilled"
    )
    stored = shop.shipments.load(shop.connection_id, held.order_id).package("BOX-1")
    assert stored is not None and stored.state is PackageState.REJECTED
    assert stored.request_id and len(stored.request_id) == 36
    assert [s["packageReferenceId"] for s in shop.log(held.order_id)] == ["1"]


@pytest.mark.parametrize("faults", [{"throttle_share": 0.5}, {"error_share": 0.5}])
def test_429_and_500_storms_are_retried_and_each_package_lands_once(shop: Shop, faults: dict[str, float]) -> None:
    orders = [shop.order() for _ in range(3)]
    shop.inspector.set_faults(**faults)

    outcomes = [process_shipment(package(shop, held, "BOX-1"), shop.deps()) for held in orders]
    shop.inspector.set_faults(throttle_share=0, error_share=0)

    assert [o.kind for o in outcomes] == [OutcomeKind.SENT] * 3
    assert all(len(shop.log(held.order_id)) == 1 for held in orders)
    assert all(shop.held(held.order_id).status == "SHIPPED" for held in orders)


class CrashAfterCall:
    """The shipments table, except that recording Amazon's answer fails once: the process died after the call."""

    def __init__(self, repo: ShipmentsRepository) -> None:
        self.repo = repo
        self.crashed = False

    def load(self, connection_id: str, order_id: str) -> OrderShipments:
        return self.repo.load(connection_id, order_id)

    def record_package(self, record: PackageRecord, existing: OrderShipments) -> OrderShipments:
        return self.repo.record_package(record, existing)

    def transition(self, current: PackageRecord, updated: PackageRecord) -> bool:
        if not self.crashed:
            self.crashed = True
            raise TimeoutError("Task timed out after 30.00 seconds")
        return self.repo.transition(current, updated)


def test_a_crash_between_confirm_shipment_and_recording_it_leaves_one_package(shop: Shop) -> None:
    held = shop.order()
    store = CrashAfterCall(shop.shipments)

    with pytest.raises(TimeoutError):
        process_shipment(package(shop, held, "BOX-1"), shop.deps(store=store))
    redelivered = sent(process_shipment(package(shop, held, "BOX-1"), shop.deps(store=store)))

    log = shop.log(held.order_id)
    assert [s["packageReferenceId"] for s in log] == [redelivered.package_reference_id] * 2
    assert len(shop.held(held.order_id).packages) == 1
    assert shop.held(held.order_id).status == "SHIPPED"


class BothReadFirst:
    """The shipments table, where two deliveries each read the order before either writes (a real race)."""

    def __init__(self, repo: ShipmentsRepository) -> None:
        self.repo = repo
        self.barrier = threading.Barrier(2, timeout=30)
        self.loads = 0
        self.lock = threading.Lock()

    def load(self, connection_id: str, order_id: str) -> OrderShipments:
        found = self.repo.load(connection_id, order_id)
        with self.lock:
            self.loads += 1
            first_round = self.loads <= 2
        if first_round:
            self.barrier.wait()
        return found

    def record_package(self, record: PackageRecord, existing: OrderShipments) -> OrderShipments:
        return self.repo.record_package(record, existing)

    def transition(self, current: PackageRecord, updated: PackageRecord) -> bool:
        return self.repo.transition(current, updated)


def test_two_packages_racing_for_the_last_units_one_wins(shop: Shop) -> None:
    held = shop.order()
    store = BothReadFirst(shop.shipments)
    outcomes: dict[str, Outcome] = {}

    def deliver(reference: str) -> None:
        outcomes[reference] = process_shipment(package(shop, held, reference), shop.deps(store=store))

    threads = [threading.Thread(target=deliver, args=(ref,)) for ref in ("BOX-A", "BOX-B")]
    # moto checks a transaction's conditions without a lock; DynamoDB's are atomic (tests/dynamodb.py).
    with atomic_conditional_writes("transact_write_items"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    kinds = sorted(o.kind.value for o in outcomes.values())
    assert kinds == ["refused", "sent"]
    assert store.loads == 3  # the loser's transaction failed on the version and it read the order again
    loser = next(o for o in outcomes.values() if o.kind is OutcomeKind.REFUSED)
    assert loser.reason == f"order {held.order_id} has nothing left to ship"
    assert len(shop.log(held.order_id)) == 1 and len(shop.held(held.order_id).packages) == 1
    assert len(shop.shipments.load(shop.connection_id, held.order_id).packages) == 1


def test_verification_from_the_next_order_version_or_one_get_order(shop: Shop) -> None:
    first_order, second_order = shop.order(), shop.order()
    first = sent(process_shipment(package(shop, first_order, "BOX-1"), shop.deps()))
    second = sent(process_shipment(package(shop, second_order, "BOX-1"), shop.deps()))

    # The import sees the shipped quantities of the first order: its package is confirmed without an Amazon call.
    confirmed = verify_order_packages(shop.import_order(first_order.order_id), shop.shipments, shop.now)
    # The second is checked with one getOrder (PACKAGES), its stored order still unshipped.
    verified = verify_package(second, shop.stored(second_order.order_id), shop.shipments, shop.client, shop.now)

    assert [r.package_reference_id for r in confirmed] == [first.package_reference_id]
    assert verified.state is PackageState.CONFIRMED
    for held in (first_order, second_order):
        record = shop.shipments.load(shop.connection_id, held.order_id).package("BOX-1")
        assert record is not None and record.state is PackageState.CONFIRMED
