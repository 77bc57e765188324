"""The catalog's listings notifications (docs/catalog.md, "Listings notifications"): built only when the cdk.json
context `sellersync:listingsEventSource` is set.

    catalog_notifications, hourly: createDestination eventBridge{this account, this region} once ──▶ Amazon creates
        the partner event source (pending) ; createSubscription x3 per catalog connection
    Amazon ──▶ partner event source ──(associated by this stack's partner bus)──▶ partner event bus
    partner bus ──rule: LISTINGS_ITEM_STATUS_CHANGE(D) / _ISSUES_CHANGE / _MFN_QUANTITY_CHANGE (retries, then the
        rule DLQ)──▶ catalog notifications queue ──▶ catalog_notifications: re-reads the named SKUs into the listings
        table (ListingAdded / ListingChanged / ListingRemoved on the stack's bus)

These three types are EventBridge-only (an SQS subscription fails with InvalidInput), so they cannot share the
notifications queue. Amazon creates the partner event source when the EventBridge destination is created; it stays
pending until the account associates it with an event bus, named as the source, which is what the `AWS::Events::
EventBus` with `EventSourceName` here does. Its name is known only once the destination exists, so setting up takes
two deployments: `pending` builds the function, its schedule and queue (it subscribes the sellers, and Amazon creates
the source), then the source's whole name (`aws.partner/sellingpartnerapi.amazon/<account>/...`, from the function's
log or the EventBridge console) adds the bus and its rule. Unset: nothing here; the hourly catalog sync alone.

The queue is SSE-SQS like the other capability queues an EventBridge rule sends to. The consumer takes up to 100
messages per 10 s window (one batch's SKUs are re-read together, per connection and marketplace, 20 a call), two at a
time: the reads share the sellers' searchListingsItems buckets with the catalog sync.
"""

from dataclasses import replace

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra import nag
from infra.access import Access
from infra.config import DLQ_RETENTION_DAYS, SERVICE_NAME, Table
from infra.constructs.alarms import Row, activity_widget, dlq_alarm, queue_widget, sync_metric
from infra.constructs.common import QueueRuleTarget, allow_rule_to_send, sse_sqs_queue
from infra.constructs.functions import build_function
from infra.constructs.resources import SharedQueue, StackResources
from infra.spec import Consumes, FunctionSpec, QueueSpec, Schedule, Tokens
from shared.catalog import SYNC_TYPE
from shared.catalog.notification_models import DETAIL_TYPES
from shared.env import Env
from shared.settings import CatalogNotificationsSettings
from shared.sync.metrics import NOTIFICATIONS_DEAD_LETTERED, NOTIFICATIONS_PROCESSED

LISTINGS_EVENT_SOURCE_CONTEXT_KEY = "sellersync:listingsEventSource"
# The first deployment's value: the function subscribes the sellers (Amazon creates the partner event source), no bus
# is associated yet (its name is not known before).
PENDING = "pending"
# Amazon's partner event sources are named so (LISTINGS-SHIPMENTS-CANCELLATIONS.md A4, REFERENCE.md section 10).
PARTNER_SOURCE_PREFIX = "aws.partner/sellingpartnerapi.amazon"
NOTIFICATIONS = "catalog_notifications"
BATCH_SIZE = 100
BATCHING_WINDOW_SECONDS = 10
# The subscription sweep: a new connection (or one whose catalog sync was just enabled) is subscribed within the hour.
SUBSCRIBE_SCHEDULE = "rate(1 hour)"
SUBSCRIBE_PAYLOAD = {"kind": "subscribe"}

QUEUE = QueueSpec(
    key=NOTIFICATIONS,
    url_env=Env.CATALOG_NOTIFICATIONS_QUEUE_URL,
    dlq_env=Env.CATALOG_NOTIFICATIONS_DLQ_URL,
)
FUNCTION = FunctionSpec(
    name=NOTIFICATIONS,
    handler="functions.catalog_notifications.lambda_handler",
    description="Listings notifications (EventBridge): re-reads the SKUs they name into the listings table",
    settings=CatalogNotificationsSettings,
    timeout_seconds=300,
    memory_mb=512,
    # Connections are written only by recording the subscriptions and the destination.
    tables={
        Table.CONNECTIONS: Access.READ_WRITE,
        Table.LISTINGS: Access.READ_WRITE,
        Table.RATE_LIMITS: Access.READ_WRITE,
    },
    # Runs per batch of listings notifications: traced only under `sellersync:tracing` all (infra/tracing.py).
    traced=False,
    consumes=Consumes(
        NOTIFICATIONS, batch_size=BATCH_SIZE, batching_window_seconds=BATCHING_WINDOW_SECONDS, max_concurrency=2
    ),
    schedule=Schedule(
        expression=SUBSCRIBE_SCHEDULE,
        payload=SUBSCRIBE_PAYLOAD,
        description=f"{SERVICE_NAME}: every catalog connection subscribed to the listings notifications",
        invokes="the catalog notifications function",
    ),
    reads_lwa_secret=True,
    puts_events=True,
    # It reads the listings with each seller's refresh token, encrypted with the stack key under its connection.
    tokens=Tokens.DECRYPT,
)


def event_source(value: object) -> str | None:
    """The context's partner event source name (or PENDING), None when absent or empty; raises ValueError for anything
    else."""
    if value is None or value == "":
        return None
    if value != PENDING and (not isinstance(value, str) or not value.startswith(f"{PARTNER_SOURCE_PREFIX}/")):
        raise ValueError(
            f"{LISTINGS_EVENT_SOURCE_CONTEXT_KEY} must be {PENDING!r} or the partner event source's name as the "
            f"EventBridge console lists it ({PARTNER_SOURCE_PREFIX}/<account>/...), got {value!r}"
        )
    return str(value)


def queues(source: str | None) -> tuple[QueueSpec, ...]:
    """The shared queues this capability declares: its notifications queue when the source is configured."""
    return (QUEUE,) if source else ()


def functions(source: str | None) -> tuple[FunctionSpec, ...]:
    """Its queue's consumer when the source is configured."""
    return (FUNCTION,) if source else ()


class CatalogNotifications(Construct):
    """The partner event bus, its rule (with a DLQ) into the queue, the consumer, alarms and a dashboard row."""

    def __init__(self, scope: Construct, construct_id: str, *, resources: StackResources, source: str) -> None:
        super().__init__(scope, construct_id)
        self.shared: SharedQueue = resources.queues[NOTIFICATIONS]
        self.partner_bus: events.CfnEventBus | None = None
        topic = resources.alarm_topic
        self.alarms: list[cloudwatch.Alarm] = []
        if source != PENDING:
            self.alarms.append(self._partner_bus(source, topic))
        # The destination is the stack's own account and region (Amazon creates the partner event source there).
        stack = Stack.of(self)
        where = {
            str(Env.LISTINGS_DESTINATION_ACCOUNT): stack.account,
            str(Env.LISTINGS_DESTINATION_REGION): stack.region,
        }
        built = build_function(self, replace(FUNCTION, environment=where), resources)
        self.function: lambda_.Function = built.function
        self.alarms += [
            *built.alarms,
            dlq_alarm(
                self,
                "CatalogNotificationsDlqMessages",
                self.shared.dlq,
                f"{SERVICE_NAME}: listings notifications failed into the DLQ (dead-lettered ones carry their reason)",
                topic,
            ),
        ]
        self.widget_rows: list[Row] = [self._row()]

    def _partner_bus(self, source: str, topic: sns.ITopic) -> cloudwatch.Alarm:
        """The partner bus (the association with Amazon's source) and its rule into the queue; the rule DLQ's alarm."""
        self.partner_bus = events.CfnEventBus(self, "PartnerBus", name=source, event_source_name=source)
        bus = events.EventBus.from_event_bus_name(self, "PartnerBusRef", self.partner_bus.attr_name)
        rule_dlq = sse_sqs_queue(self, "RuleDlq", retention_period=Duration.days(DLQ_RETENTION_DAYS))
        nag.acknowledge_resource(rule_dlq, "AwsSolutions-SQS3", nag.EVENT_TARGET_DLQ)
        rule = events.Rule(
            self,
            "ListingsRule",
            rule_name=f"{SERVICE_NAME}-listings-notifications",
            description=f"{SERVICE_NAME}: Amazon's listings notifications, whole, to the catalog notifications queue",
            event_bus=bus,
            event_pattern=events.EventPattern(detail_type=list(DETAIL_TYPES)),
            targets=[QueueRuleTarget(self.shared.queue, rule_dlq)],
        )
        allow_rule_to_send(rule, self.shared.queue, rule_dlq)
        return dlq_alarm(
            self,
            "CatalogNotificationsRuleDlqMessages",
            rule_dlq,
            f"{SERVICE_NAME}: listings notifications undeliverable from the partner bus to their queue",
            topic,
        )

    def _row(self) -> Row:
        queue, dlq = self.shared.queue, self.shared.dlq
        return [
            activity_widget("catalog notifications", self.function),
            queue_widget("listings notifications: queue", queue, dlq),
            cloudwatch.GraphWidget(
                title="listings notifications: processed, dead-lettered",
                width=8,
                left=[
                    sync_metric(NOTIFICATIONS_PROCESSED, SYNC_TYPE),
                    sync_metric(NOTIFICATIONS_DEAD_LETTERED, SYNC_TYPE),
                ],
            ),
        ]
