"""Seller-initiated cancellations end to end: the logic and repository on the embedded DynamoDB (moto server), the real
SP-API client against the local Amazon sandbox, which processes POST_ORDER_ACKNOWLEDGEMENT_DATA (Failure cancels the
whole order, refused after shipment, per-message errors in the XML processing report).

Orders are read from the sandbox with getOrder and stored as the order import would (`from_amazon`); the sandbox runs
on its own clock, moved forward so that feeds finish without waiting.
"""

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from local.aws import LocalAws
from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from local.sandbox.inspector import OrderInfo, SellerInfo
from shared.models.orders import ImportedOrder, from_amazon
from shared.models.shipments import CancellationState, OrderCancellationRequested
from shared.repositories.cancellations import CancellationsRepository
from shared.shipments.cancellations import (
    Accepted,
    CancellationOutcome,
    FeedNotDone,
    Refusal,
    apply_report,
    request_cancellation,
    submit_pending,
)
from shared.spapi.client import SpApiClient
from shared.spapi.models.shipments import ConfirmShipmentOrderItem, ConfirmShipmentRequest, PackageDetail
from shared.spapi.ratelimit import InMemoryRateLimiter
from shared.spapi.transport import RetryPolicy
from tests.dynamodb import create_table
from tests.integration.spapi_sandbox import Recorder, SandboxTime, connect

pytestmark = pytest.mark.integration

UK = "A1F83G8C2ARO7P"
CONN = "conn-sandbox"
RETRY = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=4.0, jitter=lambda low, high: high)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """One sandbox for the module (real time scale: only the tests move its clock)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    config = SandboxConfig(seed=11, time_scale=1.0, orders_per_hour=0, validate_responses=True)
    with SandboxServer(config) as running:
        yield running


@pytest.fixture
def inspector(server: SandboxServer) -> SandboxInspector:
    """The steering client on a freshly reset world."""
    inspector = SandboxInspector(server.url)
    inspector.reset()
    return inspector


@pytest.fixture
def seller(inspector: SandboxInspector) -> SellerInfo:
    """The EU seller (UK and DE)."""
    return inspector.seller("EU")


@pytest.fixture
def client(server: SandboxServer, inspector: SandboxInspector, seller: SellerInfo) -> Iterator[SpApiClient]:
    """The seller's SP-API client on sandbox time; every request checked against Amazon's models at the end."""
    recorder, time = Recorder(), SandboxTime(inspector)
    limiter = InMemoryRateLimiter(clock=time, sleep=time.sleep)
    token = inspector.authorize(seller.selling_partner_id)
    connection = connect(
        server.url, seller.selling_partner_id, UK, token, recorder.session(), limiter,
        clock=time, sleep=time.sleep, retry=RETRY,
    )  # fmt: skip
    yield connection.client
    recorder.check()


@pytest.fixture
def repo(local_aws: LocalAws) -> CancellationsRepository:
    """A fresh shipments table on the embedded DynamoDB."""
    dynamodb = local_aws.client("dynamodb")
    return CancellationsRepository(create_table(dynamodb, "shipments", gsi1=True), dynamodb)


def clock_of(inspector: SandboxInspector) -> "SandboxClock":
    return SandboxClock(inspector)


class SandboxClock:
    """Sandbox time as an aware datetime."""

    def __init__(self, inspector: SandboxInspector) -> None:
        self._inspector = inspector

    def __call__(self) -> datetime:
        return datetime.fromisoformat(self._inspector.now()).astimezone(UTC)


def stored(client: SpApiClient, order_id: str) -> ImportedOrder:
    """The order as the import stores it."""
    response = client.get_order(order_id, ["FULFILLMENT", "CANCELLATION"])
    return from_amazon(response.order, CONN, {})


def ask(order_id: str, reason: str) -> OrderCancellationRequested:
    return OrderCancellationRequested.model_validate({"connectionId": CONN, "orderId": order_id, "reason": reason})


def verdicts(
    inspector: SandboxInspector, client: SpApiClient, repo: CancellationsRepository, feed_id: str
) -> list[CancellationOutcome]:
    """Applies the feed's report, moving sandbox time until Amazon has processed it."""
    for _ in range(10):
        try:
            return apply_report(feed_id, client, repo, clock_of(inspector))
        except FeedNotDone:
            inspector.advance(30)
    raise AssertionError(f"feed {feed_id} never finished")


def add_order(inspector: SandboxInspector, seller: SellerInfo, **spec: object) -> OrderInfo:
    return inspector.add_order(seller.selling_partner_id, marketplaceId=UK, lines=2, status="UNSHIPPED", **spec)


def test_several_orders_go_in_one_feed_and_amazon_cancels_them(
    inspector: SandboxInspector, seller: SellerInfo, client: SpApiClient, repo: CancellationsRepository
) -> None:
    clock = clock_of(inspector)
    plain = [add_order(inspector, seller) for _ in range(2)]
    buyer = add_order(inspector, seller, buyerCancel=True)
    for info in plain:
        assert isinstance(
            request_cancellation(ask(info.order_id, "out of stock"), stored(client, info.order_id), repo, clock),
            Accepted,
        )
    buyer_order = stored(client, buyer.order_id)
    assert buyer_order.buyer_cancellation_requested
    assert isinstance(request_cancellation(ask(buyer.order_id, "BuyerCanceled"), buyer_order, repo, clock), Accepted)

    # A redelivered request records nothing new; a partial one is refused.
    again = request_cancellation(ask(plain[0].order_id, "NoInventory"), stored(client, plain[0].order_id), repo, clock)
    assert isinstance(again, Accepted) and again.unchanged
    partial = OrderCancellationRequested.model_validate(
        {"connectionId": CONN, "orderId": plain[1].order_id, "reason": "NoInventory", "items": [plain[1].items[0].sku]}
    )
    assert isinstance(request_cancellation(partial, stored(client, plain[1].order_id), repo, clock), Refusal)

    outcome = submit_pending(CONN, seller.selling_partner_id, client, repo, clock)
    assert outcome.feed_id is not None and len(outcome.orders) == 3
    gated = submit_pending(CONN, seller.selling_partner_id, client, repo, clock)
    assert gated.feed_id is None and gated.wait_seconds is not None and gated.wait_seconds > 0

    results = verdicts(inspector, client, repo, outcome.feed_id)

    assert {o.record.order_id for o in results} == {*(i.order_id for i in plain), buyer.order_id}
    assert all(o.cancelled and o.changed for o in results)
    feeds = [f for f in inspector.feeds(seller.selling_partner_id) if f.feed_type == "POST_ORDER_ACKNOWLEDGEMENT_DATA"]
    assert len(feeds) == 1
    at_amazon = {o.order_id: o.status for o in inspector.orders(seller.selling_partner_id)}
    assert {at_amazon[o.record.order_id] for o in results} == {"CANCELLED"}
    # What Amazon recorded for the buyer's order carries BuyerCanceled, the others the reason they were sent with.
    reasons = {
        a.order_id: set(a.cancel_reasons.values()) for a in inspector.acknowledgements(seller.selling_partner_id)
    }
    assert reasons[buyer.order_id] == {"BuyerCanceled"}
    assert "BuyerCanceled" not in reasons[plain[0].order_id]


def test_cancel_after_ship_is_refused_by_us_and_by_amazon_when_our_check_is_bypassed(
    inspector: SandboxInspector, seller: SellerInfo, client: SpApiClient, repo: CancellationsRepository
) -> None:
    clock = clock_of(inspector)
    info = add_order(inspector, seller)
    before_shipping = stored(client, info.order_id)
    items = [ConfirmShipmentOrderItem(order_item_id=line.order_item_id, quantity=line.quantity) for line in info.items]
    package = PackageDetail(
        package_reference_id="1", carrier_code="Royal Mail", tracking_number="RM1GB", ship_date=clock(),
        order_items=items,
    )  # fmt: skip
    client.confirm_shipment(info.order_id, ConfirmShipmentRequest(marketplace_id=UK, package_detail=package))

    # Our check, on the order as the import sees it now.
    refusal = request_cancellation(ask(info.order_id, "NoInventory"), stored(client, info.order_id), repo, clock)
    assert not isinstance(refusal, Accepted) and refusal.code == "shipped"

    # A stale stored order (imported before the shipment) passes our check: Amazon's report refuses that message,
    # and only that one: the other order of the same feed is cancelled.
    assert isinstance(request_cancellation(ask(info.order_id, "NoInventory"), before_shipping, repo, clock), Accepted)
    other = add_order(inspector, seller)
    assert isinstance(
        request_cancellation(ask(other.order_id, "NoInventory"), stored(client, other.order_id), repo, clock), Accepted
    )
    feed_id = submit_pending(CONN, seller.selling_partner_id, client, repo, clock).feed_id
    assert feed_id is not None
    results = {o.record.order_id: o for o in verdicts(inspector, client, repo, feed_id)}

    assert results[other.order_id].cancelled
    outcome = results[info.order_id]
    assert not outcome.cancelled and outcome.record.state == CancellationState.REJECTED
    assert outcome.record.verdict and outcome.record.verdict != results[other.order_id].record.verdict
    assert outcome.event_entry("bus")["DetailType"] == "OrderCancellationRejected"
    assert {o.order_id: o.status for o in inspector.orders(seller.selling_partner_id)}[info.order_id] != "CANCELLED"
