"""Lambda: the cancellations queue (flushes of a connection's pending cancellations, and feed report reads).

Thin: wiring. A flush sends every pending cancellation of one connection in one POST_ORDER_ACKNOWLEDGEMENT_DATA feed
(at most one per window; the batching window gathers a burst of requests first); a report read settles them from
Amazon's processing report (docs/shipments.md). A message that is neither goes to the DLQ with its reason.
"""

from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from shared.runtime.batch import process_sqs_batch
from shared.runtime.logs import function_logger
from shared.runtime.shipments import ShipmentsRuntime, load_runtime
from shared.shipments.cancellation_flow import handle_cancellation_message
from shared.shipments.messages import CANCELLATION_MESSAGE

logger = function_logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _runtime() -> ShipmentsRuntime:
    return load_runtime(metrics)


def _record(record: SQSRecord, context: LambdaContext) -> None:
    runtime = _runtime()
    dlq = runtime.settings.shipments_cancellations_dlq_url
    try:
        message = CANCELLATION_MESSAGE.validate_json(record.body)
    except ValidationError as exc:
        reason = f"not a cancellation message: {exc.errors()[0]['msg']}"
        runtime.dead_letter(dlq, record.body, reason, record.message_id, logger)
        return
    if message.connection_id:
        logger.append_keys(connection_id=message.connection_id)
    deps = runtime.cancellation_deps(metrics, context.get_remaining_time_in_millis)

    def work() -> None:
        logger.info("cancellation message processed", extra={"outcome": handle_cancellation_message(message, deps)})

    runtime.run_or_dead_letter(record, dlq, work, logger)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An SQS batch from the cancellations queue; answers `{"batchItemFailures": [...]}`."""
    return process_sqs_batch(event, context, _record)
