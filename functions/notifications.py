"""Lambda: Amazon's notifications from the stack's notifications queue (README, "Orders", notifications).

Thin: wiring and the SQS batch. Each record is handled alone (Powertools' BatchProcessor reports partial failures):
a message that can never be processed goes to the queue's DLQ with a `reason` attribute and is acknowledged; one
that may succeed later is reported as failed, returns to the queue and, after maxReceiveCount, lands in the DLQ.
"""

from functools import cache, partial
from typing import Any

import boto3
import requests
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.bus import EventBusPublisher
from shared.clock import scaled_utc_clock
from shared.models.connection import Connection
from shared.orders import SYNC_TYPE
from shared.orders.apply import OrderSink
from shared.orders.notifications import NotificationDeps, UnprocessableNotificationError, handle_notification
from shared.orders.sync import OrdersApi
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import KmsEncryptor
from shared.repositories.orders import OrdersRepository
from shared.settings import NotificationsSettings, load_settings
from shared.spapi.factory import connection_clients
from shared.sync.metrics import NOTIFICATIONS_DEAD_LETTERED, NOTIFICATIONS_PROCESSED, SYNC_DIMENSION, MetricUnit
from shared.sync.queue import send_to_dlq

logger = Logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _settings() -> NotificationsSettings:
    settings = load_settings(NotificationsSettings)
    metrics.namespace = settings.metrics_namespace
    # Order notifications count under the orders sync type, beside the polling sync's metrics.
    metrics.set_default_dimensions(**{SYNC_DIMENSION: SYNC_TYPE})
    return settings


@cache
def _http() -> requests.Session:
    return requests.Session()


@cache
def _dependencies() -> NotificationDeps:
    settings = _settings()
    dynamodb = boto3.client("dynamodb")
    connections = ConnectionsRepository(
        settings.connections_table, dynamodb, KmsEncryptor(settings.kms_key_arn, boto3.client("kms"))
    )
    clients = connection_clients(settings, connections, _http())
    clock = scaled_utc_clock(settings.spapi_time_scale, settings.spapi_clock_origin)

    def api_for(connection: Connection) -> OrdersApi:
        return clients.client_for(connection, _remaining_time_ms)

    return NotificationDeps(
        connections=connections,
        api_for=api_for,
        sink=OrderSink(
            store=OrdersRepository(settings.orders_table, dynamodb),
            publisher=EventBusPublisher(boto3.client("events")),
            bus_name=settings.event_bus_name,
            metrics=metrics,
            clock=clock,
        ),
        logger=logger,
    )


# The invocation's deadline, set per invocation (a container runs one invocation at a time).
_deadline: dict[str, LambdaContext] = {}


def _remaining_time_ms() -> int:
    context = _deadline.get("context")
    return context.get_remaining_time_in_millis() if context else 60_000


def _record(record: SQSRecord, deps: NotificationDeps) -> None:
    try:
        handled = handle_notification(record.body, deps)
    except UnprocessableNotificationError as exc:
        send_to_dlq(boto3.client("sqs"), _settings().notifications_dlq_url, record.body, str(exc), record.message_id)
        metrics.add_metric(NOTIFICATIONS_DEAD_LETTERED, MetricUnit.Count, 1)
        logger.error("notification sent to the DLQ", extra={"reason": str(exc), "message_id": record.message_id})
        return
    metrics.add_metric(NOTIFICATIONS_PROCESSED, MetricUnit.Count, 1)
    logger.info("notification processed", extra={"outcome": handled.outcome, "order_id": handled.order_id})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An SQS batch from the notifications queue; answers `{"batchItemFailures": [...]}`."""
    _deadline["context"] = context
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    handler = partial(_record, deps=_dependencies())
    return dict(process_partial_response(event=event, record_handler=handler, processor=processor))
