"""Lambda: the `catalog` sync (docs/catalog.md): per marketplace the hourly searchListingsItems delta and, when a
reconciliation is due, the All Listings Report into the listings table, with ListingAdded / ListingChanged /
ListingRemoved on the bus; scheduled dispatch, on-connect and on-demand runs.

Thin: wiring only; shared/catalog/sync.py does the work. Settings, AWS clients and the LWA client are built on first
use and cached for warm starts.
"""

from functools import cache
from typing import Any

import requests
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import aws
from shared.bus import EventBusPublisher
from shared.catalog.sync import CatalogApi, CatalogSyncDeps, catalog_sync
from shared.clock import scaled_utc_clock
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import KmsEncryptor
from shared.repositories.listings import ListingsRepository
from shared.repositories.sync_status import SyncStatusRepository
from shared.runtime.function_settings import settings_with_metrics
from shared.runtime.logs import function_logger
from shared.settings import CatalogSyncSettings
from shared.spapi.factory import lazy_connection_clients
from shared.sync import JobContext, SqsJobQueue, SyncDependencies, handle_event

logger = function_logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _settings() -> CatalogSyncSettings:
    return settings_with_metrics(CatalogSyncSettings, metrics)


@cache
def _dependencies() -> SyncDependencies:
    settings = _settings()
    dynamodb = aws.client("dynamodb")
    connections = ConnectionsRepository(
        settings.connections_table, dynamodb, KmsEncryptor(settings.kms_key_arn, aws.client("kms"))
    )
    queue = SqsJobQueue(aws.client("sqs"), settings.sync_queue_url, settings.sync_dlq_url)
    clients = lazy_connection_clients(settings, connections, requests.Session())
    clock = scaled_utc_clock(settings.spapi_time_scale, settings.spapi_clock_origin)

    def api_for(context: JobContext) -> CatalogApi:
        return clients().client_for(context.connection, context.remaining_time_ms)

    deps = CatalogSyncDeps(
        store=ListingsRepository(settings.listings_table, dynamodb),
        api_for=api_for,
        publish=EventBusPublisher(aws.client("events")).publish,
        bus_name=settings.event_bus_name,
        metrics=metrics,
        continue_later=queue.send_later,
        clock=clock,
    )
    return SyncDependencies(
        definition=catalog_sync(deps),
        connections=connections,
        statuses=SyncStatusRepository(settings.connections_table, dynamodb),
        queue=queue,
        metrics=metrics,
        logger=logger,
        clock=clock,
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Scheduler dispatch, on-demand run or SQS batch of `catalog` jobs (shared/sync/events.py)."""
    return handle_event(event, _dependencies(), context.get_remaining_time_in_millis)
