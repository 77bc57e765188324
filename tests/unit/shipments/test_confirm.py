"""process_shipment and confirm_package against a fake Amazon and the shipments table on moto's DynamoDB."""

from datetime import timedelta
from typing import Any

import pytest

from shared.models.shipments import PackageRecord, PackageState, ShipmentCreated
from shared.repositories.shipments import ConcurrentShipmentError, OrderShipments, ShipmentsRepository, order_pk
from shared.shipments.confirm import MAX_RACES, OutcomeKind, ShipmentDeps, confirmation_request, process_shipment
from shared.spapi.errors import InvalidInputError, NotFoundError, ServerError, ThrottledError, UnauthorizedError
from shared.spapi.models.shipments import ConfirmShipmentRequest
from tests.unit.shipments.world import CID, NOW, ORDER_ID, Clock, FakeAmazon, coerce, shipment, stored_order

A, B = "11111111111111", "22222222222222"


def deps(repo: Any, amazon: FakeAmazon, clock: Clock | None = None, **order_fields: Any) -> ShipmentDeps:
    order = stored_order(**order_fields)
    return ShipmentDeps(
        get_order=lambda order_id: order if order_id == ORDER_ID else None,
        store=repo,
        client=amazon,
        coerce=coerce,
        clock=clock or Clock(),
    )


def wire(body: ConfirmShipmentRequest) -> Any:
    """The JSON body as sent."""
    return body.to_body()


def test_a_package_is_recorded_then_sent_and_amazon_gets_the_right_body(repo: ShipmentsRepository) -> None:
    amazon, clock = FakeAmazon(), Clock()

    outcome = process_shipment(shipment(items=[("SKU-A", 1)], service="Tracked 24"), deps(repo, amazon, clock))

    assert outcome.kind is OutcomeKind.SENT and outcome.record is not None
    stored = repo.load(CID, ORDER_ID).package("PKG-1")
    assert stored == outcome.record
    assert (stored.state, stored.sent_at, stored.attempts) == (PackageState.SENT, clock.now, 1)
    [(order_id, body)] = amazon.calls
    assert order_id == ORDER_ID
    assert wire(body) == {
        "marketplaceId": "A1F83G8C2ARO7P",
        "packageDetail": {
            "packageReferenceId": stored.package_reference_id,
            "carrierCode": "Royal Mail",
            "trackingNumber": "TRK-PKG-1",
            "shipDate": "2026-12-01T10:00:00Z",
            "orderItems": [{"orderItemId": A, "quantity": 1}],
            "shippingMethod": "Tracked 24",
        },
    }
    assert stored.package_reference_id.isdigit() and int(stored.package_reference_id) > 0


def test_carrier_name_goes_only_with_other(repo: ShipmentsRepository) -> None:
    amazon = FakeAmazon()

    process_shipment(shipment(carrier="Bob's Vans"), deps(repo, amazon))

    detail = wire(amazon.calls[0][1])["packageDetail"]
    assert (detail["carrierCode"], detail["carrierName"]) == ("Other", "Bob's Vans")
    record = repo.load(CID, ORDER_ID).package("PKG-1")
    assert record is not None
    assert (
        "carrierName"
        not in wire(confirmation_request(record.model_copy(update={"carrier_code": "UPS"})))["packageDetail"]
    )


def test_a_redelivered_identical_message_sends_nothing(repo: ShipmentsRepository) -> None:
    amazon = FakeAmazon()
    first = process_shipment(shipment(), deps(repo, amazon))

    again = process_shipment(shipment(), deps(repo, amazon, Clock(NOW + timedelta(minutes=2))))

    assert again.kind is OutcomeKind.UNCHANGED and again.record == first.record
    assert len(amazon.calls) == 1


def test_the_same_reference_with_new_content_edits_the_package_at_amazon(repo: ShipmentsRepository) -> None:
    amazon = FakeAmazon()
    first = process_shipment(shipment(items=[("SKU-A", 1)]), deps(repo, amazon))

    edit = process_shipment(shipment(items=[("SKU-A", 2)], tracking_number="TRK-NEW"), deps(repo, amazon))

    assert edit.kind is OutcomeKind.SENT and edit.record is not None and first.record is not None
    assert edit.record.package_reference_id == first.record.package_reference_id
    assert len(amazon.calls) == 2 and len(amazon.packages) == 1
    assert dict(repo.load(CID, ORDER_ID).reserved) == {A: 2}


def test_several_packages_get_distinct_ids_and_then_the_order_is_full(repo: ShipmentsRepository) -> None:
    amazon = FakeAmazon()

    outcomes = [
        process_shipment(shipment("P1", items=[("SKU-A", 1)]), deps(repo, amazon)),
        process_shipment(shipment("P2", items=[("SKU-A", 1)]), deps(repo, amazon)),
        process_shipment(shipment("P3"), deps(repo, amazon)),
        process_shipment(shipment("P4"), deps(repo, amazon)),
    ]

    assert [o.kind for o in outcomes] == [OutcomeKind.SENT] * 3 + [OutcomeKind.REFUSED]
    assert outcomes[3].reason == f"order {ORDER_ID} has nothing left to ship"
    assert len(amazon.packages) == len(amazon.calls) == 3
    p3 = outcomes[2].record
    assert p3 is not None and [(x.order_item_id, x.quantity) for x in p3.lines] == [(B, 1)]


def test_a_refused_request_records_and_sends_nothing(repo: ShipmentsRepository) -> None:
    amazon = FakeAmazon()

    outcome = process_shipment(shipment(items=[("SKU-Z", 1)]), deps(repo, amazon))

    assert (outcome.kind, outcome.reason) == (OutcomeKind.REFUSED, f"SKU SKU-Z is not in order {ORDER_ID}")
    assert amazon.calls == [] and repo.load(CID, ORDER_ID).packages == {}
    assert process_shipment(shipment(), deps(repo, amazon, status="CANCELLED")).kind is OutcomeKind.REFUSED


@pytest.mark.parametrize("error", [InvalidInputError, NotFoundError])
def test_a_4xx_is_final_with_amazons_code_message_and_request_id(repo: ShipmentsRepository, error: type) -> None:
    amazon = FakeAmazon(fail_with=[error(400, "InvalidInput", "Invalid orderItemId.", "req-123", "confirmShipment")])

    outcome = process_shipment(shipment(items=[("SKU-A", 2)]), deps(repo, amazon))

    assert outcome.kind is OutcomeKind.REJECTED and outcome.reason == "InvalidInput: Invalid orderItemId."
    stored = repo.load(CID, ORDER_ID)
    record = stored.package("PKG-1")
    assert record is not None
    assert (record.state, record.message, record.request_id) == (
        PackageState.REJECTED,
        "InvalidInput: Invalid orderItemId.",
        "req-123",
    )
    assert dict(stored.reserved) == {A: 0}
    # The units are free again: another package may take them.
    assert process_shipment(shipment("PKG-2", items=[("SKU-A", 2)]), deps(repo, amazon)).kind is OutcomeKind.SENT


@pytest.mark.parametrize(
    "error",
    [
        ThrottledError(429, "QuotaExceeded", "slow down", "r1", "confirmShipment"),
        ServerError(503, "ServiceUnavailable", "later", "r2", "confirmShipment"),
        UnauthorizedError(403, "Unauthorized", "no role", "r3", "confirmShipment"),
    ],
)
def test_retryable_and_authorization_errors_propagate_and_leave_the_package_pending(
    repo: ShipmentsRepository, error: Exception
) -> None:
    amazon = FakeAmazon(fail_with=[error])  # type: ignore[list-item]

    with pytest.raises(type(error)):
        process_shipment(shipment(), deps(repo, amazon))
    pending = repo.load(CID, ORDER_ID).package("PKG-1")
    assert pending is not None and pending.state is PackageState.PENDING

    retried = process_shipment(shipment(), deps(repo, amazon))

    assert retried.kind is OutcomeKind.SENT and retried.record is not None
    assert [body.package_detail.package_reference_id for _, body in amazon.calls] == [pending.package_reference_id]
    assert retried.record.attempts == 1


class CrashAfterCall:
    """The repository, except that recording Amazon's answer fails once (the process dies after the call)."""

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
            raise RuntimeError("Lambda timed out")
        return self.repo.transition(current, updated)


def test_a_crash_between_the_call_and_recording_it_resends_the_same_package(repo: ShipmentsRepository) -> None:
    amazon, store = FakeAmazon(), CrashAfterCall(repo)

    with pytest.raises(RuntimeError):
        process_shipment(shipment(), deps(store, amazon))
    outcome = process_shipment(shipment(), deps(store, amazon))

    assert outcome.kind is OutcomeKind.SENT
    assert len(amazon.calls) == 2 and len(amazon.packages) == 1
    ids = {body.package_detail.package_reference_id for _, body in amazon.calls}
    record = repo.load(CID, ORDER_ID).package("PKG-1")
    assert record is not None and ids == {record.package_reference_id} and record.state is PackageState.SENT


class RacedBy:
    """The repository, with another package of the same order recorded just before our first write."""

    def __init__(self, repo: ShipmentsRepository, rival: ShipmentCreated, amazon: FakeAmazon) -> None:
        self.repo, self.rival, self.amazon = repo, rival, amazon
        self.raced = False

    def load(self, connection_id: str, order_id: str) -> OrderShipments:
        return self.repo.load(connection_id, order_id)

    def record_package(self, record: PackageRecord, existing: OrderShipments) -> OrderShipments:
        if not self.raced:
            self.raced = True
            assert process_shipment(self.rival, deps(self.repo, self.amazon)).kind is OutcomeKind.SENT
        return self.repo.record_package(record, existing)

    def transition(self, current: PackageRecord, updated: PackageRecord) -> bool:
        return self.repo.transition(current, updated)


def test_two_packages_racing_for_the_last_units_one_wins(repo: ShipmentsRepository) -> None:
    amazon = FakeAmazon()
    store = RacedBy(repo, shipment("RIVAL", items=[("SKU-B", 1)]), amazon)

    outcome = process_shipment(shipment("MINE", items=[("SKU-B", 1)]), deps(store, amazon))

    assert outcome.kind is OutcomeKind.REFUSED and outcome.reason is not None
    assert outcome.reason.startswith("over-shipment: SKU SKU-B")
    assert set(repo.load(CID, ORDER_ID).packages) == {"RIVAL"} and len(amazon.calls) == 1


class AlwaysRaced:
    """A table where every write loses to another writer."""

    def __init__(self, repo: ShipmentsRepository) -> None:
        self.repo = repo
        self.writes = 0

    def load(self, connection_id: str, order_id: str) -> OrderShipments:
        return self.repo.load(connection_id, order_id)

    def record_package(self, record: PackageRecord, existing: OrderShipments) -> OrderShipments:
        self.writes += 1
        raise ConcurrentShipmentError(record.connection_id, record.order_id)

    def transition(self, current: PackageRecord, updated: PackageRecord) -> bool:
        return self.repo.transition(current, updated)


def test_endless_races_give_up_with_the_concurrency_error_and_send_nothing(repo: ShipmentsRepository) -> None:
    amazon, store = FakeAmazon(), AlwaysRaced(repo)

    with pytest.raises(ConcurrentShipmentError):
        process_shipment(shipment(), deps(store, amazon))

    assert store.writes == MAX_RACES and amazon.calls == []


class CancelledMeanwhile:
    """The table, with a cancellation recorded for the order between our read and our write."""

    def __init__(self, repo: ShipmentsRepository, dynamodb: Any, table: str) -> None:
        self.repo, self.dynamodb, self.table = repo, dynamodb, table
        self.cancelled = False

    def load(self, connection_id: str, order_id: str) -> OrderShipments:
        return self.repo.load(connection_id, order_id)

    def record_package(self, record: PackageRecord, existing: OrderShipments) -> OrderShipments:
        if not self.cancelled:
            self.cancelled = True
            key = {"pk": {"S": order_pk(CID, ORDER_ID)}, "sk": {"S": "CANCEL"}, "state": {"S": "pending"}}
            self.dynamodb.put_item(TableName=self.table, Item=key)
        return self.repo.record_package(record, existing)

    def transition(self, current: PackageRecord, updated: PackageRecord) -> bool:
        return self.repo.transition(current, updated)


def test_a_cancellation_recorded_meanwhile_refuses_the_package(
    repo: ShipmentsRepository, dynamodb: Any, table: str
) -> None:
    amazon = FakeAmazon()

    outcome = process_shipment(shipment(), deps(CancelledMeanwhile(repo, dynamodb, table), amazon))

    assert (outcome.kind, outcome.reason) == (OutcomeKind.REFUSED, f"order {ORDER_ID} has a cancellation pending")
    assert amazon.calls == [] and repo.load(CID, ORDER_ID).packages == {}
