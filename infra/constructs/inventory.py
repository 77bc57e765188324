"""The inventory pipeline (README, "Inventory"): the merchant's stock and prices on their way to Amazon.

    bus: InventoryChanged ──rule──▶ input queue ──▶ inventory_input ──▶ changes queue ──(up to 10,000 per 20 s
    window)──▶ inventory_feeds ──createFeed──▶ results queue ──▶ inventory_results (getFeed, processing report)
    inventory_input / inventory_results ──stock-outs──▶ fast-lane queue ──▶ inventory_fastlane (patchListingsItem)

Four Standard queues, each with its own DLQ (5 receives, 14 days), visibility 6x the consumer's timeout (plus the
batching window). They use SQS-managed encryption (SSE-SQS), not the stack key: the input queue is an EventBridge
target and `sellersync inventory` sends to it from an operator's machine, and neither should need the key that
protects the refresh tokens; the bodies hold SKUs, quantities and prices, nothing secret.

All four functions read `InventorySettings`, so each is told every table, queue and DLQ of the pipeline and the
notifications queue's ARN (the destination FEED_PROCESSING_FINISHED is delivered to): names, URLs and ARNs only; each
is granted only what it uses. Every one reads and writes connections (a revoked authorization marks the connection)
and the inventory state; those that call Amazon (feeds, fast lane, results) also read the LWA secret, decrypt refresh
tokens and share the rate-limit buckets (the input function is denied decrypting a token); feeds and results keep the
feeds table.

The queues come first (`Inventory(...)`), the functions second (`add_functions`): the notifications consumer sends to
the results queue, and the functions name the notifications queue, so the stack builds the notifications construct
in between.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import nag
from infra.config import (
    DLQ_RETENTION_DAYS,
    INVENTORY_CHANGED,
    INVENTORY_FEED_BATCH_SIZE,
    INVENTORY_FEED_BATCHING_WINDOW_SECONDS,
    INVENTORY_FEED_POLL_SECONDS,
    MAX_RECEIVE_COUNT,
    METRICS_NAMESPACE,
    SERVICE_NAME,
    VISIBILITY_TIMEOUT_FACTOR,
    WORK_QUEUE_RETENTION_DAYS,
    Access,
    Queue,
    Table,
    camel,
    dlq_env_key,
    queue_env_key,
    table_actions,
    table_env_key,
)
from infra.constructs.common import (
    QueueRuleTarget,
    allow_rule_to_send,
    deny_token_decryption,
    grant_table,
    sse_sqs_queue,
)
from infra.constructs.data import SPECS
from infra.constructs.functions import FunctionShape, Packaging, python_function
from infra.environment import function_environment
from shared.env import Env
from shared.settings import InventorySettings

RULE_NAME = f"{SERVICE_NAME}-inventory-changed"


@dataclass(frozen=True)
class Lane:
    """One function of the pipeline: the queue it consumes and what it may reach besides its tables.

    `calls_amazon`: LWA secret, refresh-token decryption and the shared rate-limit buckets (without it, decrypting a
    token is denied). `sends_to`: queues it may
    send to besides its own DLQ (a re-queue with a delay counts). `max_concurrency`: the event source's
    MaximumConcurrency, at most this many invocations at once (README, Operations: why each number).
    """

    name: str
    queue: Queue
    handler: str
    description: str
    timeout_seconds: int
    memory_mb: int
    batch_size: int
    max_concurrency: int
    batching_window_seconds: int = 0
    calls_amazon: bool = False
    keeps_feeds: bool = False
    publishes_events: bool = False
    sends_to: tuple[Queue, ...] = ()

    @property
    def title(self) -> str:
        """CamelCase form used in construct ids and output keys."""
        return camel(self.name)


LANES = (
    Lane(
        name="input",
        queue=Queue.INVENTORY_INPUT,
        handler="functions.inventory_input.lambda_handler",
        description="Inventory input: validates merchant values, keeps the latest per SKU, queues the offer changes",
        timeout_seconds=300,
        memory_mb=1024,
        batch_size=10,
        # DynamoDB only, but every invocation reads and conditionally writes state buckets: more at once means more
        # lost version races (re-read and retry) on a burst of one connection's SKUs, not more throughput.
        max_concurrency=5,
        publishes_events=True,
        sends_to=(Queue.INVENTORY_CHANGES, Queue.INVENTORY_FASTLANE),
    ),
    Lane(
        name="feeds",
        queue=Queue.INVENTORY_CHANGES,
        handler="functions.inventory_feeds.lambda_handler",
        description="Inventory feeds: batches queued offer changes into JSON_LISTINGS_FEED submissions",
        timeout_seconds=900,
        memory_mb=2048,
        batch_size=INVENTORY_FEED_BATCH_SIZE,
        batching_window_seconds=INVENTORY_FEED_BATCHING_WINDOW_SECONDS,
        # Each seller gets few feed submissions (createFeed's own bucket); two at a time keep feeds large.
        max_concurrency=2,
        calls_amazon=True,
        keeps_feeds=True,
        sends_to=(Queue.INVENTORY_CHANGES, Queue.INVENTORY_RESULTS),
    ),
    Lane(
        name="fastlane",
        queue=Queue.INVENTORY_FASTLANE,
        handler="functions.inventory_fastlane.lambda_handler",
        description="Inventory fast lane: patches stock-outs one SKU at a time (patchListingsItem)",
        timeout_seconds=120,
        memory_mb=512,
        batch_size=10,
        # patchListingsItem allows 5 requests/s per seller (burst 5): five invocations, each patching one SKU at a
        # time, already fill a seller's rate; more would only wait in the shared rate limiter, billed.
        max_concurrency=5,
        calls_amazon=True,
        # Reads the feeds in flight and adds its stock-outs to their watch lists (shared/inventory/watch.py).
        keeps_feeds=True,
        publishes_events=True,
        sends_to=(Queue.INVENTORY_CHANGES,),
    ),
    Lane(
        name="results",
        queue=Queue.INVENTORY_RESULTS,
        handler="functions.inventory_results.lambda_handler",
        description="Inventory results: reads a feed's processing report and records Amazon's verdict per SKU",
        timeout_seconds=900,
        memory_mb=2048,
        batch_size=1,
        # One feed per invocation, and at most two feeds lanes submit them: two feed checks (and report downloads of
        # up to 2 GB of memory each) at once keep pace with them, and the re-polls wait in the queue, not in Lambda.
        max_concurrency=2,
        calls_amazon=True,
        keeps_feeds=True,
        publishes_events=True,
        sends_to=(Queue.INVENTORY_CHANGES, Queue.INVENTORY_FASTLANE, Queue.INVENTORY_RESULTS),
    ),
)
TABLES = (Table.CONNECTIONS, Table.INVENTORY, Table.FEEDS, Table.RATE_LIMITS)


@dataclass(frozen=True)
class _Shared:
    """What the pipeline's functions are granted from or told about."""

    key: kms.IKey
    tables: Mapping[Table, dynamodb.Table]
    bus: events.IEventBus
    lwa_secret: secretsmanager.ISecret
    notifications_queue: sqs.IQueue


class Inventory(Construct):
    """The pipeline's queues + DLQs and the InventoryChanged rule (with its own DLQ); then the four functions."""

    def __init__(self, scope: Construct, construct_id: str, *, bus: events.IEventBus) -> None:
        super().__init__(scope, construct_id)
        self.queues: dict[Queue, sqs.Queue] = {}
        self.dlqs: dict[Queue, sqs.Queue] = {}
        for lane in LANES:
            self._queue(lane)
        self.rule_dlq = sse_sqs_queue(self, "RuleDlq", retention_period=Duration.days(DLQ_RETENTION_DAYS))
        nag.acknowledge_resource(self.rule_dlq, "AwsSolutions-SQS3", nag.EVENT_TARGET_DLQ)
        self.rule = events.Rule(
            self,
            "ChangedRule",
            rule_name=RULE_NAME,
            description=f"{SERVICE_NAME}: every {INVENTORY_CHANGED} event of the bus, whole, to the inventory input",
            event_bus=bus,
            event_pattern=events.EventPattern(detail_type=[INVENTORY_CHANGED]),
            targets=[QueueRuleTarget(self.queues[Queue.INVENTORY_INPUT], self.rule_dlq)],
        )
        allow_rule_to_send(self.rule, self.queues[Queue.INVENTORY_INPUT], self.rule_dlq)
        self.functions: dict[str, lambda_.Function] = {}

    def add_functions(
        self,
        *,
        packaging: Packaging,
        key: kms.IKey,
        tables: Mapping[Table, dynamodb.Table],
        bus: events.IEventBus,
        lwa_secret: secretsmanager.ISecret,
        notifications_queue: sqs.IQueue,
    ) -> None:
        """The four functions (`functions`, by lane name), each consuming its queue."""
        if self.functions:
            raise ValueError("the inventory functions are already built")
        shared = _Shared(key, tables, bus, lwa_secret, notifications_queue)
        for lane in LANES:
            self.functions[lane.name] = self._function(lane, packaging, shared)

    def _queue(self, lane: Lane) -> None:
        title = camel(lane.queue.value).removeprefix("Inventory")
        dlq = sse_sqs_queue(self, f"{title}Dlq", retention_period=Duration.days(DLQ_RETENTION_DAYS))
        # AWS: at least 6x the function's timeout, plus the batching window the messages wait in before an invocation.
        visibility = lane.timeout_seconds * VISIBILITY_TIMEOUT_FACTOR + lane.batching_window_seconds
        self.queues[lane.queue] = sse_sqs_queue(
            self,
            f"{title}Queue",
            visibility_timeout=Duration.seconds(visibility),
            retention_period=Duration.days(WORK_QUEUE_RETENTION_DAYS),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVE_COUNT, queue=dlq),
        )
        self.dlqs[lane.queue] = dlq

    def _supplied(self, lane: Lane, shared: _Shared) -> dict[str, str]:
        """Every name and URL of the pipeline (InventorySettings reads them all); grants are per lane."""
        supplied: dict[str, str] = {
            Env.SERVICE_NAME: f"{SERVICE_NAME}-inventory-{lane.name}",
            Env.METRICS_NAMESPACE: METRICS_NAMESPACE,
            Env.EVENT_BUS_NAME: shared.bus.event_bus_name,
            Env.LWA_SECRET_ARN: shared.lwa_secret.secret_arn,
            Env.KMS_KEY_ARN: shared.key.key_arn,
            Env.NOTIFICATIONS_QUEUE_ARN: shared.notifications_queue.queue_arn,
            Env.INVENTORY_FEED_POLL_SECONDS: str(INVENTORY_FEED_POLL_SECONDS),
        }
        supplied.update({table_env_key(table): shared.tables[table].table_name for table in TABLES})
        supplied.update({queue_env_key(queue): built.queue_url for queue, built in self.queues.items()})
        supplied.update({dlq_env_key(queue): built.queue_url for queue, built in self.dlqs.items()})
        return supplied

    def _function(self, lane: Lane, packaging: Packaging, shared: _Shared) -> lambda_.Function:
        shape = FunctionShape(
            description=lane.description,
            handler=lane.handler,
            timeout_seconds=lane.timeout_seconds,
            memory_mb=lane.memory_mb,
            environment=function_environment(
                f"the inventory {lane.name} function", InventorySettings, self._supplied(lane, shared)
            ),
        )
        function, role = python_function(Construct(self, lane.title), packaging, shape)
        self._grant(lane, function, role, shared)
        self._acknowledge(lane, role, shared)
        window = lane.batching_window_seconds
        function.add_event_source(
            sources.SqsEventSource(
                self.queues[lane.queue],
                batch_size=lane.batch_size,
                max_batching_window=Duration.seconds(window) if window else None,
                max_concurrency=lane.max_concurrency,
                report_batch_item_failures=True,
            )
        )
        return function

    def _grant(self, lane: Lane, function: lambda_.Function, role: iam.Role, shared: _Shared) -> None:
        """Least privilege per lane: refresh tokens decrypt only in the lanes that call Amazon with them."""
        for table in _tables(lane):
            grant_table(shared.tables[table], function, table_actions(table, Access.READ_WRITE), shared.key)
        if lane.calls_amazon:
            # The refresh tokens are encrypted with the stack key under their connection's encryption context.
            shared.key.grant_decrypt(function)
            shared.lwa_secret.grant_read(function)
        else:
            deny_token_decryption(role, shared.key)
        if lane.publishes_events:
            shared.bus.grant_put_events_to(function)
        # A message that can never be processed goes straight to the DLQ with its reason.
        self.dlqs[lane.queue].grant_send_messages(function)
        for queue in lane.sends_to:
            self.queues[queue].grant_send_messages(function)

    @staticmethod
    def _acknowledge(lane: Lane, role: iam.Role, shared: _Shared) -> None:
        nag.acknowledge_policy(role, "AwsSolutions-IAM5[Resource::*]", nag.XRAY_WILDCARD)
        for family in ("kms:GenerateDataKey*", "kms:ReEncrypt*"):
            nag.acknowledge_policy(role, f"AwsSolutions-IAM5[Action::{family}]", nag.KMS_ACTION_FAMILY)
        for table in _tables(lane):
            if SPECS[table].gsi1:
                nag.acknowledge_table_index(role, shared.tables[table])


def _tables(lane: Lane) -> tuple[Table, ...]:
    """The tables a lane reads and writes."""
    tables: tuple[Table, ...] = (Table.CONNECTIONS, Table.INVENTORY)
    if lane.calls_amazon:
        tables += (Table.RATE_LIMITS,)
    if lane.keeps_feeds:
        tables += (Table.FEEDS,)
    return tables
