"""An SQS batch handed to a record handler, each record alone: Powertools' BatchProcessor reports the records that
raised as `batchItemFailures` (only those return to the queue), so one bad record never fails its batch."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext


def process_sqs_batch(
    event: dict[str, Any], context: LambdaContext, handle: Callable[[SQSRecord, LambdaContext], None]
) -> dict[str, Any]:
    """Runs `handle(record, context)` for every record; answers `{"batchItemFailures": [...]}`."""
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def record_handler(record: SQSRecord) -> None:
        handle(record, context)

    return dict(process_partial_response(event=event, record_handler=record_handler, processor=processor))
