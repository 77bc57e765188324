"""The CloudWatch dashboard: it lays out the rows the capabilities contribute, after the platform's own widgets.

Each capability construct owns its alarms and dashboard rows (`alarms`, `widget_rows`): the sync types
(infra/constructs/syncs.py: per sync function errors, throttles and DLQs, the connections' authorizations, the order
import lag), the notifications consumer, the inventory pipeline, the OAuth endpoints. This construct adds the
platform's: the HTTP API and the bus widgets, and per table a throttle alarm and widget. The dashboard has the API and
bus row, the tables row, then the capabilities' rows in the order given.
"""

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.config import SERVICE_NAME, Table, camel
from infra.constructs.alarms import PERIOD, Row, alarm

# Metrics AWS publishes for which CDK has no method: DynamoDB's throttle events (dimension TableName) and the bus's
# (namespace AWS/Events, dimension EventBusName). Our own metrics' names come from shared/sync/metrics.py.
READ_THROTTLE_EVENTS = "ReadThrottleEvents"
WRITE_THROTTLE_EVENTS = "WriteThrottleEvents"
EVENTS_NAMESPACE = "AWS/Events"
EVENT_BUS_DIMENSION = "EventBusName"
MATCHED_EVENTS = "MatchedEvents"
INVOCATION_ATTEMPTS = "InvocationAttempts"


class Observability(Construct):
    """One dashboard, and the table throttle alarms; it synthesizes with an empty registry too (no sync rows then)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic: sns.ITopic,
        tables: Mapping[Table, dynamodb.Table],
        http_api: apigwv2.HttpApi,
        bus: events.IEventBus,
        rows: Sequence[Row],
    ) -> None:
        super().__init__(scope, construct_id)
        self._topic = topic
        self.alarms: list[cloudwatch.Alarm] = []
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.hours(6))
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(markdown=f"# {SERVICE_NAME}", width=24, height=1),
        )
        self.dashboard.add_widgets(_api_widget(http_api), _bus_widget(bus))
        self.dashboard.add_widgets(*(self._table(table, built) for table, built in tables.items()))
        for row in rows:
            self.dashboard.add_widgets(*row)

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
        description = f"{SERVICE_NAME}: table {table.value} throttled"
        self.alarms.append(alarm(self, f"{camel(table.value)}TableThrottles", throttles, description, self._topic))
        return cloudwatch.GraphWidget(
            title=f"Table {table.value}",
            width=6,
            left=[built.metric_consumed_read_capacity_units(), built.metric_consumed_write_capacity_units()],
            right=[throttles],
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
