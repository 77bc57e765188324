"""The shipments path against the local Amazon sandbox and the embedded AWS: the real SP-API client (on sandbox time),
the orders table the import fills, and the shipments table.

`Shop` ties them together for one seller: `order()` adds an unshipped MFN order at the sandbox and imports it as the
order import does (getOrder -> ImportedOrder -> orders table); `deps()` is what the shipments function wires.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from local.aws import LocalAws
from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from local.sandbox.inspector import OrderInfo, SellerInfo
from shared.models.orders import ImportedOrder, from_amazon
from shared.repositories.orders import OrdersRepository
from shared.repositories.shipments import ShipmentsRepository
from shared.shipments.confirm import ShipmentDeps
from shared.spapi.client import SpApiClient
from shared.spapi.models.orders import IncludedOrderData
from shared.spapi.ratelimit import InMemoryRateLimiter
from shared.spapi.transport import RetryPolicy
from tests.dynamodb import create_table
from tests.integration.spapi_sandbox import Recorder, SandboxTime, connect
from tests.unit.shipments.world import coerce

UK = "A1F83G8C2ARO7P"
RETRY = RetryPolicy(max_attempts=20, base_delay=1.0, max_delay=8.0, jitter=lambda low, high: high)
ORDER_DATA: list[IncludedOrderData] = ["FULFILLMENT", "RECIPIENT", "PROCEEDS", "CANCELLATION"]


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """One sandbox for the module, on real time (scale 1): the client's sleeps move its clock."""
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)
    config = SandboxConfig(seed=16, time_scale=1.0, orders_per_hour=0, validate_responses=True)
    with SandboxServer(config) as running:
        yield running
    werkzeug.setLevel(level)


@pytest.fixture
def inspector(server: SandboxServer) -> Iterator[SandboxInspector]:
    """The steering client on a freshly reset world; faults off again afterwards."""
    inspector = SandboxInspector(server.url)
    inspector.reset()
    yield inspector
    inspector.set_faults(throttle_share=0, error_share=0)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """Records the client's traffic; every SP-API request is checked against Amazon's models at teardown."""
    recording = Recorder()
    yield recording
    recording.check()


@pytest.fixture
def tables(local_aws: LocalAws) -> tuple[str, str]:
    """Fresh orders and shipments tables per test (the reset sandbox hands out the same order ids again)."""
    dynamodb = local_aws.client("dynamodb")
    return create_table(dynamodb, "orders", gsi1=True), create_table(dynamodb, "shipments", gsi1=True)


@dataclass
class Shop:
    """One seller's connection: the sandbox, its client, the orders and shipments tables."""

    inspector: SandboxInspector
    seller: SellerInfo
    client: SpApiClient
    orders: OrdersRepository
    shipments: ShipmentsRepository
    time: SandboxTime

    @property
    def connection_id(self) -> str:
        return self.seller.selling_partner_id

    def now(self) -> datetime:
        """Sandbox time."""
        return datetime.fromisoformat(self.inspector.now())

    def order(self, **spec: Any) -> OrderInfo:
        """A new unshipped MFN order in the UK (two lines unless told), imported into the orders table."""
        held = self.inspector.add_order(self.connection_id, **({"marketplaceId": UK, "lines": 2} | spec))
        self.import_order(held.order_id)
        return held

    def import_order(self, order_id: str) -> ImportedOrder:
        """What the order import does with a fresh version: getOrder, our model, a conditional put."""
        fresh = from_amazon(self.client.get_order(order_id, ORDER_DATA).order, self.connection_id, {})
        stored = self.orders.get(order_id)
        self.orders.put_version(fresh, [], stored.order if stored else None)
        return fresh

    def stored(self, order_id: str) -> ImportedOrder | None:
        found = self.orders.get(order_id)
        return found.order if found else None

    def held(self, order_id: str) -> OrderInfo:
        """The order as the sandbox holds it."""
        return next(o for o in self.inspector.orders(self.connection_id) if o.order_id == order_id)

    def log(self, order_id: str) -> list[dict[str, Any]]:
        """The confirmShipment calls the sandbox received for an order."""
        return [s for s in self.inspector.shipments(self.connection_id) if s["orderId"] == order_id]

    def deps(self, store: Any = None, client: Any = None) -> ShipmentDeps:
        """What the shipments function wires (store or client replaced for the crash and race tests)."""
        return ShipmentDeps(self.stored, store or self.shipments, client or self.client, coerce, self.now)


@pytest.fixture
def shop(
    server: SandboxServer, inspector: SandboxInspector, recorder: Recorder, local_aws: LocalAws, tables: tuple[str, str]
) -> Shop:
    seller = inspector.seller("EU")
    token = inspector.authorize(seller.selling_partner_id)
    time = SandboxTime(inspector)
    limiter = InMemoryRateLimiter(clock=time, sleep=time.sleep)
    connection = connect(
        server.url,
        seller.selling_partner_id,
        UK,
        token,
        recorder.session(),
        limiter,
        clock=time,
        sleep=time.sleep,
        retry=RETRY,
    )
    dynamodb = local_aws.client("dynamodb")
    orders_table, shipments_table = tables
    return Shop(
        inspector,
        seller,
        connection.client,
        OrdersRepository(orders_table, dynamodb),
        ShipmentsRepository(shipments_table, dynamodb),
        time,
    )
