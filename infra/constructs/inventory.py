"""The inventory pipeline (README, "Inventory"): the merchant's stock and prices on their way to Amazon.

    bus: InventoryChanged ──rule──▶ input queue ──▶ inventory_input ──▶ changes queue ──(up to 10,000 per 20 s
    window)──▶ inventory_feeds ──createFeed──▶ results queue ──▶ inventory_results (getFeed, processing report)
    inventory_input / inventory_results ──stock-outs──▶ fast-lane queue ──▶ inventory_fastlane (patchListingsItem)

Four Standard queues (`QUEUES`, built by the stack before any function), each with its own DLQ (5 receives, 14
days), visibility 6x the consumer's timeout (plus the batching window). They use SQS-managed encryption (SSE-SQS), not
the stack key: the input queue is an EventBridge target and `sellersync inventory` sends to it from an operator's
machine, and neither should need the key that protects the refresh tokens; the bodies hold SKUs, quantities and
prices, nothing secret.

All four functions (`LANES`) read `InventorySettings`, so each is told every table, queue and DLQ of the pipeline and
the notifications queue's ARN (the destination FEED_PROCESSING_FINISHED is delivered to): names, URLs and ARNs only;
each is granted only what it uses. Every one reads and writes connections (a revoked authorization marks the
connection) and the inventory state; the input function also reads the SKU map (listings table); those that call
Amazon (feeds, fast lane, results) also read the LWA secret, decrypt refresh tokens and share the rate-limit buckets
(the input function is denied decrypting a token); feeds, fast lane and results keep the feeds table and write
the audit trail.
"""

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import nag
from infra.access import Access
from infra.config import (
    DLQ_RETENTION_DAYS,
    INVENTORY_CHANGED,
    INVENTORY_FEED_BATCH_SIZE,
    INVENTORY_FEED_BATCHING_WINDOW_SECONDS,
    INVENTORY_FEED_POLL_SECONDS,
    SERVICE_NAME,
    Queue,
    Table,
    camel,
    dlq_env_key,
    queue_env_key,
)
from infra.constructs.alarms import Row
from infra.constructs.common import QueueRuleTarget, allow_rule_to_send, sse_sqs_queue
from infra.constructs.functions import build_function
from infra.constructs.inventory_rows import inventory_alarms, inventory_rows
from infra.constructs.resources import SharedQueue, StackResources
from infra.spec import Consumes, FunctionSpec, QueueSpec, Tokens
from shared.env import Env
from shared.settings import InventorySettings, env_keys

RULE_NAME = f"{SERVICE_NAME}-inventory-changed"
PREFIX = "inventory_"


def _title(queue: Queue) -> str:
    return camel(queue.removeprefix(PREFIX))


# Before the queues moved into the stack's queues step (2026-12-07) they lived in this construct: they keep those ids.
QUEUES = tuple(
    QueueSpec(
        key=queue,
        url_env=queue_env_key(queue),
        dlq_env=dlq_env_key(queue),
        kept_paths=(f"Inventory/{_title(queue)}Queue", f"Inventory/{_title(queue)}Dlq"),
    )
    for queue in Queue
)
# Every lane reads every name of the pipeline (InventorySettings); the grants below are per lane.
_NAMES = frozenset(env_keys(InventorySettings))
_POLL: dict[str, str] = {Env.INVENTORY_FEED_POLL_SECONDS: str(INVENTORY_FEED_POLL_SECONDS)}
_STATE = {Table.CONNECTIONS: Access.READ_WRITE, Table.INVENTORY: Access.READ_WRITE}
# Calling Amazon: the shared rate-limit buckets and the feeds in flight.
_AMAZON = {
    **_STATE,
    Table.RATE_LIMITS: Access.READ_WRITE,
    Table.FEEDS: Access.READ_WRITE,
    # The audit trail: each feed, its answer and each patch (shared/runtime/audit.py).
    Table.AUDIT: Access.READ_WRITE,
}

# The lanes run per stock change and per feed: traced only under `sellersync:tracing` all (infra/tracing.py).
LANES: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        name="inventory_input",
        handler="functions.inventory_input.lambda_handler",
        description="Inventory input: validates merchant values, keeps the latest per SKU, queues the offer changes",
        timeout_seconds=300,
        memory_mb=1024,
        # The listings table, read: the SKU map (a merchant SKU's record fans out to the Amazon SKUs it feeds) and the
        # records' stored listings (BatchGetItem: an Amazon-fulfilled offer is held from its first record).
        tables={**_STATE, Table.LISTINGS: Access.READ},
        # DynamoDB only, but every invocation reads and conditionally writes state buckets: more at once means more
        # lost version races (re-read and retry) on a burst of one connection's SKUs, not more throughput.
        consumes=Consumes(Queue.INVENTORY_INPUT, batch_size=10, max_concurrency=5),
        puts_events=True,
        sends_to=(Queue.INVENTORY_CHANGES, Queue.INVENTORY_FASTLANE),
        environment=_POLL,
        settings=InventorySettings,
        names_only=_NAMES,
        traced=False,
    ),
    FunctionSpec(
        name="inventory_feeds",
        handler="functions.inventory_feeds.lambda_handler",
        description="Inventory feeds: batches queued offer changes into JSON_LISTINGS_FEED submissions",
        timeout_seconds=900,
        memory_mb=2048,
        tables=_AMAZON,
        # Each seller gets few feed submissions (createFeed's own bucket); two at a time keep feeds large.
        consumes=Consumes(
            Queue.INVENTORY_CHANGES,
            batch_size=INVENTORY_FEED_BATCH_SIZE,
            batching_window_seconds=INVENTORY_FEED_BATCHING_WINDOW_SECONDS,
            max_concurrency=2,
        ),
        reads_lwa_secret=True,
        tokens=Tokens.DECRYPT,
        sends_to=(Queue.INVENTORY_CHANGES, Queue.INVENTORY_RESULTS),
        environment=_POLL,
        settings=InventorySettings,
        names_only=_NAMES,
        traced=False,
    ),
    FunctionSpec(
        name="inventory_fastlane",
        handler="functions.inventory_fastlane.lambda_handler",
        description="Inventory fast lane: patches stock-outs one SKU at a time (patchListingsItem)",
        timeout_seconds=120,
        memory_mb=512,
        # Reads the feeds in flight and adds its stock-outs to their watch lists (shared/inventory/watch.py).
        tables=_AMAZON,
        # patchListingsItem allows 5 requests/s per seller (burst 5): five invocations, each patching one SKU at a
        # time, already fill a seller's rate; more would only wait in the shared rate limiter, billed.
        consumes=Consumes(Queue.INVENTORY_FASTLANE, batch_size=10, max_concurrency=5),
        reads_lwa_secret=True,
        tokens=Tokens.DECRYPT,
        puts_events=True,
        sends_to=(Queue.INVENTORY_CHANGES,),
        environment=_POLL,
        settings=InventorySettings,
        names_only=_NAMES,
        traced=False,
    ),
    FunctionSpec(
        name="inventory_results",
        handler="functions.inventory_results.lambda_handler",
        description="Inventory results: reads a feed's processing report and records Amazon's verdict per SKU",
        timeout_seconds=900,
        memory_mb=2048,
        tables=_AMAZON,
        # One feed per invocation, and at most two feeds lanes submit them: two feed checks (and report downloads of
        # up to 2 GB of memory each) at once keep pace with them, and the re-polls wait in the queue, not in Lambda.
        consumes=Consumes(Queue.INVENTORY_RESULTS, batch_size=1, max_concurrency=2),
        reads_lwa_secret=True,
        tokens=Tokens.DECRYPT,
        puts_events=True,
        sends_to=(Queue.INVENTORY_CHANGES, Queue.INVENTORY_FASTLANE, Queue.INVENTORY_RESULTS),
        environment=_POLL,
        settings=InventorySettings,
        names_only=_NAMES,
        traced=False,
    ),
)


def lane_name(spec: FunctionSpec) -> str:
    """A pipeline function's short name (`input`, `feeds`, `fastlane`, `results`): output keys, construct ids."""
    return spec.name.removeprefix(PREFIX)


class Inventory(Construct):
    """The InventoryChanged rule (with its own DLQ) into the input queue, the four functions, alarms and rows.

    `queues` are the pipeline's (built by the stack's queues step), `functions` by lane name.
    """

    def __init__(self, scope: Construct, construct_id: str, *, resources: StackResources) -> None:
        super().__init__(scope, construct_id)
        self.queues: dict[Queue, SharedQueue] = {queue: resources.queues[queue] for queue in Queue}
        self.rule_dlq = sse_sqs_queue(self, "RuleDlq", retention_period=Duration.days(DLQ_RETENTION_DAYS))
        nag.acknowledge_resource(self.rule_dlq, "AwsSolutions-SQS3", nag.EVENT_TARGET_DLQ)
        input_queue = self.queues[Queue.INVENTORY_INPUT].queue
        self.rule = events.Rule(
            self,
            "ChangedRule",
            rule_name=RULE_NAME,
            description=f"{SERVICE_NAME}: every {INVENTORY_CHANGED} event of the bus, whole, to the inventory input",
            event_bus=resources.bus,
            event_pattern=events.EventPattern(detail_type=[INVENTORY_CHANGED]),
            targets=[QueueRuleTarget(input_queue, self.rule_dlq)],
        )
        allow_rule_to_send(self.rule, input_queue, self.rule_dlq)
        self.functions: dict[str, lambda_.Function] = {}
        self.alarms: list[cloudwatch.Alarm] = []
        for spec in LANES:
            built = build_function(Construct(self, camel(lane_name(spec))), spec, resources)
            self.functions[lane_name(spec)] = built.function
            self.alarms += built.alarms
        self.alarms += inventory_alarms(self, resources.alarm_topic, self.queues, self.rule_dlq)
        self.widget_rows: list[Row] = inventory_rows(self.queues, self.rule_dlq, self.functions)
