"""The CloudWatch dashboard and the alarms, all notifying the alarm topic.

Alarms: per sync function errors > 0 and throttles > 0; per dead-letter queue (work, scheduler, on-connect rule,
notifications) a visible message; per table throttled reads or writes; a connection needing re-authorization, and
(with the `authorization` sync type) a re-authorization due within 30 days; (with `orders`) order import lag; the
notifications consumer's errors and throttles, and a notification waiting longer than 5 minutes; the inventory
pipeline's function errors and throttles, a message in any of its DLQs (the InventoryChanged rule's included), a change
waiting longer than 30 minutes for a feed, and any failed feed. The dashboard has API, bus and table widgets, one row
per sync type, a connections row, a notifications row and the inventory rows.
"""

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import METRICS_NAMESPACE, SERVICE_NAME, Queue, Table, camel
from infra.constructs.inventory import Inventory
from infra.constructs.notifications import Notifications
from infra.constructs.syncs import SyncWorker
from shared.inventory import SYNC_TYPE as INVENTORY
from shared.orders import SYNC_TYPE as ORDERS
from shared.sync.authorization import REAUTHORIZATION_WARNING_DAYS
from shared.sync.authorization import SYNC_TYPE as AUTHORIZATION
from shared.sync.metrics import (
    CONNECTIONS_NEEDING_REAUTHORIZATION,
    DAYS_UNTIL_REAUTHORIZATION,
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
    NOTIFICATIONS_DEAD_LETTERED,
    NOTIFICATIONS_PROCESSED,
    ORDER_EVENTS_PUBLISHED,
    ORDER_IMPORT_LAG_SECONDS,
    ORDERS_CHANGED,
    ORDERS_IMPORTED,
    SYNC_DIMENSION,
    SYNC_FAILURES,
    SYNC_RUNS,
)

# The custom metrics above are declared, with their namespace (METRICS_NAMESPACE) and their one `sync_type` dimension,
# in shared/sync/metrics.py. CloudWatch matches the full dimension set, so Powertools' default `service` dimension
# would hide them from these widgets and alarms (tests/infra/test_metric_contract.py checks every one they read).
PERIOD = Duration.minutes(5)
# The authorization gauges arrive once per hourly dispatch; an alarm on them keeps its state between data points.
GAUGE_PERIOD = Duration.hours(1)
# Order import lag: the median order version reached the bus more than 15 minutes after Amazon changed it, in each of
# three consecutive periods (a lone late order does not page anyone; an import that keeps falling behind does).
ORDER_LAG_THRESHOLD_SECONDS = 900
ORDER_LAG_PERIODS = 3
# A notification older than this is waiting on retries or on a consumer that cannot keep up.
NOTIFICATION_AGE_THRESHOLD_SECONDS = 300
# A change older than this has missed several feed windows: the feeds function is failing or cannot keep up.
INVENTORY_CHANGE_AGE_THRESHOLD_SECONDS = 1800
# Metrics AWS publishes for which CDK has no method: DynamoDB's throttle events (dimension TableName) and the bus's
# (namespace AWS/Events, dimension EventBusName). Our own metrics' names come from shared/sync/metrics.py.
READ_THROTTLE_EVENTS = "ReadThrottleEvents"
WRITE_THROTTLE_EVENTS = "WriteThrottleEvents"
EVENTS_NAMESPACE = "AWS/Events"
EVENT_BUS_DIMENSION = "EventBusName"
MATCHED_EVENTS = "MatchedEvents"
INVOCATION_ATTEMPTS = "InvocationAttempts"


class Observability(Construct):
    """One dashboard plus the alarms; it synthesizes with an empty registry too (no sync rows then)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic: sns.ITopic,
        tables: Mapping[Table, dynamodb.Table],
        http_api: apigwv2.HttpApi,
        bus: events.IEventBus,
        workers: Sequence[SyncWorker],
        notifications: Notifications,
        inventory: Inventory,
    ) -> None:
        super().__init__(scope, construct_id)
        self._action = actions.SnsAction(topic)
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.hours(6))
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(markdown=f"# {SERVICE_NAME}", width=24, height=1),
        )
        self.dashboard.add_widgets(_api_widget(http_api), _bus_widget(bus))
        self.dashboard.add_widgets(*(self._table(table, built) for table, built in tables.items()))
        for worker in workers:
            self.dashboard.add_widgets(*self._worker(worker))
        if workers:
            self.dashboard.add_widgets(*self._connections([worker.entry.name for worker in workers]))
        if any(worker.entry.name == ORDERS for worker in workers):
            self.dashboard.add_widgets(*self._orders())
        self.dashboard.add_widgets(*self._notifications(notifications))
        for row in self._inventory(inventory):
            self.dashboard.add_widgets(*row)

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        description: str,
        *,
        threshold: float = 0,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
        periods: int = 1,
    ) -> cloudwatch.Alarm:
        """By default fires on any non-zero value in one period, and missing data (nothing ran) is fine."""
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            treat_missing_data=missing,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        return alarm

    def _dlq_alarm(self, construct_id: str, queue: sqs.IQueue, description: str) -> None:
        visible = queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum")
        self._alarm(construct_id, visible, description)

    def _table(self, table: Table, built: dynamodb.Table) -> cloudwatch.IWidget:
        # On-demand tables still throttle: past twice the previous traffic peak, on a hot partition key, or at the
        # table's maximum throughput. ThrottledRequests needs an Operation dimension per API call and UserErrors is
        # per account and region, so neither names the table; Read/WriteThrottleEvents (TableName) do.
        throttles = cloudwatch.MathExpression(
            expression="reads + writes",
            using_metrics={
                "reads": built.metric(READ_THROTTLE_EVENTS, statistic="Sum", period=PERIOD),
                "writes": built.metric(WRITE_THROTTLE_EVENTS, statistic="Sum", period=PERIOD),
            },
            label="Throttle events",
            period=PERIOD,
        )
        self._alarm(f"{camel(table.value)}TableThrottles", throttles, f"{SERVICE_NAME}: table {table.value} throttled")
        return cloudwatch.GraphWidget(
            title=f"Table {table.value}",
            width=6,
            left=[built.metric_consumed_read_capacity_units(), built.metric_consumed_write_capacity_units()],
            right=[throttles],
        )

    def _connections(self, sync_types: Sequence[str]) -> list[cloudwatch.IWidget]:
        """Alarms on the connections' authorizations, and their dashboard row.

        Both metrics are gauges refreshed by the hourly authorization dispatch and jobs, so missing data keeps the
        alarm's state: a connection needing re-authorization stays in ALARM until the dispatch counts 0.
        """
        needing = _needing_reauthorization(sync_types)
        self._alarm(
            "ConnectionsNeedReauthorization",
            needing,
            f"{SERVICE_NAME}: a connection needs re-authorization (seller removed the app or the authorization "
            "expired); its status_reason says why, the seller must authorize again",
            missing=cloudwatch.TreatMissingData.IGNORE,
        )
        widgets: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(title="Connections needing re-authorization", width=12, left=[needing])
        ]
        if AUTHORIZATION in sync_types:
            days = _sync_metric(DAYS_UNTIL_REAUTHORIZATION, AUTHORIZATION, "Minimum", GAUGE_PERIOD)
            self._alarm(
                "ReauthorizationDue",
                days,
                f"{SERVICE_NAME}: a connection must be re-authorized within {REAUTHORIZATION_WARNING_DAYS} days "
                "(the authorization sync's status items show days_until_reauthorization per connection)",
                threshold=REAUTHORIZATION_WARNING_DAYS,
                comparison=cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
                missing=cloudwatch.TreatMissingData.IGNORE,
            )
            widgets.append(cloudwatch.GraphWidget(title="Fewest days until re-authorization", width=12, left=[days]))
        return widgets

    def _worker(self, worker: SyncWorker) -> list[cloudwatch.IWidget]:
        name, title, function = worker.entry.name, worker.entry.title, worker.function
        self._alarm(f"{title}Errors", function.metric_errors(period=PERIOD), f"{SERVICE_NAME}: {name} function errors")
        self._alarm(
            f"{title}Throttles", function.metric_throttles(period=PERIOD), f"{SERVICE_NAME}: {name} function throttled"
        )
        self._dlq_alarm(f"{title}DlqMessages", worker.dlq, f"{SERVICE_NAME}: {name} jobs failed into the DLQ")
        queues = [
            worker.queue.metric_approximate_number_of_messages_visible(label="Queue depth"),
            worker.dlq.metric_approximate_number_of_messages_visible(label="DLQ depth"),
        ]
        if worker.schedule_dlq is not None:
            self._dlq_alarm(
                f"{title}ScheduleDlqMessages", worker.schedule_dlq, f"{SERVICE_NAME}: {name} dispatch undeliverable"
            )
            queues.append(worker.schedule_dlq.metric_approximate_number_of_messages_visible(label="Schedule DLQ"))
        if worker.on_connect is not None:
            self._dlq_alarm(
                f"{title}OnConnectDlqMessages",
                worker.on_connect.dlq,
                f"{SERVICE_NAME}: {name} job of a new connection undeliverable (the DLQ message's attributes say why)",
            )
            queues.append(worker.on_connect.dlq.metric_approximate_number_of_messages_visible(label="On-connect DLQ"))
        return [
            cloudwatch.GraphWidget(
                title=f"{name}: invocations, errors, throttles",
                width=8,
                left=[function.metric_invocations(), function.metric_errors(), function.metric_throttles()],
                right=[function.metric_duration(statistic="p95")],
            ),
            cloudwatch.GraphWidget(title=f"{name}: queues", width=8, left=queues),
            cloudwatch.GraphWidget(
                title=f"{name}: sync runs",
                width=8,
                left=[_sync_metric(SYNC_RUNS, name), _sync_metric(SYNC_FAILURES, name)],
            ),
        ]

    def _orders(self) -> list[cloudwatch.IWidget]:
        """The order import lag alarm and the orders row (polling and notifications both count as sync_type orders)."""
        lag = _sync_metric(ORDER_IMPORT_LAG_SECONDS, ORDERS, "p50")
        self._alarm(
            "OrderImportLag",
            lag,
            f"{SERVICE_NAME}: orders reach the bus more than {ORDER_LAG_THRESHOLD_SECONDS // 60} minutes after Amazon "
            "changed them (median, 15 minutes running): the import is falling behind (rate limits, failing runs or "
            "notifications)",
            threshold=ORDER_LAG_THRESHOLD_SECONDS,
            periods=ORDER_LAG_PERIODS,
        )
        counts = [_sync_metric(name, ORDERS) for name in (ORDERS_IMPORTED, ORDERS_CHANGED, ORDER_EVENTS_PUBLISHED)]
        return [
            cloudwatch.GraphWidget(title="orders: imported, changed, events published", width=12, left=counts),
            cloudwatch.GraphWidget(
                title="orders: import lag (s)",
                width=12,
                left=[lag, _sync_metric(ORDER_IMPORT_LAG_SECONDS, ORDERS, "Maximum")],
            ),
        ]

    def _notifications(self, notifications: Notifications) -> list[cloudwatch.IWidget]:
        queue, dlq, function = notifications.queue, notifications.dlq, notifications.function
        errors = function.metric_errors(period=PERIOD)
        self._alarm("NotificationsErrors", errors, f"{SERVICE_NAME}: notifications function errors")
        self._alarm(
            "NotificationsThrottles",
            function.metric_throttles(period=PERIOD),
            f"{SERVICE_NAME}: notifications function throttled",
        )
        self._dlq_alarm(
            "NotificationsDlqMessages",
            dlq,
            f"{SERVICE_NAME}: notifications failed into the DLQ (dead-lettered ones carry their reason)",
        )
        age = queue.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum")
        self._alarm(
            "NotificationsAge",
            age,
            f"{SERVICE_NAME}: a notification has waited more than {NOTIFICATION_AGE_THRESHOLD_SECONDS // 60} minutes "
            "(failing and retried, or the consumer cannot keep up)",
            threshold=NOTIFICATION_AGE_THRESHOLD_SECONDS,
        )
        return [
            cloudwatch.GraphWidget(
                title="notifications: invocations, errors, throttles",
                width=8,
                left=[function.metric_invocations(), function.metric_errors(), function.metric_throttles()],
                right=[function.metric_duration(statistic="p95")],
            ),
            cloudwatch.GraphWidget(
                title="notifications: queue",
                width=8,
                left=[
                    queue.metric_approximate_number_of_messages_visible(label="Queue depth"),
                    dlq.metric_approximate_number_of_messages_visible(label="DLQ depth"),
                ],
                right=[queue.metric_approximate_age_of_oldest_message(label="Oldest message (s)")],
            ),
            cloudwatch.GraphWidget(
                title="notifications: processed, dead-lettered",
                width=8,
                left=[_sync_metric(NOTIFICATIONS_PROCESSED, ORDERS), _sync_metric(NOTIFICATIONS_DEAD_LETTERED, ORDERS)],
            ),
        ]

    def _inventory(self, inventory: Inventory) -> list[list[cloudwatch.IWidget]]:
        """The inventory pipeline's alarms and its three dashboard rows: values in, feeds, queues and functions."""
        for name, function in inventory.functions.items():
            title = f"Inventory{camel(name)}"
            label = f"inventory {name} function"
            self._alarm(f"{title}Errors", function.metric_errors(period=PERIOD), f"{SERVICE_NAME}: {label} errors")
            self._alarm(
                f"{title}Throttles", function.metric_throttles(period=PERIOD), f"{SERVICE_NAME}: {label} throttled"
            )
        for queue, dlq in inventory.dlqs.items():
            self._dlq_alarm(
                f"{camel(queue.value)}DlqMessages",
                dlq,
                f"{SERVICE_NAME}: {queue.value.replace('_', ' ')} messages failed into the DLQ (with their reason)",
            )
        self._dlq_alarm(
            "InventoryRuleDlqMessages",
            inventory.rule_dlq,
            f"{SERVICE_NAME}: InventoryChanged events undeliverable to the input queue (the attributes say why)",
        )
        changes = inventory.queues[Queue.INVENTORY_CHANGES]
        self._alarm(
            "InventoryChangesAge",
            changes.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum"),
            f"{SERVICE_NAME}: an inventory change has waited more than {INVENTORY_CHANGE_AGE_THRESHOLD_SECONDS // 60} "
            "minutes for a feed (the feeds function fails, is throttled at Amazon or cannot keep up)",
            threshold=INVENTORY_CHANGE_AGE_THRESHOLD_SECONDS,
        )
        failed = _sync_metric(INVENTORY_FEEDS_FAILED, INVENTORY)
        self._alarm(
            "InventoryFeedsFailed",
            failed,
            f"{SERVICE_NAME}: Amazon refused or could not process an inventory feed (its changes are re-queued; the "
            "feeds table and the logs say why)",
        )
        return [_inventory_flow(failed), _inventory_outcomes(inventory), _inventory_functions(inventory)]


def _inventory_flow(failed: cloudwatch.IMetric) -> list[cloudwatch.IWidget]:
    def metrics(*names: str) -> list[cloudwatch.IMetric]:
        return [_sync_metric(name, INVENTORY) for name in names]

    return [
        cloudwatch.GraphWidget(
            title="inventory: records received, invalid, stale, ties resolved",
            width=8,
            left=metrics(
                INVENTORY_RECORDS_RECEIVED, INVENTORY_RECORDS_INVALID, INVENTORY_RECORDS_STALE, INVENTORY_TIES_RESOLVED
            ),
        ),
        cloudwatch.GraphWidget(
            title="inventory: changes queued, stock-out patches, repairs of overwritten ones",
            width=8,
            left=metrics(INVENTORY_CHANGES_QUEUED, INVENTORY_STOCK_OUT_PATCHES, INVENTORY_STOCK_OUT_REPAIRS),
        ),
        cloudwatch.GraphWidget(
            title="inventory: feeds submitted, failed",
            width=8,
            left=[*metrics(INVENTORY_FEEDS_SUBMITTED), failed],
        ),
    ]


def _inventory_outcomes(inventory: Inventory) -> list[cloudwatch.IWidget]:
    queues = inventory.queues.items()
    return [
        cloudwatch.GraphWidget(
            title="inventory: messages accepted, rejected by Amazon",
            width=8,
            left=[_sync_metric(name, INVENTORY) for name in (INVENTORY_MESSAGES_ACCEPTED, INVENTORY_MESSAGES_REJECTED)],
        ),
        cloudwatch.GraphWidget(
            title="inventory: received to accepted by Amazon (s)",
            width=8,
            left=[_sync_metric(INVENTORY_ACCEPT_LATENCY_SECONDS, INVENTORY, stat) for stat in ("p50", "p99")],
        ),
        cloudwatch.GraphWidget(
            title="inventory: queue depth, oldest message (s)",
            width=8,
            left=[
                *(q.metric_approximate_number_of_messages_visible(label=_queue_label(n)) for n, q in queues),
                *(
                    dlq.metric_approximate_number_of_messages_visible(label=f"{_queue_label(n)} DLQ")
                    for n, dlq in inventory.dlqs.items()
                ),
                inventory.rule_dlq.metric_approximate_number_of_messages_visible(label="rule DLQ"),
            ],
            right=[q.metric_approximate_age_of_oldest_message(label=f"{_queue_label(n)} age") for n, q in queues],
        ),
    ]


def _inventory_functions(inventory: Inventory) -> list[cloudwatch.IWidget]:
    functions = inventory.functions.items()
    return [
        cloudwatch.GraphWidget(
            title="inventory functions: invocations, errors",
            width=12,
            left=[f.metric_invocations(label=f"{name} invocations") for name, f in functions],
            right=[f.metric_errors(label=f"{name} errors") for name, f in functions],
        ),
        cloudwatch.GraphWidget(
            title="inventory functions: duration p95 (ms), throttles",
            width=12,
            left=[f.metric_duration(statistic="p95", label=f"{name} p95") for name, f in functions],
            right=[f.metric_throttles(label=f"{name} throttles") for name, f in functions],
        ),
    ]


def _queue_label(queue: Queue) -> str:
    return queue.value.removeprefix("inventory_")


def _sync_metric(
    metric_name: str, sync_type: str, statistic: str = "Sum", period: Duration = PERIOD
) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=metric_name,
        dimensions_map={SYNC_DIMENSION: sync_type},
        statistic=statistic,
        period=period,
    )


def _needing_reauthorization(sync_types: Sequence[str]) -> cloudwatch.MathExpression:
    """The largest ConnectionsNeedingReauthorization any sync type reported in the hour (each may find a revocation)."""
    using = {
        f"m{index}": _sync_metric(CONNECTIONS_NEEDING_REAUTHORIZATION, name, "Maximum", GAUGE_PERIOD)
        for index, name in enumerate(sync_types)
    }
    return cloudwatch.MathExpression(
        expression=f"MAX([{', '.join(using)}])",
        using_metrics=using,
        label="Connections needing re-authorization",
        period=GAUGE_PERIOD,
    )


def _api_widget(http_api: apigwv2.HttpApi) -> cloudwatch.IWidget:
    return cloudwatch.GraphWidget(
        title="HTTP API",
        width=12,
        left=[http_api.metric_count(), http_api.metric_client_error(), http_api.metric_server_error()],
        right=[http_api.metric_latency(statistic="p95")],
    )


def _bus_widget(bus: events.IEventBus) -> cloudwatch.IWidget:
    def metric(name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=EVENTS_NAMESPACE,
            metric_name=name,
            dimensions_map={EVENT_BUS_DIMENSION: bus.event_bus_name},
            statistic="Sum",
            period=PERIOD,
        )

    return cloudwatch.GraphWidget(
        title="Event bus", width=12, left=[metric(MATCHED_EVENTS), metric(INVOCATION_ATTEMPTS)]
    )
