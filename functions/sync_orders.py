"""Lambda: the `orders` sync (README, "Orders"): scheduled dispatch, on-demand runs and its work queue's jobs.

Thin: wiring only. Settings, AWS clients and the LWA client are built on first use and cached for warm starts; the
LWA app secret is read only when a job needs it.
"""

from functools import cache
from typing import Any

import requests
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import aws
from shared.clock import scaled_utc_clock
from shared.orders.subscription import OrderSubscriber
from shared.orders.sync import ConnectionApi, OrdersSyncDeps, PollingConfig, orders_sync
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import KmsEncryptor
from shared.repositories.order_cursor import OrderCursorRepository
from shared.repositories.subscriptions import SubscriptionsRepository
from shared.repositories.sync_status import SyncStatusRepository
from shared.runtime.function_settings import settings_with_metrics
from shared.runtime.logs import function_logger
from shared.runtime.orders import order_sink
from shared.settings import OrdersSyncSettings
from shared.spapi.factory import connection_clients
from shared.sync import JobContext, SqsJobQueue, SyncDependencies, handle_event

# Names only: Powertools reads the environment when the objects are used (see functions/sync_authorization.py).
logger = function_logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _settings() -> OrdersSyncSettings:
    return settings_with_metrics(OrdersSyncSettings, metrics)


@cache
def _http() -> requests.Session:
    return requests.Session()


@cache
def _dependencies() -> SyncDependencies:
    settings = _settings()
    dynamodb = aws.client("dynamodb")
    connections = ConnectionsRepository(
        settings.connections_table, dynamodb, KmsEncryptor(settings.kms_key_arn, aws.client("kms"))
    )
    queue = SqsJobQueue(aws.client("sqs"), settings.sync_queue_url, settings.sync_dlq_url)
    clients = connection_clients(settings, connections, _http())
    clock = scaled_utc_clock(settings.spapi_time_scale, settings.spapi_clock_origin)

    def api_for(context: JobContext) -> ConnectionApi:
        return clients.client_for(context.connection, context.remaining_time_ms)

    deps = OrdersSyncDeps(
        cursors=OrderCursorRepository(settings.connections_table, dynamodb),
        api_for=api_for,
        subscribe=OrderSubscriber(
            SubscriptionsRepository(settings.connections_table, dynamodb), settings.notifications_queue_arn, logger
        ),
        sink=order_sink(settings, dynamodb, metrics, clock),
        continue_later=queue.send_later,
        metrics=metrics,
        logger=logger,
        clock=clock,
        # The lease counts on the functions' clock (sandbox time against a time-scaled sandbox) and must outlast a
        # Lambda's real 15 minutes.
        config=PollingConfig(lease=PollingConfig().lease * settings.spapi_time_scale),
    )
    return SyncDependencies(
        definition=orders_sync(deps),
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
    """Scheduler dispatch, on-demand run or SQS batch of `orders` jobs (shared/sync/events.py)."""
    return handle_event(event, _dependencies(), context.get_remaining_time_in_millis)
