"""Lambda: the inventory input queue (InventoryChanged events from the bus, CLI batches) (README, "Inventory").

Thin: wiring. The batch's valid records are applied together (shared/inventory/input.py), each connection alone;
each invalid record goes to the input DLQ alone, with its reason (as do the records of a connection that cannot take
them: unknown, or its stored settings no longer validate). An unexpected error applying one connection's records
fails only the messages that hold them (Lambda retries those; re-applying is idempotent: records already held are
duplicates); on their last receive they go to the DLQ themselves, with the reason.
"""

from collections import defaultdict
from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import aws
from shared.bus import EventBusPublisher
from shared.inventory.input import (
    InputDeps,
    RejectedRecord,
    apply_records,
    dead_letter_body,
    parse_message,
    statuses_text,
)
from shared.models.inventory import InventoryRecord
from shared.runtime.inventory import InventoryRuntime, load_runtime
from shared.runtime.logs import function_logger
from shared.sync.queue import MAX_REASON_CHARS, MAX_RECEIVE_COUNT, send_to_dlq

logger = function_logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _runtime() -> InventoryRuntime:
    return load_runtime(metrics)


def _dead_letter(rejected: RejectedRecord, message_id: str) -> None:
    body = dead_letter_body(rejected)
    dlq_url = _runtime().settings.inventory_input_dlq_url
    send_to_dlq(aws.client("sqs"), dlq_url, body, rejected.reason, message_id[:MAX_REASON_CHARS])
    logger.warning("inventory record rejected", extra={"reason": rejected.reason, "message_id": message_id})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An SQS batch of input messages; answers the messages to retry in `batchItemFailures`."""
    runtime = _runtime()
    now = runtime.clock()
    records: list[InventoryRecord] = []
    rejected: list[tuple[RejectedRecord, str]] = []
    # Per connection, the messages its records came in (message id -> those records) and each message's receives.
    origins: dict[str, dict[str, list[InventoryRecord]]] = defaultdict(lambda: defaultdict(list))
    receives: dict[str, int] = {}
    for message in event.get("Records", []):
        message_id = message["messageId"]
        parsed = parse_message(message["body"], now)
        records.extend(parsed.records)
        rejected.extend((r, message_id) for r in parsed.rejected)
        receives[message_id] = int(message.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        for record in parsed.records:
            origins[record.connection_id][message_id].append(record)
    deps = InputDeps(
        runtime.connections,
        runtime.buckets,
        runtime.queues,
        metrics,
        runtime.clock,
        publisher=EventBusPublisher(aws.client("events")),
        bus_name=runtime.settings.event_bus_name,
        sku_maps=runtime.sku_maps,
        catalog=runtime.listings,
    )
    report = apply_records(records, deps)
    for refused, message_id in rejected:
        _dead_letter(refused, message_id)
    for refused in report.rejected:
        _dead_letter(refused, ",".join(sorted(origins.get(refused.connection_id or "", {}))) or "input")
    retry = _failed_connections(report.failed, origins, receives)
    logger.info(
        "inventory records applied",
        extra={
            "records": len(records),
            "statuses": statuses_text(report.statuses),
            "queued": report.queued,
            "stock_outs": report.stock_outs,
            "patch_first": report.patch_first,
            "prices_refused": report.prices_refused,
            "ties_resolved": report.ties_resolved,
            "rejected": len(rejected) + len(report.rejected),
            "failed_connections": sorted(report.failed),
            "retried_messages": len(retry),
        },
    )
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in sorted(retry)]}


def _failed_connections(
    failed: dict[str, str], origins: dict[str, dict[str, list[InventoryRecord]]], receives: dict[str, int]
) -> set[str]:
    """The messages to retry for the connections that failed; on a message's last receive its records of the
    failed connection go to the DLQ with the reason instead (SQS's own redrive would carry none)."""
    retry: set[str] = set()
    for connection_id, reason in sorted(failed.items()):
        logger.error("inventory records of a connection failed", extra={"reason": reason})
        for message_id, connection_records in origins[connection_id].items():
            if receives.get(message_id, 1) < MAX_RECEIVE_COUNT:
                retry.add(message_id)
                continue
            for record in connection_records:
                body = record.model_dump(mode="json", by_alias=True)
                _dead_letter(RejectedRecord(body, f"{reason} (receive {receives[message_id]})"), message_id)
    return retry
