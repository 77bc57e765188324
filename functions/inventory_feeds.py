"""Lambda: the inventory changes queue: changes become JSON_LISTINGS_FEEDs (README, "Inventory", feed lane).

Thin: wiring. The event source hands over large batches (up to 10,000 messages or 6 MB, gathered over a window);
shared/inventory/feeds.py groups them per connection and marketplace, each group alone. A malformed message goes to
the changes DLQ with its reason; the others go on; a group that failed before any of its feeds went out hands its
messages back (batchItemFailures).
"""

from dataclasses import replace
from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.inventory.feeds import FeedDeps, submit_feeds
from shared.models.inventory import ChangeBatch
from shared.runtime.inventory import InventoryRuntime, load_runtime
from shared.runtime.logs import function_logger

logger = function_logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _runtime() -> InventoryRuntime:
    return load_runtime(metrics)


@cache
def _deps() -> FeedDeps:
    runtime = _runtime()
    return FeedDeps(
        connections=runtime.connections,
        buckets=runtime.buckets,
        feeds=runtime.feeds,
        queues=runtime.queues,
        api_for=lambda connection: runtime.clients().client_for(connection),
        feed_token_wait=runtime.feed_token_wait,
        metrics=metrics,
        logger=logger,
        clock=runtime.clock,
        dead_letter=runtime.dead_letter_changes,
        poll_seconds=runtime.settings.feed_poll_seconds,
        subscribe=runtime.feed_subscriber(logger),
        status=runtime.statuses,
        audit=runtime.audit,
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An SQS batch of change messages; answers the messages of groups that failed before a feed went out."""
    runtime = _runtime()
    batches: list[ChangeBatch] = []
    messages: list[tuple[str, int]] = []
    for message in event.get("Records", []):
        batch = runtime.parse_or_dead_letter(
            ChangeBatch, message["body"], runtime.settings.inventory_changes_dlq_url, message["messageId"], logger
        )
        if batch is not None:
            batches.append(batch)
            receives = int(message.get("attributes", {}).get("ApproximateReceiveCount", "1"))
            messages.append((message["messageId"], receives))
    api = runtime.clients()
    deps = replace(_deps(), api_for=lambda connection: api.client_for(connection, context.get_remaining_time_in_millis))
    report = submit_feeds(batches, deps, messages)
    logger.info(
        "feed lane batch done",
        extra={
            "messages": len(batches),
            "feeds": report.feeds,
            "feed_messages": report.messages,
            "skipped": report.skipped,
            "deferred": report.deferred,
            "dropped": report.dropped,
            "dead_lettered": report.dead_lettered,
            "failed_messages": len(report.failed_messages),
        },
    )
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in report.failed_messages]}
