"""Lambda: the shipments input queue (ShipmentCreated and OrderCancellationRequested from the bus and the CLI).

Thin: wiring. Each message is handled alone (Powertools' BatchProcessor reports partial failures). A package is
validated against the stored order, recorded and sent to Amazon at once (docs/shipments.md); a cancellation is
recorded and its connection's next cancellation feed is queued. A request that can never be processed goes to the
input DLQ with its reason (and a rejection event); a failure that may pass (Amazon throttling, a race) is retried.
"""

from functools import cache, partial
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.models.shipments import OrderCancellationRequested, ShipmentCreated
from shared.runtime.batch import process_sqs_batch
from shared.runtime.logs import function_logger
from shared.runtime.shipments import ShipmentsRuntime, load_runtime
from shared.shipments.cancellation_events import refusal_entry
from shared.shipments.cancellation_flow import handle_cancellation_request
from shared.shipments.handling import RequestRefusedError, handle_shipment, reject
from shared.shipments.input import Malformed, parse_request

logger = function_logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _runtime() -> ShipmentsRuntime:
    return load_runtime(metrics)


def _record(record: SQSRecord, context: LambdaContext) -> None:
    runtime = _runtime()
    dlq = runtime.settings.shipments_input_dlq_url
    request = parse_request(record.body)
    if isinstance(request, Malformed):
        runtime.reject_malformed(request, metrics)
        runtime.dead_letter(dlq, record.body, request.reason, record.message_id, logger)
        return
    logger.append_keys(connection_id=request.connection_id, order_id=request.order_id)
    if isinstance(request, ShipmentCreated):
        work = partial(_shipment, runtime, request, context)
    else:
        work = partial(_cancellation, runtime, request, context)
    runtime.run_or_dead_letter(record, dlq, work, logger)


def _shipment(runtime: ShipmentsRuntime, request: ShipmentCreated, context: LambdaContext) -> None:
    outputs = runtime.outputs(metrics)
    try:
        deps = runtime.shipment_deps(request, context.get_remaining_time_in_millis)
    except RequestRefusedError as exc:
        reject(request, str(exc), outputs)
        raise
    outcome = handle_shipment(request, deps, outputs)
    logger.info(
        "shipment processed",
        extra={"reference": request.reference, "outcome": outcome.kind.value, "reason": outcome.reason},
    )


def _cancellation(runtime: ShipmentsRuntime, request: OrderCancellationRequested, context: LambdaContext) -> None:
    deps = runtime.cancellation_deps(metrics, context.get_remaining_time_in_millis)
    try:
        runtime.active_connection(request.connection_id)
    except RequestRefusedError as exc:
        entry = refusal_entry(
            request.connection_id, request.order_id, request.reason, "connection", str(exc), deps.bus_name
        )
        deps.publisher.publish([entry])
        raise
    accepted = handle_cancellation_request(request, deps)
    logger.info(
        "cancellation recorded",
        extra={"reason": request.reason.value, "unchanged": accepted.unchanged, "state": accepted.record.state.value},
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An SQS batch from the shipments input queue; answers `{"batchItemFailures": [...]}`."""
    return process_sqs_batch(event, context, _record)
