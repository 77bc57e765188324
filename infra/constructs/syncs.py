"""Per sync type: function, role, work queue + DLQ, event source and schedule, all built by one construct.

`Syncs` loops over the registry; `SyncWorker` builds one entry. The scheduler invokes the function with
`{"sync_type": name, "action": "dispatch"}`; the function enqueues one job per due connection on its own work queue
and then consumes those jobs through the SQS event source (partial batch failures reported, so only failed records
return to the queue and, after MAX_RECEIVE_COUNT receives, land in the DLQ).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import nag
from infra.config import (
    DLQ_RETENTION_DAYS,
    MAX_RECEIVE_COUNT,
    METRICS_NAMESPACE,
    SERVICE_NAME,
    VISIBILITY_TIMEOUT_FACTOR,
    WORK_QUEUE_RETENTION_DAYS,
    Queue,
    SyncType,
    Table,
    queue_env_key,
    table_actions,
    table_env_key,
)
from infra.constructs.common import deny_token_decryption, grant_table
from infra.constructs.data import SPECS
from infra.constructs.functions import FunctionShape, Packaging, python_function
from infra.constructs.on_connect import OnConnect
from infra.constructs.schedules import add_schedule
from infra.environment import function_environment
from shared.env import Env


@dataclass(frozen=True)
class SyncDependencies:
    """The shared resources a sync function may be granted or told about.

    `notifications_queue` is where Amazon delivers notifications; a sync whose settings declare its ARN subscribes
    sellers with it as the destination (it only names the queue to Amazon, so it is granted nothing on it).
    `queues` are the stack's shared queues: a sync is told the URL of each its settings declare, and may send to those
    its entry lists in `sends_to`.
    """

    key: kms.IKey
    tables: Mapping[Table, dynamodb.Table]
    bus: events.IEventBus
    lwa_secret: secretsmanager.ISecret
    notifications_queue: sqs.IQueue | None = None
    queues: Mapping[Queue, sqs.IQueue] = field(default_factory=dict)


class SyncWorker(Construct):
    """One sync type: its function, role, log group, work queue + DLQ, event source, (if scheduled) schedule and (if it
    runs on connect) the rule that enqueues a job for every new or re-authorized connection."""

    def __init__(
        self,
        scope: Construct,
        entry: SyncType,
        *,
        deps: SyncDependencies,
        packaging: Packaging,
        schedule: str | None,
    ) -> None:
        super().__init__(scope, entry.title)
        self.entry = entry
        self.dlq = _queue(self, "Dlq", deps.key, retention_period=Duration.days(DLQ_RETENTION_DAYS))
        self.queue = _queue(
            self,
            "Queue",
            deps.key,
            visibility_timeout=Duration.seconds(entry.timeout_seconds * VISIBILITY_TIMEOUT_FACTOR),
            retention_period=Duration.days(WORK_QUEUE_RETENTION_DAYS),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVE_COUNT, queue=self.dlq),
        )
        self.function = self._function(deps, packaging)
        self._grant(deps)
        self.function.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=entry.batch_size,
                max_concurrency=entry.max_concurrency,
                report_batch_item_failures=True,
            )
        )
        self.schedule_dlq: sqs.Queue | None = None
        if schedule is not None:
            self.schedule_dlq = _queue(
                self, "ScheduleDlq", deps.key, retention_period=Duration.days(DLQ_RETENTION_DAYS)
            )
            nag.acknowledge_resource(self.schedule_dlq, "AwsSolutions-SQS3", nag.SCHEDULER_DLQ)
            add_schedule(self, entry, self.function, expression=schedule, dlq=self.schedule_dlq, key=deps.key)
        self.on_connect: OnConnect | None = None
        if entry.runs_on_connect:
            self.on_connect = OnConnect(self, "OnConnect", entry, queue=self.queue, bus=deps.bus, key=deps.key)

    def _function(self, deps: SyncDependencies, packaging: Packaging) -> lambda_.Function:
        entry = self.entry
        shape = FunctionShape(
            description=entry.description,
            handler=entry.handler,
            timeout_seconds=entry.timeout_seconds,
            memory_mb=entry.memory_mb,
            environment=function_environment(f"sync type {entry.name}", entry.settings, self._supplied(deps)),
        )
        function, self.role = python_function(self, packaging, shape)
        return function

    def _supplied(self, deps: SyncDependencies) -> dict[str, str]:
        """Env values the stack can give this function: names and ARNs of what it is granted, never secrets."""
        entry = self.entry
        supplied: dict[str, str] = {
            Env.SERVICE_NAME: f"{SERVICE_NAME}-{entry.name}",
            Env.METRICS_NAMESPACE: METRICS_NAMESPACE,
            Env.SYNC_TYPE: entry.name,
            Env.SYNC_QUEUE_URL: self.queue.queue_url,
            Env.SYNC_DLQ_URL: self.dlq.queue_url,
            Env.KMS_KEY_ARN: deps.key.key_arn,
        }
        supplied.update({table_env_key(table): deps.tables[table].table_name for table in entry.tables})
        if entry.publishes_events:
            supplied[Env.EVENT_BUS_NAME] = deps.bus.event_bus_name
        if entry.reads_lwa_secret:
            supplied[Env.LWA_SECRET_ARN] = deps.lwa_secret.secret_arn
        if deps.notifications_queue is not None:
            supplied[Env.NOTIFICATIONS_QUEUE_ARN] = deps.notifications_queue.queue_arn
        supplied.update({queue_env_key(queue): built.queue_url for queue, built in deps.queues.items()})
        return supplied

    def _grant(self, deps: SyncDependencies) -> None:
        """Least privilege from the registry entry: the table actions of its access, the key actions they need."""
        entry, function = self.entry, self.function
        for table, access in entry.tables.items():
            grant_table(deps.tables[table], function, table_actions(table, access), deps.key)
            if SPECS[table].gsi1:
                nag.acknowledge_table_index(self.role, deps.tables[table])
        if not entry.decrypts_refresh_tokens:
            deny_token_decryption(self.role, deps.key)
        self.queue.grant_send_messages(function)
        # A job that can never succeed (malformed, or naming no connection) goes straight to the DLQ with its reason.
        self.dlq.grant_send_messages(function)
        if entry.publishes_events:
            deps.bus.grant_put_events_to(function)
        if entry.reads_lwa_secret:
            deps.lwa_secret.grant_read(function)
        for queue in entry.sends_to:
            if queue not in deps.queues:
                raise ValueError(f"sync type {entry.name} sends to {queue}, which this stack does not have")
            deps.queues[queue].grant_send_messages(function)
        nag.acknowledge_policy(self.role, "AwsSolutions-IAM5[Resource::*]", nag.XRAY_WILDCARD)
        for family in ("kms:GenerateDataKey*", "kms:ReEncrypt*"):
            nag.acknowledge_policy(self.role, f"AwsSolutions-IAM5[Action::{family}]", nag.KMS_ACTION_FAMILY)


class Syncs(Construct):
    """All sync types of the registry; `workers` lists them in registry order."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        registry: Sequence[SyncType],
        deps: SyncDependencies,
        packaging: Packaging,
        schedules: Mapping[str, str | None],
    ) -> None:
        super().__init__(scope, construct_id)
        self.workers = [
            SyncWorker(self, entry, deps=deps, packaging=packaging, schedule=schedules.get(entry.name))
            for entry in registry
        ]


def _queue(scope: Construct, construct_id: str, key: kms.IKey, **props: Any) -> sqs.Queue:
    """Every queue of the stack: encrypted with the stack key, reachable over TLS only."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        **props,
    )
