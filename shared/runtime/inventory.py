"""The inventory functions' dependencies, built from InventorySettings (each handler caches what it builds)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import requests
from aws_lambda_powertools import Logger, Metrics
from pydantic import BaseModel, ValidationError

from shared import aws
from shared.bus import EventBusPublisher
from shared.clock import scaled_utc_clock
from shared.inventory import SYNC_TYPE
from shared.inventory.feeds import FEED_BUCKET
from shared.inventory.notifications import FEED_PAYLOAD_VERSION, FEED_PROCESSING_FINISHED
from shared.inventory.patch_first import Handover
from shared.inventory.queues import ChangeQueues, dead_letter_bodies
from shared.inventory.verdicts import VerdictDeps
from shared.inventory.watch import WatchDeps
from shared.models.audit import AuditRecorder, NoAudit
from shared.models.connection import Connection
from shared.models.inventory import Change, ChangeBatch
from shared.orders.subscription import OrderSubscriber
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import KmsEncryptor
from shared.repositories.errors import InvalidStoredItemError
from shared.repositories.feeds import FeedsRepository
from shared.repositories.inventory import InventoryRepository
from shared.repositories.listings import ListingsRepository
from shared.repositories.sku_map import CachedSkuMaps, SkuMapRepository
from shared.repositories.stock_out_watch import StockOutWatchRepository
from shared.repositories.subscriptions import SubscriptionsRepository
from shared.repositories.sync_status import SyncStatusRepository
from shared.runtime.audit import audit_recorder
from shared.runtime.function_settings import settings_with_metrics
from shared.settings import InventorySettings
from shared.spapi.client import SpApiClient
from shared.spapi.factory import ConnectionClients, lazy_connection_clients
from shared.sync.metrics import MetricsSink
from shared.sync.queue import MAX_REASON_CHARS, MAX_RECEIVE_COUNT, send_to_dlq


@dataclass(frozen=True)
class QueueMessage:
    """What the dead-letter paths need of an SQS record: its body, id and how often it was received."""

    body: str
    message_id: str
    receives: int


@dataclass(frozen=True)
class InventoryRuntime:
    """The AWS-backed pieces every inventory function uses."""

    settings: InventorySettings
    connections: ConnectionsRepository
    buckets: InventoryRepository
    feeds: FeedsRepository
    queues: ChangeQueues
    clock: Callable[[], datetime]
    clients: Callable[[], ConnectionClients]
    # The connections' status items (`inventory_feeds.<country>`, shared/inventory/status.py).
    statuses: SyncStatusRepository
    # The stock-out log and the repairs per feed (shared/inventory/watch.py).
    watch_lists: StockOutWatchRepository
    # The SKU maps, read once a minute per connection (None: no listings table told, identity).
    sku_maps: CachedSkuMaps | None = None
    # The audit trail of what is sent to Amazon (shared/runtime/audit.py).
    audit: AuditRecorder = field(default_factory=NoAudit)
    # The stored listings by (marketplace, SKU): the input path holds Amazon-fulfilled offers (None: not told).
    listings: ListingsRepository | None = None

    def verdicts(self, metrics: MetricsSink, logger: Logger) -> VerdictDeps:
        """Recording Amazon's answers."""
        return VerdictDeps(
            connections=self.connections,
            buckets=self.buckets,
            queues=self.queues,
            publisher=EventBusPublisher(aws.client("events")),
            bus_name=self.settings.event_bus_name,
            metrics=metrics,
            logger=logger,
            clock=self.clock,
        )

    def watch(self) -> WatchDeps:
        """The stock-out log and the repairs per feed (feeds table)."""
        return WatchDeps(store=self.watch_lists, buckets=self.buckets, audit=self.audit)

    def feed_token_wait(self, connection_id: str) -> float:
        """Seconds until the connection's next JSON_LISTINGS_FEED submission is allowed (createFeed's own bucket and
        the feed type's 5 per 5 minutes)."""
        limiter = self.clients().limiter
        return max(limiter.wait_seconds(connection_id, bucket) for bucket in ("createFeed", FEED_BUCKET))

    def handover(self) -> Handover:
        """The fast lane's way to the feed lane for a patch-first message (shared/inventory/patch_first.py)."""

        def in_flight(connection_id: str) -> frozenset[str]:
            submitted = self.feeds.list_for_connection(connection_id, "SUBMITTED")
            return frozenset(record.marketplace_id for record in submitted)

        def send(connection_id: str, marketplace_id: str, changes: Sequence[Change]) -> None:
            self.queues.send_changes(connection_id, marketplace_id, changes, self.clock())

        return Handover(
            feeds_in_flight=in_flight,
            patch_wait=lambda connection_id: self.clients().limiter.wait_seconds(connection_id, "patchListingsItem"),
            send=send,
        )

    def feed_subscriber(self, logger: Logger) -> Callable[[Connection, SpApiClient], str] | None:
        """Keeps connections subscribed to FEED_PROCESSING_FINISHED at the notifications queue (None: no queue)."""
        queue_arn = self.settings.notifications_queue_arn
        if queue_arn is None:
            return None
        subscriber = OrderSubscriber(
            SubscriptionsRepository(self.settings.connections_table, aws.client("dynamodb")),
            queue_arn,
            logger,
            notification_type=FEED_PROCESSING_FINISHED,
            payload_version=FEED_PAYLOAD_VERSION,
            directive=lambda _: None,
        )
        return lambda connection, api: subscriber.ensure(connection, api)

    def dead_letter_changes(self, batch: ChangeBatch, reason: str) -> None:
        """Changes that can never be submitted, onto the changes DLQ with the reason: in parts under SQS's message
        size limit (dead_letter_bodies), each with the reason and which part it is."""
        bodies = dead_letter_bodies(batch)
        sqs, url = aws.client("sqs"), self.settings.inventory_changes_dlq_url
        for number, body in enumerate(bodies, start=1):
            part = f" (part {number} of {len(bodies)})" if len(bodies) > 1 else ""
            send_to_dlq(sqs, url, body, f"{reason[: MAX_REASON_CHARS - 40]}{part}", "feed-lane")

    def fail_or_dead_letter(
        self, body: str, message_id: str, receives: int, dlq_url: str, error: Exception, logger: Logger
    ) -> None:
        """A message whose handling failed: raises `error` again for the message to be retried, unless it can never
        succeed (a stored connection or settings that no longer validate) or this is its last receive; then it goes
        to `dlq_url` with the reason (SQS's own redrive would carry none)."""
        permanent = isinstance(error, InvalidStoredItemError)
        if not permanent and receives < MAX_RECEIVE_COUNT:
            raise error
        reason = f"{type(error).__name__}: {error}" + ("" if permanent else f" (receive {receives})")
        send_to_dlq(aws.client("sqs"), dlq_url, body, reason, message_id)
        logger.error("message dead-lettered", extra={"reason": reason, "message_id": message_id})

    def parse_or_dead_letter[M: BaseModel](
        self, model: type[M], body: str, dlq_url: str, message_id: str, logger: Logger
    ) -> M | None:
        """A queue message as `model`; one that is not goes to `dlq_url` with the reason (None is returned)."""
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            reason = f"not a {model.__name__}: {exc.error_count()} error(s): {exc.errors()[0]['msg']}"
        send_to_dlq(aws.client("sqs"), dlq_url, body, reason, message_id)
        logger.error("message dead-lettered", extra={"reason": reason, "message_id": message_id})
        return None

    def handle_message[M: BaseModel, R](
        self,
        model: type[M],
        message: QueueMessage,
        dlq_url: str,
        work: Callable[[M], R],
        logger: Logger,
    ) -> tuple[M, R] | None:
        """Parses a queue message as `model` and runs `work` on it; None when the message went to `dlq_url` instead
        (not a `model`, or a failure it can never recover from or on its last receive: `fail_or_dead_letter`). Any
        other failure is raised, for the message to be retried."""
        parsed = self.parse_or_dead_letter(model, message.body, dlq_url, message.message_id, logger)
        if parsed is None:
            return None
        try:
            return parsed, work(parsed)
        except Exception as exc:  # retried, or dead-lettered with its reason (never without one)
            self.fail_or_dead_letter(message.body, message.message_id, message.receives, dlq_url, exc, logger)
            return None


def load_runtime(metrics: Metrics) -> InventoryRuntime:
    """What an inventory function builds once per container: its settings from the environment, its metrics'
    namespace and `sync_type=inventory` dimension, and the runtime."""
    settings = settings_with_metrics(InventorySettings, metrics, SYNC_TYPE)
    return inventory_runtime(settings, requests.Session())


def inventory_runtime(settings: InventorySettings, session: requests.Session) -> InventoryRuntime:
    """Repositories, queues and the connection clients (built on first use: the input function never calls Amazon)."""
    dynamodb = aws.client("dynamodb")
    connections = ConnectionsRepository(
        settings.connections_table, dynamodb, KmsEncryptor(settings.kms_key_arn, aws.client("kms"))
    )
    clock = scaled_utc_clock(settings.spapi_time_scale, settings.spapi_clock_origin)
    client_factory = lazy_connection_clients(settings, connections, session)

    return InventoryRuntime(
        settings=settings,
        connections=connections,
        buckets=InventoryRepository(settings.inventory_table, dynamodb, clock=clock),
        feeds=FeedsRepository(settings.feeds_table, dynamodb),
        queues=ChangeQueues(
            aws.client("sqs"),
            settings.inventory_changes_queue_url,
            settings.inventory_fastlane_queue_url,
            settings.inventory_results_queue_url,
        ),
        clock=clock,
        clients=client_factory,
        statuses=SyncStatusRepository(settings.connections_table, dynamodb, clock=clock),
        watch_lists=StockOutWatchRepository(settings.feeds_table, dynamodb),
        sku_maps=CachedSkuMaps(SkuMapRepository(listings, dynamodb)) if (listings := settings.listings_table) else None,
        audit=audit_recorder(settings.audit_table),
        listings=ListingsRepository(listings, dynamodb) if listings else None,
    )
