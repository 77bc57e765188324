"""Lambda: the inventory input queue (InventoryChanged events from the bus, CLI batches) (README, "Inventory").

Thin: wiring. The batch's valid records are applied together (shared/inventory/input.py); each invalid record goes
to the input DLQ alone, with its reason. An error applying the batch fails it as a whole (Lambda retries it;
re-applying is idempotent: records already held are duplicates).
"""

import json
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.bus import EventBusPublisher
from shared.inventory.input import InputDeps, RejectedRecord, apply_records, parse_message, statuses_text
from shared.inventory.model import InventoryRecord
from shared.inventory.runtime import InventoryRuntime, load_runtime
from shared.sync.queue import send_to_dlq

logger = Logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _runtime() -> InventoryRuntime:
    return load_runtime(metrics)


def _dead_letter(rejected: RejectedRecord, message_id: str) -> None:
    body = json.dumps({"record": rejected.record, "reason": rejected.reason}, default=str)
    send_to_dlq(boto3.client("sqs"), _runtime().settings.inventory_input_dlq_url, body, rejected.reason, message_id)
    logger.warning("inventory record rejected", extra={"reason": rejected.reason, "message_id": message_id})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An SQS batch of input messages; answers `{"batchItemFailures": []}` (failures fail the whole batch)."""
    runtime = _runtime()
    now = runtime.clock()
    records: list[InventoryRecord] = []
    rejected: list[tuple[RejectedRecord, str]] = []
    for message in event.get("Records", []):
        parsed = parse_message(message["body"], now)
        records.extend(parsed.records)
        rejected.extend((r, message["messageId"]) for r in parsed.rejected)
    deps = InputDeps(
        runtime.connections,
        runtime.buckets,
        runtime.queues,
        metrics,
        runtime.clock,
        publisher=EventBusPublisher(boto3.client("events")),
        bus_name=runtime.settings.event_bus_name,
    )
    report = apply_records(records, deps)
    for record, message_id in rejected:
        _dead_letter(record, message_id)
    for record in report.rejected:
        _dead_letter(record, "input")
    logger.info(
        "inventory records applied",
        extra={
            "records": len(records),
            "statuses": statuses_text(report.statuses),
            "queued": report.queued,
            "stock_outs": report.stock_outs,
            "prices_refused": report.prices_refused,
            "ties_resolved": report.ties_resolved,
            "rejected": len(rejected) + len(report.rejected),
        },
    )
    return {"batchItemFailures": []}
