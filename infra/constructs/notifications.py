"""Amazon's SP-API notifications (ORDER_CHANGE first): the queue Amazon delivers to, its DLQ and the consumer.

The queue is a Standard queue (Amazon's SQS destinations must be) whose policy lets Amazon's notifications publisher,
account 437568002678 (SP-API reference, section 10), call sqs:SendMessage and sqs:GetQueueAttributes on it; every
other request must come over TLS. It is encrypted with SQS-managed keys (SSE-SQS), **not** the stack's KMS key: with
the stack key, Amazon's account would need kms:GenerateDataKey and kms:Decrypt on the key that also protects the
sellers' refresh tokens. Its DLQ holds the same messages and is encrypted the same way, so a redrive needs no key.

The consumer (`functions.notifications.lambda_handler`) takes batches of 10 with partial batch failures, at most 5 at
a time (each notification costs getOrder calls against the sellers' shared rate limits). It reads connections (and
decrypts their refresh tokens with the stack key), reads and writes orders and rate-limit buckets, publishes order
events, hands FEED_PROCESSING_FINISHED over to the inventory results queue and sends a message it can never process
to the DLQ itself, with the reason.
"""

from collections.abc import Mapping

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
    AMAZON_NOTIFICATIONS_ACCOUNT,
    DLQ_RETENTION_DAYS,
    MAX_RECEIVE_COUNT,
    METRICS_NAMESPACE,
    SERVICE_NAME,
    VISIBILITY_TIMEOUT_FACTOR,
    WORK_QUEUE_RETENTION_DAYS,
    Access,
    Table,
    table_actions,
)
from infra.constructs.common import grant_table, sse_sqs_queue
from infra.constructs.data import SPECS
from infra.constructs.functions import FunctionShape, Packaging, python_function
from infra.environment import function_environment
from shared.env import Env
from shared.settings import NotificationsSettings

HANDLER = "functions.notifications.lambda_handler"
NOTIFICATIONS_SERVICE = f"{SERVICE_NAME}-notifications"
# Per batch: a getOrder per changed order (rate-limited, shared with the orders sync), a DynamoDB write and an event.
TIMEOUT_SECONDS = 120
MEMORY_MB = 512
BATCH_SIZE = 10
# Five pollers at most: getOrder (0.5 requests/s per seller, burst 30) is shared with the orders sync through the
# rate limiter; more would wait there. Reserved concurrency equals it, so the event source is never throttled (a
# throttled poll counts as a receive, and after five the notification would land in the DLQ unprocessed) and the
# function always has its instances, whatever the rest of the account runs.
MAX_CONCURRENCY = 5
RESERVED_CONCURRENCY = MAX_CONCURRENCY
# What Amazon's publisher may do on the queue, and nothing else.
AMAZON_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueAttributes")
READ_TABLES = (Table.CONNECTIONS,)
READ_WRITE_TABLES = (Table.ORDERS, Table.RATE_LIMITS)


class Notifications(Construct):
    """The notifications queue + DLQ (SSE-SQS, open to Amazon's publisher only) and its consumer function."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        packaging: Packaging,
        key: kms.IKey,
        tables: Mapping[Table, dynamodb.Table],
        bus: events.IEventBus,
        lwa_secret: secretsmanager.ISecret,
        inventory_results: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dlq = sse_sqs_queue(self, "Dlq", retention_period=Duration.days(DLQ_RETENTION_DAYS))
        self.queue = sse_sqs_queue(
            self,
            "Queue",
            visibility_timeout=Duration.seconds(TIMEOUT_SECONDS * VISIBILITY_TIMEOUT_FACTOR),
            retention_period=Duration.days(WORK_QUEUE_RETENTION_DAYS),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVE_COUNT, queue=self.dlq),
        )
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAmazonSpApiNotifications",
                principals=[iam.AccountPrincipal(AMAZON_NOTIFICATIONS_ACCOUNT)],
                actions=list(AMAZON_ACTIONS),
                resources=[self.queue.queue_arn],
            )
        )
        supplied: dict[str, str] = {
            Env.SERVICE_NAME: NOTIFICATIONS_SERVICE,
            Env.METRICS_NAMESPACE: METRICS_NAMESPACE,
            Env.CONNECTIONS_TABLE: tables[Table.CONNECTIONS].table_name,
            Env.ORDERS_TABLE: tables[Table.ORDERS].table_name,
            Env.RATE_LIMITS_TABLE: tables[Table.RATE_LIMITS].table_name,
            Env.EVENT_BUS_NAME: bus.event_bus_name,
            Env.LWA_SECRET_ARN: lwa_secret.secret_arn,
            Env.KMS_KEY_ARN: key.key_arn,
            Env.NOTIFICATIONS_DLQ_URL: self.dlq.queue_url,
            Env.INVENTORY_RESULTS_QUEUE_URL: inventory_results.queue_url,
        }
        shape = FunctionShape(
            description="Consumes Amazon's SP-API notifications (ORDER_CHANGE): fetches, stores and publishes orders",
            handler=HANDLER,
            timeout_seconds=TIMEOUT_SECONDS,
            memory_mb=MEMORY_MB,
            environment=function_environment("the notifications consumer", NotificationsSettings, supplied),
        )
        self.function, self.role = python_function(
            self, packaging, shape, reserved_concurrent_executions=RESERVED_CONCURRENCY
        )
        self._grant(key, tables, bus, lwa_secret)
        # A feed's FEED_PROCESSING_FINISHED goes to the inventory pipeline, which reads the feed's report.
        inventory_results.grant_send_messages(self.function)
        self.function.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=BATCH_SIZE,
                max_concurrency=MAX_CONCURRENCY,
                report_batch_item_failures=True,
            )
        )

    def _grant(
        self,
        key: kms.IKey,
        tables: Mapping[Table, dynamodb.Table],
        bus: events.IEventBus,
        lwa_secret: secretsmanager.ISecret,
    ) -> None:
        function: lambda_.IFunction = self.function
        for table in READ_TABLES:
            grant_table(tables[table], function, table_actions(table, Access.READ), key)
        for table in READ_WRITE_TABLES:
            grant_table(tables[table], function, table_actions(table, Access.READ_WRITE), key)
        # The refresh tokens are encrypted with the stack key under their connection's encryption context.
        key.grant_decrypt(function)
        bus.grant_put_events_to(function)
        lwa_secret.grant_read(function)
        # A notification that can never be processed goes straight to the DLQ with its reason.
        self.dlq.grant_send_messages(function)
        nag.acknowledge_policy(self.role, "AwsSolutions-IAM5[Resource::*]", nag.XRAY_WILDCARD)
        for family in ("kms:GenerateDataKey*", "kms:ReEncrypt*"):
            nag.acknowledge_policy(self.role, f"AwsSolutions-IAM5[Action::{family}]", nag.KMS_ACTION_FAMILY)
        for table in READ_TABLES + READ_WRITE_TABLES:
            if SPECS[table].gsi1:
                nag.acknowledge_table_index(self.role, tables[table])
