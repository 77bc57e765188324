"""The CloudWatch dashboard and the alarms, all notifying the alarm topic.

Alarms: per sync function errors > 0 and throttles > 0; per dead-letter queue (work and scheduler) a visible message;
per table throttled reads or writes. The dashboard has API, bus and table widgets, then one row per sync type.
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

from infra.config import METRICS_NAMESPACE, SERVICE_NAME, Table, camel
from infra.constructs.syncs import SyncWorker

# Custom metrics the sync functions emit (namespace METRICS_NAMESPACE). CloudWatch matches the full dimension set, so
# they must carry `sync_type` alone: Powertools' default `service` dimension would hide them from these widgets.
SYNC_RUNS = "SyncRuns"
SYNC_FAILURES = "SyncFailures"
SYNC_DIMENSION = "sync_type"
PERIOD = Duration.minutes(5)


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

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, description: str) -> cloudwatch.Alarm:
        """Fires on any non-zero value; missing data (nothing ran) is fine."""
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
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
                "reads": built.metric("ReadThrottleEvents", statistic="Sum", period=PERIOD),
                "writes": built.metric("WriteThrottleEvents", statistic="Sum", period=PERIOD),
            },
            label="Throttle events",
            period=PERIOD,
        )
        self._alarm(f"{camel(table.value)}Throttles", throttles, f"{SERVICE_NAME}: table {table.value} throttled")
        return cloudwatch.GraphWidget(
            title=f"Table {table.value}",
            width=6,
            left=[built.metric_consumed_read_capacity_units(), built.metric_consumed_write_capacity_units()],
            right=[throttles],
        )

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


def _sync_metric(metric_name: str, sync_type: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=metric_name,
        dimensions_map={SYNC_DIMENSION: sync_type},
        statistic="Sum",
        period=PERIOD,
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
            namespace="AWS/Events",
            metric_name=name,
            dimensions_map={"EventBusName": bus.event_bus_name},
            statistic="Sum",
            period=PERIOD,
        )

    return cloudwatch.GraphWidget(
        title="Event bus", width=12, left=[metric("MatchedEvents"), metric("InvocationAttempts")]
    )
