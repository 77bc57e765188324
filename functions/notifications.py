"""Lambda: Amazon's notifications from the stack's notifications queue (README, "Orders", notifications).

Thin: wiring and the SQS batch. Each record is handled alone (Powertools' BatchProcessor reports partial failures):
a message that can never be processed goes to the queue's DLQ with a `reason` attribute and is acknowledged; one
that may succeed later is reported as failed, returns to the queue and, after maxReceiveCount, lands in the DLQ.
"""

from dataclasses import replace
from functools import cache, partial
from typing import Any

import requests
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from shared import aws
from shared.clock import scaled_utc_clock
from shared.notifications import Routes, handle_notification
from shared.orders import SYNC_TYPE
from shared.orders.notifications import NotificationDeps, UnprocessableNotificationError
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import KmsEncryptor
from shared.runtime.function_settings import settings_with_metrics
from shared.runtime.logs import function_logger
from shared.runtime.orders import order_sink
from shared.secrets import load_lwa_app
from shared.settings import NotificationsSettings
from shared.spapi.factory import ConnectionClients, connection_clients
from shared.sync.metrics import NOTIFICATIONS_DEAD_LETTERED, NOTIFICATIONS_PROCESSED, MetricUnit
from shared.sync.queue import send_to_dlq

logger = function_logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _settings() -> NotificationsSettings:
    # Order notifications count under the orders sync type, beside the polling sync's metrics.
    return settings_with_metrics(NotificationsSettings, metrics, SYNC_TYPE)


@cache
def _http() -> requests.Session:
    return requests.Session()


@cache
def _connections() -> ConnectionsRepository:
    settings = _settings()
    encryptor = KmsEncryptor(settings.kms_key_arn, aws.client("kms"))
    return ConnectionsRepository(settings.connections_table, aws.client("dynamodb"), encryptor)


@cache
def _clients() -> ConnectionClients:
    return connection_clients(_settings(), _connections(), _http())


@cache
def _routes() -> Routes:
    """Built once per container; the handler binds the orders' `api_for` to each invocation's deadline."""
    settings = _settings()
    clock = scaled_utc_clock(settings.spapi_time_scale, settings.spapi_clock_origin)
    orders = NotificationDeps(
        connections=_connections(),
        api_for=_clients().client_for,
        sink=order_sink(settings, aws.client("dynamodb"), metrics, clock),
        logger=logger,
    )
    return Routes(
        orders=orders,
        application_id=_application_id(),
        feed_checks=partial(_queue_message, settings.inventory_results_queue_url),
        cancellation_reports=(
            partial(_queue_message, settings.shipments_cancellations_queue_url)
            if settings.shipments_cancellations_queue_url
            else None
        ),
    )


@cache
def _application_id() -> str:
    """Our app's id, from the LWA secret once per container: notifications of any other application are refused."""
    return load_lwa_app(aws.client("secretsmanager"), _settings().lwa_secret_arn).application_id


def _queue_message(queue_url: str, message: BaseModel) -> None:
    aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody=message.model_dump_json())


def _record(record: SQSRecord, routes: Routes) -> None:
    try:
        handled = handle_notification(record.body, routes)
    except UnprocessableNotificationError as exc:
        send_to_dlq(aws.client("sqs"), _settings().notifications_dlq_url, record.body, str(exc), record.message_id)
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
    api_for = partial(_clients().client_for, remaining_time_ms=context.get_remaining_time_in_millis)
    routes = _routes()
    routes = replace(routes, orders=replace(routes.orders, api_for=api_for))
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    handler = partial(_record, routes=routes)
    return dict(process_partial_response(event=event, record_handler=handler, processor=processor))
