"""The shipments functions' dependencies, built from ShipmentsSettings once per container (each handler caches it).

Every function of the capability gets the same runtime: the repositories (connections, stored orders, the shipments
table), the connection clients (built on first use, so a message refused before any Amazon call costs none), the bus,
the queues and the clock (the sandbox's, scaled, when its time runs faster).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import requests
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel

from shared import aws
from shared.bus import EventBusPublisher
from shared.clock import scaled_utc_clock
from shared.models.connection import Connection
from shared.models.orders import ImportedOrder
from shared.models.shipments import SHIPMENT_CREATED, ShipmentCreated
from shared.models.sku_map import IDENTITY
from shared.repositories.cancellations import CancellationsRepository
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import KmsEncryptor
from shared.repositories.errors import InvalidStoredItemError
from shared.repositories.orders import OrdersRepository
from shared.repositories.shipments import ShipmentsRepository
from shared.repositories.sku_map import CachedSkuMaps, SkuMapRepository
from shared.runtime.function_settings import settings_with_metrics
from shared.settings import ShipmentsSettings
from shared.shipments.cancellation_flow import CancellationDeps
from shared.shipments.cancellation_metrics import CancellationMetricsSink
from shared.shipments.carriers import CarrierChoice, coerce_carrier
from shared.shipments.confirm import ShipmentDeps
from shared.shipments.events import malformed_entry
from shared.shipments.handling import Outputs, RequestRefusedError, VerifyDeps, connection_problem
from shared.shipments.input import Malformed
from shared.shipments.metrics import SYNC_TYPE, MetricUnit, ShipmentMetric, ShipmentMetricsSink
from shared.spapi.client import SpApiClient
from shared.spapi.factory import ConnectionClients, lazy_connection_clients
from shared.sync.queue import MAX_DELAY_SECONDS, MAX_RECEIVE_COUNT, send_to_dlq


@dataclass(frozen=True)
class ShipmentsRuntime:
    """The AWS-backed pieces every shipments function uses."""

    settings: ShipmentsSettings
    connections: ConnectionsRepository
    orders: OrdersRepository
    shipments: ShipmentsRepository
    cancellations: CancellationsRepository
    clients: Callable[[], ConnectionClients]
    clock: Callable[[], datetime]
    # The SKU maps (an item may name a line's merchant SKU); None: no listings table told, Amazon SKUs only.
    sku_maps: CachedSkuMaps | None = None

    def get_order(self, order_id: str) -> ImportedOrder | None:
        """The stored order, or None when it was never imported."""
        stored = self.orders.get(order_id)
        return None if stored is None else stored.order

    def active_connection(self, connection_id: str) -> Connection:
        """The connection, if it may take shipments; raises RequestRefusedError otherwise."""
        connection = self.connections.get_connection(connection_id)
        problem = connection_problem(connection, connection_id)
        if problem is not None or connection is None:
            raise RequestRefusedError(problem or f"unknown connection {connection_id}")
        return connection

    def client_for(self, connection: Connection, remaining_time_ms: Callable[[], int] | None = None) -> SpApiClient:
        """The connection's SP-API client, bounded by the invocation's remaining time."""
        return self.clients().client_for(connection, remaining_time_ms)

    def shipment_deps(self, event: ShipmentCreated, remaining_time_ms: Callable[[], int] | None) -> ShipmentDeps:
        """What sending one package needs: the carrier is coerced for the order's marketplace with the connection's
        alias map (settings read once per request)."""
        connection = self.active_connection(event.connection_id)
        alias_map = self.connections.get_settings(event.connection_id).carrier_alias_map
        orders: dict[str, ImportedOrder | None] = {}

        def get_order(order_id: str) -> ImportedOrder | None:
            orders[order_id] = self.get_order(order_id)
            return orders[order_id]

        def coerce(name: str) -> CarrierChoice:
            order = orders.get(event.order_id)
            marketplace = order.marketplace_id if order is not None else connection.marketplace_ids[0]
            return coerce_carrier(name, marketplace, alias_map)

        return ShipmentDeps(
            get_order=get_order,
            store=self.shipments,
            client=self.client_for(connection, remaining_time_ms),
            coerce=coerce,
            clock=self.clock,
            sku_map=lambda: self.sku_maps.get(event.connection_id) if self.sku_maps else IDENTITY,
        )

    def outputs(self, metrics: ShipmentMetricsSink) -> Outputs:
        """The bus, the metrics and the verification queue."""
        return Outputs(
            publisher=EventBusPublisher(aws.client("events")),
            bus_name=self.settings.event_bus_name,
            metrics=metrics,
            send_check=partial(self.send, self.settings.shipments_verify_queue_url),
            verify_delay=self.settings.verify_delay_seconds,
        )

    def reject_malformed(self, malformed: Malformed, metrics: ShipmentMetricsSink) -> None:
        """Publishes the rejection of a request that did not validate, when it names its connection and order."""
        entry = malformed_entry(
            malformed.detail_type,
            malformed.connection_id,
            malformed.order_id,
            malformed.reference,
            malformed.reason,
            self.settings.event_bus_name,
        )
        if entry is not None:
            EventBusPublisher(aws.client("events")).publish([entry])
            if malformed.detail_type == SHIPMENT_CREATED:
                metrics.add_metric(ShipmentMetric.SHIPMENTS_REFUSED, MetricUnit.Count, 1)

    def verify_deps(self, metrics: ShipmentMetricsSink, remaining_time_ms: Callable[[], int] | None) -> VerifyDeps:
        """What verification needs (a connection's client only when a check must read Amazon's order)."""

        def client_for(connection_id: str) -> SpApiClient:
            return self.client_for(self.active_connection(connection_id), remaining_time_ms)

        return VerifyDeps(
            store=self.shipments,
            get_order=self.get_order,
            client_for=client_for,
            clock=self.clock,
            out=self.outputs(metrics),
        )

    def cancellation_deps(
        self, metrics: CancellationMetricsSink, remaining_time_ms: Callable[[], int] | None
    ) -> CancellationDeps:
        """What recording, submitting and settling cancellations needs."""
        return CancellationDeps(
            repo=self.cancellations,
            get_order=self.get_order,
            connection=self.active_connection,
            client_for=lambda connection: self.client_for(connection, remaining_time_ms),
            publisher=EventBusPublisher(aws.client("events")),
            bus_name=self.settings.event_bus_name,
            metrics=metrics,
            send=partial(self.send, self.settings.shipments_cancellations_queue_url),
            clock=self.clock,
            window_seconds=self.settings.cancellation_window_seconds,
        )

    def send(self, queue_url: str, message: BaseModel, delay_seconds: float = 0) -> None:
        """One message of ours onto one of the capability's queues, invisible for `delay_seconds` (at most 900)."""
        delay = max(0, min(MAX_DELAY_SECONDS, round(delay_seconds)))
        aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody=message.model_dump_json(), DelaySeconds=delay)

    def dead_letter(self, dlq_url: str, body: str, reason: str, message_id: str, logger: Logger) -> None:
        """A message that can never be processed, onto `dlq_url` with its reason."""
        send_to_dlq(aws.client("sqs"), dlq_url, body, reason, message_id)
        logger.error("message dead-lettered", extra={"reason": reason, "message_id": message_id})

    def run_or_dead_letter(self, record: SQSRecord, dlq_url: str, work: Callable[[], Any], logger: Logger) -> bool:
        """Runs `work` for one message: True when done. A refusal or a stored item that no longer validates goes to
        the DLQ with its reason; any other failure is raised for a retry, or dead-lettered on the last receive."""
        body, message_id = record.body, record.message_id
        receives = int(record.attributes.approximate_receive_count)
        try:
            work()
            return True
        except (RequestRefusedError, InvalidStoredItemError) as exc:
            self.dead_letter(dlq_url, body, str(exc), message_id, logger)
        except Exception as exc:  # retried, or dead-lettered with its reason on its last receive
            if receives < MAX_RECEIVE_COUNT:
                raise
            self.dead_letter(dlq_url, body, f"{type(exc).__name__}: {exc} (receive {receives})", message_id, logger)
        return False


def load_runtime(metrics: Metrics) -> ShipmentsRuntime:
    """What a shipments function builds once per container: settings, the metrics' namespace and dimension, runtime."""
    settings = settings_with_metrics(ShipmentsSettings, metrics, SYNC_TYPE)
    return shipments_runtime(settings, requests.Session())


def shipments_runtime(settings: ShipmentsSettings, session: requests.Session) -> ShipmentsRuntime:
    """Repositories and the connection clients (built on first use)."""
    dynamodb = aws.client("dynamodb")
    connections = ConnectionsRepository(
        settings.connections_table, dynamodb, KmsEncryptor(settings.kms_key_arn, aws.client("kms"))
    )
    client_factory = lazy_connection_clients(settings, connections, session)

    return ShipmentsRuntime(
        settings=settings,
        connections=connections,
        orders=OrdersRepository(settings.orders_table, dynamodb),
        shipments=ShipmentsRepository(settings.shipments_table, dynamodb),
        cancellations=CancellationsRepository(settings.shipments_table, dynamodb),
        clients=client_factory,
        clock=scaled_utc_clock(settings.spapi_time_scale, settings.spapi_clock_origin),
        sku_maps=CachedSkuMaps(SkuMapRepository(listings, dynamodb)) if (listings := settings.listings_table) else None,
    )
