"""The order sink both order functions (the orders sync and the notifications consumer) build from their settings."""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from shared import aws
from shared.bus import EventBusPublisher
from shared.orders.apply import OrderSink
from shared.repositories.orders import OrdersRepository
from shared.repositories.sku_map import CachedSkuMaps, SkuMapRepository
from shared.sync.metrics import MetricsSink

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class SinkSettings(Protocol):
    """The settings fields the sink needs (OrdersSyncSettings, NotificationsSettings)."""

    @property
    def orders_table(self) -> str: ...
    @property
    def event_bus_name(self) -> str: ...
    @property
    def listings_table(self) -> str | None: ...


def order_sink(
    settings: SinkSettings, dynamodb: "DynamoDBClient", metrics: MetricsSink, clock: Callable[[], datetime]
) -> OrderSink:
    """The orders table and the stack's bus, with the function's metrics and clock; the SKU map (listings table)
    when the function is told it, read once a minute per connection."""
    listings = settings.listings_table
    return OrderSink(
        store=OrdersRepository(settings.orders_table, dynamodb),
        publisher=EventBusPublisher(aws.client("events")),
        bus_name=settings.event_bus_name,
        metrics=metrics,
        clock=clock,
        sku_maps=CachedSkuMaps(SkuMapRepository(listings, dynamodb)) if listings else None,
    )
