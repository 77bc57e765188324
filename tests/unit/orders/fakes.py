"""In-memory fakes at the order import's seams, with the semantics of what they stand in for (conditional order
writes, the cursor's lease, Amazon's pages and errors)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from shared.bus import PublishError
from shared.models.orders import ImportedOrder
from shared.models.settings import ConnectionSettings
from shared.orders.apply import OrderSink
from shared.repositories.order_cursor import LeaseLostError, OrdersCursor
from shared.repositories.orders import StoredOrder, version_of
from shared.spapi.errors import NotFoundError
from shared.spapi.models.notifications import (
    CreateDestinationRequest,
    CreateDestinationResponse,
    CreateSubscriptionRequest,
    CreateSubscriptionResponse,
    GetDestinationsResponse,
    GetSubscriptionResponse,
)
from shared.spapi.models.orders import (
    GetOrderResponse,
    IncludedOrderData,
    SearchOrdersQuery,
    SearchOrdersResponse,
)
from tests.unit.orders.amazon import T0
from tests.unit.sync.fakes import FakeMetrics

BUS = "sellersync-bus"


@dataclass
class Clock:
    """A settable wall clock."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class FakeOrderStore:
    """The orders table in memory, with OrdersRepository's conditional semantics.

    A write lands only if no version is stored or the stored version (`version_of`) is exactly `previous`'s. Each
    conditional write is first beaten by the next of `racers`, if any: a concurrent writer storing that version.
    """

    clock: Callable[[], datetime]
    items: dict[str, StoredOrder] = field(default_factory=dict)
    puts: list[ImportedOrder] = field(default_factory=list)
    writes: list[ImportedOrder] = field(default_factory=list)
    cleared: list[ImportedOrder] = field(default_factory=list)
    racers: list[ImportedOrder] = field(default_factory=list)

    def get(self, order_id: str) -> StoredOrder | None:
        return self.items.get(order_id)

    def put_version(self, order: ImportedOrder, pending_events: Sequence[str], previous: ImportedOrder | None) -> bool:
        self.puts.append(order)
        if self.racers:
            self.seed(self.racers.pop(0))
        current = self.items.get(order.order_id)
        if current is not None and (previous is None or version_of(current.order) != version_of(previous)):
            return False
        self.items[order.order_id] = StoredOrder(
            order=order,
            pending_events=tuple(pending_events),
            pending_since=self.clock() if pending_events else None,
            previous_status=previous.status if previous else None,
        )
        self.writes.append(order)
        return True

    def clear_pending(self, order: ImportedOrder) -> None:
        self.cleared.append(order)
        current = self.items.get(order.order_id)
        if current is not None and version_of(current.order) == version_of(order):
            self.items[order.order_id] = replace(current, pending_events=(), pending_since=None)

    def seed(self, order: ImportedOrder, pending: Sequence[str] = (), since: datetime | None = None) -> None:
        """Stores a version directly, as an earlier writer left it."""
        self.items[order.order_id] = StoredOrder(order, tuple(pending), since)


@dataclass
class FakePublisher:
    """Entries published, per call; the first `failures` calls raise PublishError."""

    failures: int = 0
    calls: list[list[dict[str, Any]]] = field(default_factory=list)
    attempts: list[list[dict[str, Any]]] = field(default_factory=list)

    def publish(self, entries: Sequence[dict[str, Any]]) -> None:
        self.attempts.append(list(entries))
        if self.failures:
            self.failures -= 1
            raise PublishError("1 event(s) not accepted by EventBridge: ThrottlingException")
        self.calls.append(list(entries))

    @property
    def entries(self) -> list[dict[str, Any]]:
        return [entry for call in self.calls for entry in call]

    def detail_types(self) -> list[str]:
        return [entry["DetailType"] for entry in self.entries]


@dataclass
class SinkHarness:
    """An OrderSink on fakes, and the fakes themselves."""

    clock: Clock = field(default_factory=Clock)
    publisher: FakePublisher = field(default_factory=FakePublisher)
    metrics: FakeMetrics = field(default_factory=FakeMetrics)
    store: FakeOrderStore = field(init=False)

    def __post_init__(self) -> None:
        self.store = FakeOrderStore(self.clock)

    @property
    def sink(self) -> OrderSink:
        return OrderSink(self.store, self.publisher, BUS, self.metrics, self.clock)


@dataclass
class FakeCursorStore:
    """OrderCursorRepository in memory: a lease that is free, expired or ours can be taken; saves need the lease.

    `writes` names each DynamoDB write the repository would make: a release after save_and_release makes none.
    """

    cursors: dict[str, OrdersCursor] = field(default_factory=dict)
    leases: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    saves: list[OrdersCursor] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    given_back: set[tuple[str, str]] = field(default_factory=set)

    def acquire(self, connection_id: str, owner: str, until: datetime, now: datetime) -> OrdersCursor | None:
        self.writes.append("acquire")
        held = self.leases.get(connection_id)
        if held is not None and held[0] != owner and not held[1] < now:
            return None
        self.leases[connection_id] = (owner, until)
        return self.cursors.get(connection_id, OrdersCursor())

    def save(self, connection_id: str, owner: str, cursor: OrdersCursor) -> None:
        self.writes.append("save")
        held = self.leases.get(connection_id)
        if held is None or held[0] != owner:
            raise LeaseLostError(f"connection {connection_id!r}: another run took the orders lease")
        self.cursors[connection_id] = cursor
        self.saves.append(cursor)

    def save_and_release(self, connection_id: str, owner: str, cursor: OrdersCursor) -> None:
        self.save(connection_id, owner, cursor)
        self.writes[-1] = "save_and_release"
        del self.leases[connection_id]
        self.released.append(owner)
        self.given_back.add((connection_id, owner))

    def release(self, connection_id: str, owner: str) -> None:
        if (connection_id, owner) in self.given_back:
            self.given_back.discard((connection_id, owner))
            return
        self.writes.append("release")
        held = self.leases.get(connection_id)
        if held is not None and held[0] == owner:
            del self.leases[connection_id]
            self.released.append(owner)

    def get(self, connection_id: str) -> OrdersCursor | None:
        return self.cursors.get(connection_id)


class NotCalled:
    """Notifications API methods an orders-only fake must never see called."""

    def get_destinations(self) -> GetDestinationsResponse:
        raise AssertionError("getDestinations not expected")

    def create_destination(self, body: CreateDestinationRequest) -> CreateDestinationResponse:
        raise AssertionError("createDestination not expected")

    def create_subscription(
        self, notification_type: str, body: CreateSubscriptionRequest
    ) -> CreateSubscriptionResponse:
        raise AssertionError("createSubscription not expected")

    def get_subscription(self, notification_type: str, payload_version: str | None = None) -> GetSubscriptionResponse:
        raise AssertionError("getSubscription not expected")

    def delete_subscription_by_id(self, notification_type: str, subscription_id: str) -> None:
        raise AssertionError("deleteSubscriptionById not expected")


@dataclass
class FakeOrdersApi(NotCalled):
    """searchOrders pages by pagination token (None: the first page), getOrder by order id.

    `errors` are raised once, by token (searchOrders) or order id (getOrder), before the page is served.
    """

    pages: dict[str | None, SearchOrdersResponse] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str | None, list[Exception]] = field(default_factory=dict)
    searches: list[tuple[SearchOrdersQuery, str | None]] = field(default_factory=list)
    gets: list[tuple[str, tuple[IncludedOrderData, ...]]] = field(default_factory=list)
    on_search: Callable[[], None] | None = None

    def search_orders(self, query: SearchOrdersQuery, pagination_token: str | None = None) -> SearchOrdersResponse:
        self.searches.append((query, pagination_token))
        if self.on_search is not None:
            self.on_search()
        queued = self.errors.get(pagination_token)
        if queued:
            raise queued.pop(0)
        return self.pages[pagination_token]

    def get_order(self, order_id: str, included_data: Sequence[IncludedOrderData] = ()) -> GetOrderResponse:
        self.gets.append((order_id, tuple(included_data)))
        queued = self.errors.get(order_id)
        if queued:
            raise queued.pop(0)
        if order_id not in self.orders:
            raise NotFoundError(404, "NotFound", f"order {order_id} not found", operation="getOrder")
        return GetOrderResponse.model_validate({"order": self.orders[order_id]})


ENABLED = ConnectionSettings(enabled_syncs=frozenset({"orders"}))


def make_logger() -> Logger:
    """A Powertools logger for the tests."""
    return Logger(service="orders-tests")
