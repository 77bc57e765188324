"""Lambda: the shipments verification queue (delayed package checks, and the order events of the bus).

Thin: wiring. A 204 from confirmShipment is not proof (docs/shipments.md): an order event whose order shows the
shipped quantities confirms the packages it covers; a package check, a few minutes after sending, confirms the package
from the stored order or one getOrder, or reports it unverified. A message that is neither goes to the DLQ.
"""

from functools import cache, partial
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.runtime.shipments import ShipmentsRuntime, load_runtime
from shared.shipments.handling import handle_verification

logger = Logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _runtime() -> ShipmentsRuntime:
    return load_runtime(metrics)


def _record(record: SQSRecord, context: LambdaContext) -> None:
    runtime = _runtime()
    deps = runtime.verify_deps(metrics, context.get_remaining_time_in_millis)
    receives = int(record.attributes.approximate_receive_count)

    def work() -> None:
        confirmed = handle_verification(record.body, deps)
        logger.info("verification processed", extra={"confirmed": confirmed})

    dlq = runtime.settings.shipments_verify_dlq_url
    runtime.run_or_dead_letter(record.body, record.message_id, receives, dlq, work, logger)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An SQS batch from the verification queue; answers `{"batchItemFailures": [...]}`."""
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    handler = partial(_record, context=context)
    return dict(process_partial_response(event=event, record_handler=handler, processor=processor))
