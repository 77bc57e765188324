"""Verification: a sent package becomes confirmed when Amazon's order shows it, else unverified after one read."""

from datetime import timedelta
from typing import Any

from shared.models.orders import ImportedOrder
from shared.models.shipments import PackageRecord, PackageState
from shared.repositories.shipments import ShipmentsRepository
from shared.shipments.confirm import OutcomeKind, ShipmentDeps, process_shipment
from shared.shipments.verify import confirm_latency_seconds, covered_packages, verify_order_packages, verify_package
from shared.spapi.models.orders import GetOrderResponse, IncludedOrderData, Order
from tests.unit.shipments.world import CID, NOW, ORDER_ID, Clock, FakeAmazon, coerce, line, shipment, stored_order

A, B = "11111111111111", "22222222222222"
LATER = NOW + timedelta(minutes=5)


def send(repo: ShipmentsRepository, reference: str, items: list[tuple[str, int]]) -> PackageRecord:
    order = stored_order()
    deps = ShipmentDeps(lambda _: order, repo, FakeAmazon(), coerce, Clock())
    outcome = process_shipment(shipment(reference, items=items), deps)
    assert outcome.kind is OutcomeKind.SENT and outcome.record is not None
    return outcome.record


def shipped(a: int, b: int) -> ImportedOrder:
    """The order as the import stores it once Amazon shows a and b units shipped."""
    return stored_order([line(A, "SKU-A", 2, shipped=a), line(B, "SKU-B", 1, shipped=b)], status="PARTIALLY_SHIPPED")


class AmazonOrders:
    """getOrder with includedData PACKAGES: the packages Amazon shows, and the calls made."""

    def __init__(self, packages: list[dict[str, Any]]) -> None:
        self.packages = packages
        self.calls: list[tuple[str, list[IncludedOrderData]]] = []

    def get_order(self, order_id: str, included_data: Any = ()) -> GetOrderResponse:
        self.calls.append((order_id, list(included_data)))
        order = {
            "orderId": order_id,
            "createdTime": "2026-12-01T09:00:00Z",
            "lastUpdatedTime": "2026-12-01T12:00:00Z",
            "salesChannel": {"channelName": "AMAZON", "marketplaceId": "A1F83G8C2ARO7P"},
            "orderItems": [],
            "packages": self.packages,
        }
        return GetOrderResponse(order=Order.model_validate(order))


def amazon_package(record: PackageRecord, tracking: str | None = None) -> dict[str, Any]:
    return {
        "packageReferenceId": record.package_reference_id,
        "createdTime": "2026-12-01T12:00:00Z",
        "packageStatus": {"status": "SHIPPED"},
        "carrier": "Royal Mail",
        "trackingNumber": tracking or record.tracking_number,
        "packageItems": [{"orderItemId": x.order_item_id, "quantity": x.quantity} for x in record.lines],
    }


def test_covered_packages_need_every_item_covered_by_all_our_sent_units(repo: ShipmentsRepository) -> None:
    p1, p2 = send(repo, "P1", [("SKU-A", 1)]), send(repo, "P2", [("SKU-A", 1), ("SKU-B", 1)])

    assert covered_packages(shipped(1, 0), [p1, p2]) == []
    assert covered_packages(shipped(2, 0), [p1, p2]) == [p1]
    assert covered_packages(shipped(2, 1), [p1, p2]) == [p1, p2]
    pending = p2.model_copy(update={"state": PackageState.PENDING})
    assert covered_packages(shipped(2, 1), [p1, pending]) == [p1]


def test_a_fresh_order_version_confirms_the_packages_it_covers(repo: ShipmentsRepository) -> None:
    p1, p2 = send(repo, "P1", [("SKU-A", 2)]), send(repo, "P2", [("SKU-B", 1)])

    confirmed = verify_order_packages(shipped(2, 0), repo, Clock(LATER))

    assert [r.reference for r in confirmed] == ["P1"]
    stored = repo.load(CID, ORDER_ID)
    assert stored.package("P1") == p1.model_copy(
        update={"state": PackageState.CONFIRMED, "confirmed_at": LATER, "updated_at": LATER}
    )
    assert stored.package("P2") == p2
    assert confirm_latency_seconds(confirmed[0]) == (LATER - p1.created_at).total_seconds()
    # The same version again confirms nothing twice.
    assert [r.reference for r in verify_order_packages(shipped(2, 1), repo, Clock(LATER))] == ["P2"]
    assert verify_order_packages(shipped(2, 1), repo, Clock(LATER)) == []


def test_verify_package_uses_the_stored_order_before_asking_amazon(repo: ShipmentsRepository) -> None:
    p1 = send(repo, "P1", [("SKU-A", 2), ("SKU-B", 1)])
    amazon = AmazonOrders([])

    verified = verify_package(p1, shipped(2, 1), repo, amazon, Clock(LATER))

    assert verified.state is PackageState.CONFIRMED and amazon.calls == []
    assert repo.load(CID, ORDER_ID).package("P1") == verified
    assert verify_package(verified, shipped(2, 1), repo, amazon, Clock(LATER)) == verified


def test_one_get_order_with_packages_confirms_a_package_amazon_shows(repo: ShipmentsRepository) -> None:
    p1 = send(repo, "P1", [("SKU-A", 1)])
    amazon = AmazonOrders([amazon_package(p1)])

    verified = verify_package(p1, shipped(0, 0), repo, amazon, Clock(LATER))

    assert amazon.calls == [(ORDER_ID, ["PACKAGES"])]
    assert verified.state is PackageState.CONFIRMED and verified.confirmed_at == LATER
    assert repo.load(CID, ORDER_ID).package("P1") == verified


def test_a_package_amazon_does_not_show_is_unverified(repo: ShipmentsRepository) -> None:
    p1, p2 = send(repo, "P1", [("SKU-A", 1)]), send(repo, "P2", [("SKU-B", 1)])
    amazon = AmazonOrders([amazon_package(p2), amazon_package(p1, tracking="OLD-TRACKING")])

    verified = verify_package(p1, None, repo, amazon, Clock(LATER))

    assert verified.state is PackageState.UNVERIFIED
    assert verified.message == f"Amazon answered 204 but order {ORDER_ID} shows no package {p1.package_reference_id}"
    assert repo.load(CID, ORDER_ID).package("P1") == verified
    # A later order version showing it still confirms it.
    assert [r.reference for r in verify_order_packages(shipped(1, 1), repo, Clock(LATER))] == ["P1", "P2"]
