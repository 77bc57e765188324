"""Lambda: the inventory results queue: feed checks from FEED_PROCESSING_FINISHED and the polling fallback
(README, "Inventory", feed results).

Thin: wiring and the SQS batch (Powertools' BatchProcessor reports partial failures). A malformed message goes to
the results DLQ with its reason; Amazon or AWS failing fails the message, which returns to the queue (on its last
receive, or at once when the connection's stored settings no longer validate, it goes to the DLQ with the reason).
"""

from functools import cache, partial
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.inventory.queues import FeedCheck
from shared.inventory.results import ResultDeps, check_feed
from shared.runtime.inventory import InventoryRuntime, QueueMessage, load_runtime
from shared.runtime.logs import function_logger

logger = function_logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _runtime() -> InventoryRuntime:
    return load_runtime(metrics)


def _record(record: SQSRecord, deps: ResultDeps) -> None:
    runtime = _runtime()
    message = QueueMessage(record.body, record.message_id, int(record.attributes.approximate_receive_count))
    work = partial(check_feed, deps=deps)
    done = runtime.handle_message(FeedCheck, message, runtime.settings.inventory_results_dlq_url, work, logger)
    if done is None:
        return
    check, outcome = done
    logger.info("feed checked", extra={"feed_id": check.feed_id, "outcome": outcome, "polls": check.polls})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An SQS batch of feed checks; answers `{"batchItemFailures": [...]}`."""
    runtime = _runtime()
    api = runtime.clients()
    deps = ResultDeps(
        verdicts=runtime.verdicts(metrics, logger),
        feeds=runtime.feeds,
        api_for=lambda connection: api.client_for(connection, context.get_remaining_time_in_millis),
        poll_seconds=runtime.settings.feed_poll_seconds,
        status=runtime.statuses,
        watch=runtime.watch(),
        audit=runtime.audit,
    )
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event=event, record_handler=partial(_record, deps=deps), processor=processor))
