"""Lambda: Amazon's listings notifications from the catalog notifications queue (docs/catalog.md, "Listings
notifications"), which the partner event bus's rule fills with LISTINGS_ITEM_STATUS_CHANGE / _ISSUES_CHANGE /
_MFN_QUANTITY_CHANGE events; and, on its hourly schedule (`{"kind": "subscribe"}`), the subscription of every catalog
connection to them (shared/catalog/subscription.py).

Thin: wiring. shared/catalog/notifications.py parses the batch and groups its SKUs per (connection, marketplace);
each group is re-read here with shared/catalog/items.py `refresh_skus` (20 SKUs a call, the shared rate-limit
buckets, bounded by the invocation's remaining time). The whole batch is one unit of grouping, so this handler
reports its failures itself (`batchItemFailures`, the event source has ReportBatchItemFailures): a message that can
never be processed is put on the DLQ with its reason and acknowledged; one whose re-read failed returns to the queue.
"""

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

import requests
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import aws
from shared.bus import EventBusPublisher
from shared.catalog import SYNC_TYPE
from shared.catalog.enrich import ItemReader
from shared.catalog.items import ItemsApplied, ListingWriter, emit, refresh_skus
from shared.catalog.notifications import Message, NotificationDeps, handle_batch
from shared.catalog.subscription import ListingsSubscriber, subscribe_connections
from shared.clock import scaled_utc_clock
from shared.models.connection import Connection
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import KmsEncryptor
from shared.repositories.listings import ListingsRepository
from shared.repositories.subscriptions import SubscriptionsRepository
from shared.runtime.function_settings import settings_with_metrics
from shared.runtime.logs import function_logger
from shared.secrets import load_lwa_app
from shared.settings import CatalogNotificationsSettings
from shared.spapi.client import SpApiClient
from shared.spapi.factory import ConnectionClients, lazy_connection_clients
from shared.sync.metrics import NOTIFICATIONS_DEAD_LETTERED, NOTIFICATIONS_PROCESSED, MetricUnit
from shared.sync.queue import send_to_dlq

# The schedule's payload (infra/constructs/catalog.py SUBSCRIBE_PAYLOAD).
SUBSCRIBE = "subscribe"
logger = function_logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _settings() -> CatalogNotificationsSettings:
    return settings_with_metrics(CatalogNotificationsSettings, metrics, SYNC_TYPE)


@cache
def _connections() -> ConnectionsRepository:
    settings = _settings()
    encryptor = KmsEncryptor(settings.kms_key_arn, aws.client("kms"))
    return ConnectionsRepository(settings.connections_table, aws.client("dynamodb"), encryptor)


@cache
def _clients() -> Callable[[], ConnectionClients]:
    return lazy_connection_clients(_settings(), _connections(), requests.Session())


@cache
def _writer() -> ListingWriter:
    settings = _settings()
    store = ListingsRepository(settings.listings_table, aws.client("dynamodb"))
    return ListingWriter(store, EventBusPublisher(aws.client("events")).publish, settings.event_bus_name)


@cache
def _application_id() -> str:
    """Our app's id, from the LWA secret once per container: notifications of any other application are refused."""
    return load_lwa_app(aws.client("secretsmanager"), _settings().lwa_secret_arn).application_id


def _send_to_dlq(message: Message, reason: str) -> None:
    send_to_dlq(aws.client("sqs"), _settings().catalog_notifications_dlq_url, message.body, reason, message.message_id)


class _Refresher:
    """Re-reads one group's SKUs with the connection's client, bounded by the invocation; sums what it applied."""

    def __init__(self, context: LambdaContext) -> None:
        settings = _settings()
        self._context = context
        self._clock = scaled_utc_clock(settings.spapi_time_scale, settings.spapi_clock_origin)
        self.applied = ItemsApplied()

    def __call__(self, connection: Connection, marketplace_id: str, skus: Sequence[str]) -> Mapping[str, int]:
        api = _clients()().client_for(connection, self._context.get_remaining_time_in_millis)
        reader = ItemReader(api, connection.selling_partner_id, marketplace_id)
        counts = refresh_skus(reader, connection.connection_id, skus, _writer(), self._clock())
        self.applied.add(counts)
        return counts.as_counts()


def _subscribe(context: LambdaContext) -> dict[str, Any]:
    settings = _settings()
    records = SubscriptionsRepository(settings.connections_table, aws.client("dynamodb"))
    subscriber = ListingsSubscriber(records, settings.destination_account, settings.destination_region, logger)

    def api_for(connection: Connection) -> SpApiClient:
        return _clients()().client_for(connection, context.get_remaining_time_in_millis)

    counts = subscribe_connections(_connections(), subscriber, api_for)
    logger.info("listings subscriptions ensured", extra={"counts": dict(counts)})
    return {"counts": dict(counts)}


def _messages(event: dict[str, Any]) -> list[Message]:
    return [
        Message(
            record["messageId"],
            record["body"],
            int(record.get("attributes", {}).get("ApproximateReceiveCount", "1")),
        )
        for record in event.get("Records", [])
    ]


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An SQS batch from the catalog notifications queue (answers `{"batchItemFailures": [...]}`), or the schedule's
    subscription sweep (answers its outcome counts)."""
    if event.get("kind") == SUBSCRIBE:
        return _subscribe(context)
    refresh = _Refresher(context)
    deps = NotificationDeps(_connections(), refresh, _application_id(), _send_to_dlq, logger)
    outcome = handle_batch(_messages(event), deps)
    tally = outcome.tally()
    metrics.add_metric(NOTIFICATIONS_DEAD_LETTERED, MetricUnit.Count, tally["dead_lettered"])
    handled = sum(tally.values()) - tally["dead_lettered"] - tally["retried"]
    metrics.add_metric(NOTIFICATIONS_PROCESSED, MetricUnit.Count, handled)
    emit(refresh.applied, metrics)
    logger.info("listings notifications handled", extra={"outcomes": dict(tally), "counts": dict(outcome.counts)})
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in outcome.failed]}
