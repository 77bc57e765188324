"""The inventory pipeline's alarms (besides each function's errors and throttles) and its three dashboard rows:
values in, feeds; outcomes and queues; the functions."""

from collections.abc import Mapping

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import SERVICE_NAME, Queue, camel
from infra.constructs.alarms import PERIOD, Row, alarm, dlq_alarm, sync_metric
from infra.constructs.resources import SharedQueue
from shared.inventory import SYNC_TYPE as INVENTORY
from shared.sync.metrics import (
    INVENTORY_ACCEPT_LATENCY_SECONDS,
    INVENTORY_CHANGES_QUEUED,
    INVENTORY_FEEDS_FAILED,
    INVENTORY_FEEDS_SUBMITTED,
    INVENTORY_MESSAGES_ACCEPTED,
    INVENTORY_MESSAGES_REJECTED,
    INVENTORY_RECORDS_INVALID,
    INVENTORY_RECORDS_RECEIVED,
    INVENTORY_RECORDS_STALE,
    INVENTORY_STOCK_OUT_PATCHES,
    INVENTORY_STOCK_OUT_REPAIRS,
    INVENTORY_TIES_RESOLVED,
)

# A change older than this has missed several feed windows: the feeds function is failing or cannot keep up.
INVENTORY_CHANGE_AGE_THRESHOLD_SECONDS = 1800


def inventory_alarms(
    scope: Construct, topic: sns.ITopic, queues: Mapping[Queue, SharedQueue], rule_dlq: sqs.IQueue
) -> list[cloudwatch.Alarm]:
    """A message in any DLQ of the pipeline (the rule's included), a change waiting too long, a failed feed."""
    alarms = [
        dlq_alarm(
            scope,
            f"{camel(queue.value)}DlqMessages",
            shared.dlq,
            f"{SERVICE_NAME}: {queue.value.replace('_', ' ')} messages failed into the DLQ (with their reason)",
            topic,
        )
        for queue, shared in queues.items()
    ]
    alarms.append(
        dlq_alarm(
            scope,
            "InventoryRuleDlqMessages",
            rule_dlq,
            f"{SERVICE_NAME}: InventoryChanged events undeliverable to the input queue (the attributes say why)",
            topic,
        )
    )
    changes = queues[Queue.INVENTORY_CHANGES].queue
    alarms.append(
        alarm(
            scope,
            "InventoryChangesAge",
            changes.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum"),
            f"{SERVICE_NAME}: an inventory change has waited more than {INVENTORY_CHANGE_AGE_THRESHOLD_SECONDS // 60} "
            "minutes for a feed (the feeds function fails, is throttled at Amazon or cannot keep up)",
            topic,
            threshold=INVENTORY_CHANGE_AGE_THRESHOLD_SECONDS,
        )
    )
    alarms.append(
        alarm(
            scope,
            "InventoryFeedsFailed",
            sync_metric(INVENTORY_FEEDS_FAILED, INVENTORY),
            f"{SERVICE_NAME}: Amazon refused or could not process an inventory feed (its changes are re-queued; the "
            "feeds table and the logs say why)",
            topic,
        )
    )
    return alarms


def inventory_rows(
    queues: Mapping[Queue, SharedQueue], rule_dlq: sqs.IQueue, functions: Mapping[str, lambda_.IFunction]
) -> list[Row]:
    """The three rows: values in and feeds; outcomes and queues; the functions."""
    return [_flow(), _outcomes(queues, rule_dlq), _functions(functions)]


def _metrics(*names: str) -> list[cloudwatch.IMetric]:
    return [sync_metric(name, INVENTORY) for name in names]


def _flow() -> Row:
    return [
        cloudwatch.GraphWidget(
            title="inventory: records received, invalid, stale, ties resolved",
            width=8,
            left=_metrics(
                INVENTORY_RECORDS_RECEIVED, INVENTORY_RECORDS_INVALID, INVENTORY_RECORDS_STALE, INVENTORY_TIES_RESOLVED
            ),
        ),
        cloudwatch.GraphWidget(
            title="inventory: changes queued, stock-out patches, repairs of overwritten ones",
            width=8,
            left=_metrics(INVENTORY_CHANGES_QUEUED, INVENTORY_STOCK_OUT_PATCHES, INVENTORY_STOCK_OUT_REPAIRS),
        ),
        cloudwatch.GraphWidget(
            title="inventory: feeds submitted, failed",
            width=8,
            left=_metrics(INVENTORY_FEEDS_SUBMITTED, INVENTORY_FEEDS_FAILED),
        ),
    ]


def _outcomes(queues: Mapping[Queue, SharedQueue], rule_dlq: sqs.IQueue) -> Row:
    return [
        cloudwatch.GraphWidget(
            title="inventory: messages accepted, rejected by Amazon",
            width=8,
            left=_metrics(INVENTORY_MESSAGES_ACCEPTED, INVENTORY_MESSAGES_REJECTED),
        ),
        cloudwatch.GraphWidget(
            title="inventory: received to accepted by Amazon (s)",
            width=8,
            left=[sync_metric(INVENTORY_ACCEPT_LATENCY_SECONDS, INVENTORY, stat) for stat in ("p50", "p99")],
        ),
        cloudwatch.GraphWidget(
            title="inventory: queue depth, oldest message (s)",
            width=8,
            left=[
                *(s.queue.metric_approximate_number_of_messages_visible(label=_label(n)) for n, s in queues.items()),
                *(
                    s.dlq.metric_approximate_number_of_messages_visible(label=f"{_label(n)} DLQ")
                    for n, s in queues.items()
                ),
                rule_dlq.metric_approximate_number_of_messages_visible(label="rule DLQ"),
            ],
            right=[
                s.queue.metric_approximate_age_of_oldest_message(label=f"{_label(n)} age") for n, s in queues.items()
            ],
        ),
    ]


def _functions(functions: Mapping[str, lambda_.IFunction]) -> Row:
    items = functions.items()
    return [
        cloudwatch.GraphWidget(
            title="inventory functions: invocations, errors",
            width=12,
            left=[f.metric_invocations(label=f"{name} invocations") for name, f in items],
            right=[f.metric_errors(label=f"{name} errors") for name, f in items],
        ),
        cloudwatch.GraphWidget(
            title="inventory functions: duration p95 (ms), throttles",
            width=12,
            left=[f.metric_duration(statistic="p95", label=f"{name} p95") for name, f in items],
            right=[f.metric_throttles(label=f"{name} throttles") for name, f in items],
        ),
    ]


def _label(queue: Queue) -> str:
    return queue.value.removeprefix("inventory_")
