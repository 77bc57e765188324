"""Amazon's SP-API notifications (ORDER_CHANGE first): the queue Amazon delivers to, its DLQ and the consumer.

The queue is a Standard queue (Amazon's SQS destinations must be) whose policy lets Amazon's notifications publisher,
account 437568002678 (SP-API reference, section 10), call sqs:SendMessage and sqs:GetQueueAttributes on it; every
other request must come over TLS. It is encrypted with SQS-managed keys (SSE-SQS), **not** the stack's KMS key: with
the stack key, Amazon's account would need kms:GenerateDataKey and kms:Decrypt on the key that also protects the
sellers' refresh tokens. Its DLQ holds the same messages and is encrypted the same way, so a redrive needs no key.

The queue is declared here (`QUEUE`) and built by the stack's queues step, before any function: the inventory
functions and the orders sync name it to Amazon. The consumer (`FUNCTION`) takes batches of 10 with partial batch
failures, at most 5 at a time (each notification costs getOrder calls against the sellers' shared rate limits). It
reads connections (and decrypts their refresh tokens with the stack key), reads and writes orders and rate-limit
buckets, publishes order events, hands FEED_PROCESSING_FINISHED over to the inventory results or the cancellations
queue (by feed type) and sends a message it can never process to the DLQ itself, with the reason.
"""

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.access import Access
from infra.config import AMAZON_NOTIFICATIONS_ACCOUNT, SERVICE_NAME, Queue, Table
from infra.constructs.alarms import PERIOD, Row, activity_widget, alarm, dlq_alarm, queue_widget, sync_metric
from infra.constructs.functions import build_function
from infra.constructs.resources import StackResources
from infra.spec import NOTIFICATIONS_QUEUE, Consumes, FunctionSpec, QueueSpec, Tokens
from shared.env import Env
from shared.orders import SYNC_TYPE as ORDERS
from shared.settings import NotificationsSettings
from shared.sync.metrics import NOTIFICATIONS_DEAD_LETTERED, NOTIFICATIONS_PROCESSED

# The cancellations queue (infra/constructs/shipments.py), named here to keep the constructs independent.
SHIPMENTS_CANCELLATIONS = "shipments_cancellations"
# Per batch: a getOrder per changed order (rate-limited, shared with the orders sync), a DynamoDB write and an event.
TIMEOUT_SECONDS = 120
# Five pollers at most: getOrder (0.5 requests/s per seller, burst 30) is shared with the orders sync through the
# rate limiter; more would wait there. Reserved concurrency equals it, so the event source is never throttled (a
# throttled poll counts as a receive, and after five the notification would land in the DLQ unprocessed) and the
# function always has its instances, whatever the rest of the account runs.
MAX_CONCURRENCY = 5
# What Amazon's publisher may do on the queue, and nothing else.
AMAZON_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueAttributes")
# A notification older than this is waiting on retries or on a consumer that cannot keep up.
NOTIFICATION_AGE_THRESHOLD_SECONDS = 300

QUEUE = QueueSpec(
    key=NOTIFICATIONS_QUEUE,
    arn_env=Env.NOTIFICATIONS_QUEUE_ARN,
    dlq_env=Env.NOTIFICATIONS_DLQ_URL,
    kept_paths=("Notifications/Queue", "Notifications/Dlq"),
)
FUNCTION = FunctionSpec(
    name="notifications",
    handler="functions.notifications.lambda_handler",
    description="Consumes Amazon's SP-API notifications (ORDER_CHANGE): fetches, stores and publishes orders",
    settings=NotificationsSettings,
    timeout_seconds=TIMEOUT_SECONDS,
    memory_mb=512,
    # The listings table for the SKU map only (order events name each line's merchant SKU).
    tables={
        Table.CONNECTIONS: Access.READ,
        Table.ORDERS: Access.READ_WRITE,
        Table.RATE_LIMITS: Access.READ_WRITE,
        Table.LISTINGS: Access.READ,
    },
    consumes=Consumes(NOTIFICATIONS_QUEUE, batch_size=10, max_concurrency=MAX_CONCURRENCY),
    # A feed's FEED_PROCESSING_FINISHED goes to the capability that sent it, which reads the feed's report: the
    # inventory pipeline (JSON_LISTINGS_FEED) or the cancellations (POST_ORDER_ACKNOWLEDGEMENT_DATA).
    sends_to=(Queue.INVENTORY_RESULTS, SHIPMENTS_CANCELLATIONS),
    reads_lwa_secret=True,
    puts_events=True,
    # The refresh tokens are encrypted with the stack key under their connection's encryption context.
    tokens=Tokens.DECRYPT,
    reserved_concurrency=MAX_CONCURRENCY,
    # Runs per order change and per finished feed: traced only under `sellersync:tracing` all (infra/tracing.py).
    traced=False,
)


class Notifications(Construct):
    """Opens the notifications queue to Amazon's publisher; its consumer function, alarms and dashboard row."""

    def __init__(self, scope: Construct, construct_id: str, *, resources: StackResources) -> None:
        super().__init__(scope, construct_id)
        shared = resources.queues[NOTIFICATIONS_QUEUE]
        self.queue, self.dlq = shared.queue, shared.dlq
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAmazonSpApiNotifications",
                principals=[iam.AccountPrincipal(AMAZON_NOTIFICATIONS_ACCOUNT)],
                actions=list(AMAZON_ACTIONS),
                resources=[self.queue.queue_arn],
            )
        )
        built = build_function(self, FUNCTION, resources)
        self.function, self.role = built.function, built.role
        self.alarms: list[cloudwatch.Alarm] = [*built.alarms, *self._alarms(resources)]
        self.widget_rows: list[Row] = [self._row()]

    def _alarms(self, resources: StackResources) -> list[cloudwatch.Alarm]:
        topic = resources.alarm_topic
        description = f"{SERVICE_NAME}: notifications failed into the DLQ (dead-lettered ones carry their reason)"
        age = self.queue.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum")
        return [
            dlq_alarm(self, "NotificationsDlqMessages", self.dlq, description, topic),
            alarm(
                self,
                "NotificationsAge",
                age,
                f"{SERVICE_NAME}: a notification has waited more than {NOTIFICATION_AGE_THRESHOLD_SECONDS // 60} "
                "minutes (failing and retried, or the consumer cannot keep up)",
                topic,
                threshold=NOTIFICATION_AGE_THRESHOLD_SECONDS,
            ),
        ]

    def _row(self) -> Row:
        queue, dlq = self.queue, self.dlq
        return [
            activity_widget("notifications", self.function),
            queue_widget("notifications: queue", queue, dlq),
            cloudwatch.GraphWidget(
                title="notifications: processed, dead-lettered",
                width=8,
                left=[sync_metric(NOTIFICATIONS_PROCESSED, ORDERS), sync_metric(NOTIFICATIONS_DEAD_LETTERED, ORDERS)],
            ),
        ]
