"""Lambda: the inventory fast lane: stock-outs and a few changes patched at once (README, "Inventory", fast lane).

A patch-first message carries its connection's changes of every marketplace (shared/inventory/fastlane.py).

Thin: wiring and the SQS batch (Powertools' BatchProcessor reports partial failures). A malformed message goes to
the fast-lane DLQ with its reason; Amazon failing fails the message, which returns to the queue (and, on its last
receive, goes to the DLQ with the reason); a connection whose stored settings no longer validate sends it to the
DLQ with the reason at once; the same change is on its way in a feed anyway.
"""

from functools import cache, partial
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.inventory.fastlane import FastLaneDeps, patch_stock_outs
from shared.models.inventory import ChangeBatch
from shared.runtime.inventory import InventoryRuntime, QueueMessage, load_runtime
from shared.runtime.logs import function_logger

logger = function_logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _runtime() -> InventoryRuntime:
    return load_runtime(metrics)


def _record(record: SQSRecord, deps: FastLaneDeps) -> None:
    runtime = _runtime()
    message = QueueMessage(record.body, record.message_id, int(record.attributes.approximate_receive_count))
    work = partial(patch_stock_outs, deps=deps)
    done = runtime.handle_message(ChangeBatch, message, runtime.settings.inventory_fastlane_dlq_url, work, logger)
    if done is None:
        return
    batch, recorded = done
    logger.info(
        "fast lane patched",
        extra={
            "connection_id": batch.connection_id,
            "marketplace_ids": [marketplace_id for marketplace_id, _ in batch.markets()],
            "changes": batch.change_count(),
            **recorded.counts(),
            "skipped": recorded.ignored,
            "handed_over": recorded.handed_over,
        },
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An SQS batch of fast-lane messages; answers `{"batchItemFailures": [...]}`."""
    runtime = _runtime()
    api = runtime.clients()
    deps = FastLaneDeps(
        verdicts=runtime.verdicts(metrics, logger),
        buckets=runtime.buckets,
        api_for=lambda connection: api.client_for(connection, context.get_remaining_time_in_millis),
        watch=runtime.watch(),
        audit=runtime.audit,
        handover=runtime.handover(),
    )
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event=event, record_handler=partial(_record, deps=deps), processor=processor))
