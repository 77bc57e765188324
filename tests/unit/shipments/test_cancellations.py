"""Cancellation requests checked against the stored order: the logic on the real repository against moto's in-process
DynamoDB, next to the packages repository (the feed and the verdicts: test_cancellation_feed.py; against the
sandbox: tests/integration/shipments)."""

from typing import Any

import pytest

from shared.models.orders import ImportedOrder
from shared.models.shipments import (
    CancellationRecord,
    CancellationState,
    CancelReason,
    OrderCancellationRequested,
    PackageRecord,
    PackageState,
)
from shared.repositories.cancellations import CancellationsRepository, OrderPackages, RequestResult
from shared.repositories.shipments import ConcurrentShipmentError, ShipmentsRepository
from shared.shipments.cancellation_metrics import CancellationMetric
from shared.shipments.cancellations import Accepted, ConcurrentChangeError, Refusal, RefusalCode, request_cancellation
from shared.shipments.validation import validate_shipment
from tests.unit.shipments import world
from tests.unit.shipments.cancel_support import CONN, UK, Clock, Metrics, ask, order


@pytest.fixture
def repo(dynamodb: Any, table: str) -> CancellationsRepository:
    """The repository on that table."""
    return CancellationsRepository(table, dynamodb)


def refused(result: Accepted | Refusal) -> RefusalCode:
    assert isinstance(result, Refusal), result
    return result.code


def test_a_valid_request_is_recorded_pending_with_every_item_and_listed_for_the_next_feed(
    repo: CancellationsRepository,
) -> None:
    metrics = Metrics()
    result = request_cancellation(ask(), order(), repo, Clock(), metrics=metrics)

    assert isinstance(result, Accepted) and not result.unchanged
    stored = repo.get(CONN, "111-1111111-1111111")
    assert stored is not None and stored.state == CancellationState.PENDING
    assert stored.reason == CancelReason.NO_INVENTORY and stored.marketplace_id == UK
    assert stored.order_item_ids == ("10000000000000", "10000000000001")
    assert [r.order_id for r in repo.pending(CONN, 10)] == ["111-1111111-1111111"]
    assert metrics.count(CancellationMetric.CANCELLATIONS_REQUESTED) == 1


def test_a_redelivered_request_is_unchanged_and_writes_no_second_cancellation(repo: CancellationsRepository) -> None:
    clock = Clock()
    metrics = Metrics()
    first = request_cancellation(ask(), order(), repo, clock, metrics=metrics)
    clock.advance(30)
    again = request_cancellation(ask(reason="NoInventory"), order(), repo, clock, metrics=metrics)

    assert isinstance(again, Accepted) and again.unchanged
    assert isinstance(first, Accepted) and again.record == first.record
    assert len(repo.pending(CONN, 10)) == 1
    assert repo.get_versioned(CONN, "111-1111111-1111111")[1] == 1
    assert metrics.count(CancellationMetric.CANCELLATIONS_REQUESTED) == 1
    # Another reason for an order already being cancelled is refused, not silently merged.
    assert refused(request_cancellation(ask(reason="GeneralAdjustment"), order(), repo, clock)) == (
        RefusalCode.ALREADY_REQUESTED
    )


@pytest.mark.parametrize(
    ("stored", "asked", "code"),
    [
        (None, {}, RefusalCode.NOT_IMPORTED),
        (order(fulfilled_by="AMAZON"), {}, RefusalCode.NOT_MERCHANT_FULFILLED),
        (order(status="CANCELLED"), {}, RefusalCode.ALREADY_CANCELLED),
        (order(status="SHIPPED"), {}, RefusalCode.SHIPPED),
        (order(status="PARTIALLY_SHIPPED"), {}, RefusalCode.SHIPPED),
        (order(shipped=1), {}, RefusalCode.SHIPPED),
        (order(status="PENDING"), {}, RefusalCode.NOT_CANCELLABLE),
        (order(), {"items": ["10000000000000"]}, RefusalCode.PARTIAL),
        (order(), {"items": ["SKU-0", "SKU-1", "NOPE"]}, RefusalCode.UNKNOWN_ITEMS),
        (order(), {"reason": "BuyerCanceled"}, RefusalCode.BUYER_DID_NOT_ASK),
    ],
    ids=[
        "not-imported",
        "fba",
        "cancelled",
        "shipped",
        "partially-shipped",
        "units-shipped",
        "pending",
        "partial",
        "unknown-item",
        "buyer-did-not-ask",
    ],
)
def test_refusals_name_the_reason_record_nothing_and_say_so_on_the_bus(
    repo: CancellationsRepository, stored: ImportedOrder | None, asked: dict[str, Any], code: RefusalCode
) -> None:
    metrics = Metrics()
    result = request_cancellation(ask(**asked), stored, repo, Clock(), metrics=metrics)

    assert refused(result) == code
    assert repo.get(CONN, "111-1111111-1111111") is None
    assert metrics.count(CancellationMetric.CANCELLATIONS_REFUSED) == 1
    assert isinstance(result, Refusal)
    entry = result.event_entry("bus")
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (
        "sellersync.shipments",
        "OrderCancellationRejected",
        "bus",
    )
    assert result.message in entry["Detail"]


def test_buyer_canceled_without_the_buyers_request_suggests_another_reason(repo: CancellationsRepository) -> None:
    result = request_cancellation(ask(reason="BuyerCanceled"), order(), repo, Clock())
    assert isinstance(result, Refusal)
    assert "count against the seller" in result.message and "NoInventory" in result.message


def test_an_order_of_another_connection_counts_as_not_imported(repo: CancellationsRepository) -> None:
    foreign = order().model_copy(update={"connection_id": "conn-2"})
    assert refused(request_cancellation(ask(), foreign, repo, Clock())) == RefusalCode.NOT_IMPORTED


def test_a_buyer_requested_cancellation_with_buyer_canceled_and_every_item_named_is_accepted(
    repo: CancellationsRepository,
) -> None:
    result = request_cancellation(
        ask(reason="buyer requested", items=["SKU-1", "10000000000000"]), order(buyer_requested=True), repo, Clock()
    )
    assert isinstance(result, Accepted) and result.record.reason == CancelReason.BUYER_CANCELED


def cancel_world_order(**fields: Any) -> OrderCancellationRequested:
    """A cancellation of the shipments tests' order (tests/unit/shipments/world.py)."""
    values = {"connectionId": world.CID, "orderId": world.ORDER_ID, "reason": "NoInventory"} | fields
    return OrderCancellationRequested.model_validate(values)


def validated(packages: ShipmentsRepository, reference: str = "PKG-1") -> PackageRecord:
    """A package of the shipments tests' order, as the packages logic validates it."""
    existing = packages.load(world.CID, world.ORDER_ID)
    record = validate_shipment(
        world.shipment(reference, items=[("SKU-A", 1)]), world.stored_order(), existing, world.coerce, now=world.NOW
    )
    assert isinstance(record, PackageRecord), record
    return record


def record_package(packages: ShipmentsRepository, reference: str = "PKG-1") -> PackageRecord:
    """Records that package with the packages repository (a pending package)."""
    record = validated(packages, reference)
    packages.record_package(record, packages.load(world.CID, world.ORDER_ID))
    return record


def test_an_order_with_a_package_not_rejected_is_refused_and_one_rejected_again_is_not(
    repo: CancellationsRepository, dynamodb: Any, table: str
) -> None:
    packages = ShipmentsRepository(table, dynamodb)
    package = record_package(packages)

    refusal = request_cancellation(cancel_world_order(), world.stored_order(), repo, Clock())
    assert refused(refusal) == RefusalCode.PACKAGE_ACTIVE
    assert repo.get(world.CID, world.ORDER_ID) is None

    # Amazon rejected the package: its units are released, and the order can be cancelled.
    assert packages.transition(package, package.model_copy(update={"state": PackageState.REJECTED}))
    in_flight = validated(packages, "PKG-2")  # a package validated before the cancellation is written
    accepted = request_cancellation(cancel_world_order(), world.stored_order(), repo, Clock())
    assert isinstance(accepted, Accepted)
    # ...after which the packages side refuses a new package: the cancellation is open.
    with pytest.raises(ConcurrentShipmentError):
        packages.record_package(in_flight, packages.load(world.CID, world.ORDER_ID))
    with pytest.raises(AssertionError, match="cancellation pending"):
        validated(packages, "PKG-3")


def test_a_package_recorded_between_our_read_and_our_write_stops_the_write(dynamodb: Any, table: str) -> None:
    packages = ShipmentsRepository(table, dynamodb)

    class Racing(CancellationsRepository):
        """Reads the aggregate, then a package lands before the cancellation is written (the first time only)."""

        raced = False

        def order_packages(self, connection_id: str, order_id: str) -> OrderPackages:
            seen = super().order_packages(connection_id, order_id)
            if not self.raced:
                self.raced = True
                record_package(packages)
            return seen

    racing = Racing(table, dynamodb)

    refusal = request_cancellation(cancel_world_order(), world.stored_order(), racing, Clock())

    assert racing.raced and refused(refusal) == RefusalCode.PACKAGE_ACTIVE
    assert racing.get(world.CID, world.ORDER_ID) is None
    # The transaction itself: a write against an aggregate version that has moved on changes nothing.
    stale = OrderPackages(version=0, units=0)
    record = CancellationRecord(
        connection_id=world.CID,
        order_id=world.ORDER_ID,
        marketplace_id=UK,
        reason=CancelReason.NO_INVENTORY,
        order_item_ids=("11111111111111", "22222222222222"),
        requested_at=world.NOW,
        updated_at=world.NOW,
    )
    assert racing.request(record, stale) == RequestResult.ORDER_CHANGED
    assert racing.get(world.CID, world.ORDER_ID) is None


def test_an_order_that_keeps_changing_raises_for_a_retry(dynamodb: Any, table: str) -> None:
    class Changing(CancellationsRepository):
        def request(
            self, record: CancellationRecord, packages: OrderPackages, replaces_version: int = 0
        ) -> RequestResult:
            return RequestResult.ORDER_CHANGED

    with pytest.raises(ConcurrentChangeError):
        request_cancellation(ask(), order(), Changing(table, dynamodb), Clock())


def test_a_rejected_cancellation_can_be_requested_again(repo: CancellationsRepository) -> None:
    clock = Clock()
    first = request_cancellation(ask(), order(), repo, clock)
    assert isinstance(first, Accepted)
    claimed = repo.claim(first.record, "run-1", clock())
    assert claimed is not None and repo.mark_fed(claimed, "run-1", "feed-1", 1, clock())
    stored = repo.get(CONN, claimed.order_id)
    assert stored is not None
    assert repo.settle(stored, "feed-1", CancellationState.REJECTED, "refused", clock()) is not None

    clock.advance(600)
    again = request_cancellation(ask(reason="GeneralAdjustment"), order(), repo, clock)

    assert isinstance(again, Accepted) and not again.unchanged
    renewed = repo.get(CONN, claimed.order_id)
    assert renewed is not None and renewed.state == CancellationState.PENDING
    assert renewed.reason == CancelReason.GENERAL_ADJUSTMENT and renewed.feed_id is None
    assert [r.order_id for r in repo.pending(CONN, 10)] == [claimed.order_id]
