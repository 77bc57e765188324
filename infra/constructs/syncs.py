"""Per sync type: work queue + DLQ, then the function from its spec (event source and schedule included), built by one
construct, with the sync types' alarms and dashboard rows.

`Syncs` loops over the registry; `SyncWorker` builds one entry. The scheduler invokes the function with
`{"sync_type": name, "action": "dispatch"}`; the function enqueues one job per due connection on its own work queue
and then consumes those jobs through the SQS event source (partial batch failures reported, so only failed records
return to the queue and, after MAX_RECEIVE_COUNT receives, land in the DLQ).
"""

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.access import Access
from infra.config import DLQ_RETENTION_DAYS, MAX_RECEIVE_COUNT, SERVICE_NAME, WORK_QUEUE_RETENTION_DAYS, SyncType, Table
from infra.constructs.alarms import GAUGE_PERIOD, Row, activity_widget, alarm, dlq_alarm, sync_metric
from infra.constructs.common import kms_queue
from infra.constructs.functions import build_function
from infra.constructs.on_connect import OnConnect
from infra.constructs.resources import SharedQueue, StackResources
from infra.constructs.schedules import dispatch_schedule
from infra.spec import WORK_QUEUE, Consumes, FunctionSpec, QueueSpec, Tokens
from shared.env import Env
from shared.models.schedule import FAILING_AFTER_RUNS, STALL_INTERVALS, alarm_window, failing_period_seconds
from shared.orders import SYNC_TYPE as ORDERS
from shared.sync.authorization import REAUTHORIZATION_WARNING_DAYS
from shared.sync.authorization import SYNC_TYPE as AUTHORIZATION
from shared.sync.metrics import (
    CONNECTIONS_FAILING,
    CONNECTIONS_NEEDING_REAUTHORIZATION,
    DAYS_UNTIL_REAUTHORIZATION,
    ORDER_EVENTS_PUBLISHED,
    ORDER_IMPORT_LAG_SECONDS,
    ORDERS_CHANGED,
    ORDERS_IMPORTED,
    SYNC_FAILURES,
    SYNC_HEARTBEATS,
    SYNC_RUNS,
)

# A sync type's own work queue, as its function is given it.
WORK = QueueSpec(key=WORK_QUEUE, url_env=Env.SYNC_QUEUE_URL, dlq_env=Env.SYNC_DLQ_URL)
# Order import lag: the median order version reached the bus more than 15 minutes after Amazon changed it, in each of
# three consecutive periods (a lone late order does not page anyone; an import that keeps falling behind does).
ORDER_LAG_THRESHOLD_SECONDS = 900
ORDER_LAG_PERIODS = 3


def function_spec(entry: SyncType, schedule: str | None, api_url: str | None = None) -> FunctionSpec:
    """The function of a sync type: it consumes (and re-enqueues into) its work queue, on its schedule if any; one
    that makes connect links also records invites, reads the invite key and is told the API URL (when known)."""
    tables: dict[Table, Access | tuple[str, ...]] = dict(entry.tables)
    environment: dict[str, str] = {Env.SYNC_TYPE: entry.name}
    if entry.makes_connect_links:
        tables[Table.OAUTH_STATES] = ("dynamodb:PutItem",)
        environment |= {Env.API_URL: api_url} if api_url is not None else {}
    return FunctionSpec(
        name=entry.name,
        handler=entry.handler,
        description=entry.description,
        settings=entry.settings,
        timeout_seconds=entry.timeout_seconds,
        memory_mb=entry.memory_mb,
        tables=tables,
        consumes=Consumes(WORK_QUEUE, batch_size=entry.batch_size, max_concurrency=entry.max_concurrency),
        sends_to=(WORK_QUEUE, *entry.sends_to),
        reads_lwa_secret=entry.reads_lwa_secret,
        reads_invite_key=entry.makes_connect_links,
        puts_events=entry.publishes_events,
        tokens=Tokens.DECRYPT if entry.decrypts_refresh_tokens else Tokens.DENY,
        schedule=dispatch_schedule(entry.name, schedule) if schedule is not None else None,
        environment=environment,
        traced=entry.traced,
    )


class SyncWorker(Construct):
    """One sync type: work queue + DLQ, its function (role, log group, event source, schedule), (if it runs on
    connect) the rule that enqueues a job for every new or re-authorized connection, its alarms and dashboard row."""

    def __init__(
        self,
        scope: Construct,
        entry: SyncType,
        *,
        resources: StackResources,
        schedule: str | None,
        api_url: str | None = None,
    ) -> None:
        super().__init__(scope, entry.title)
        self.entry = entry
        key = resources.key
        self.dlq = kms_queue(self, "Dlq", key, retention_period=Duration.days(DLQ_RETENTION_DAYS))
        spec = function_spec(entry, schedule, api_url)
        self.queue = kms_queue(
            self,
            "Queue",
            key,
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
            retention_period=Duration.days(WORK_QUEUE_RETENTION_DAYS),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVE_COUNT, queue=self.dlq),
        )
        queues = {**resources.queues, WORK_QUEUE: SharedQueue(spec=WORK, queue=self.queue, dlq=self.dlq)}
        built = build_function(self, spec, resources, queues=queues)
        self.function, self.role, self.schedule_dlq = built.function, built.role, built.schedule_dlq
        self.on_connect: OnConnect | None = None
        if entry.runs_on_connect:
            self.on_connect = OnConnect(self, "OnConnect", entry, queue=self.queue, bus=resources.bus, key=key)
        self.alarms = [*built.alarms, *self._dlq_alarms(resources), *self._health_alarms(resources, schedule)]
        self.widget_row = self._row()

    def _dlq_alarms(self, resources: StackResources) -> list[cloudwatch.Alarm]:
        name, title, topic = self.entry.name, self.entry.title, resources.alarm_topic
        alarms = [
            dlq_alarm(self, f"{title}DlqMessages", self.dlq, f"{SERVICE_NAME}: {name} jobs failed into the DLQ", topic)
        ]
        if self.on_connect is not None:
            description = (
                f"{SERVICE_NAME}: {name} job of a new connection undeliverable (the DLQ message's attributes say why)"
            )
            alarms.append(dlq_alarm(self, f"{title}OnConnectDlqMessages", self.on_connect.dlq, description, topic))
        return alarms

    def _health_alarms(self, resources: StackResources, schedule: str | None) -> list[cloudwatch.Alarm]:
        """Stalled: no SyncHeartbeats (a success, or a dispatch with nothing due) in STALL_INTERVALS intervals of the
        schedule, missing data breaching. ConnectionsFailing: some connection failed FAILING_AFTER_RUNS runs in a row
        (the Maximum of the runner's 0/1 per run; missing data keeps the state until the next run says otherwise).
        None without a schedule whose interval CloudWatch can cover (shared/models/schedule.py)."""
        name, title, topic = self.entry.name, self.entry.title, resources.alarm_topic
        alarms = []
        window = alarm_window(schedule)
        if window is not None:
            heartbeats = sync_metric(SYNC_HEARTBEATS, name, "Sum", Duration.seconds(window.period_seconds))
            description = (
                f"{SERVICE_NAME}: no {name} run succeeded within {STALL_INTERVALS} schedule intervals ({schedule}): "
                "`sellersync status` marks the stalled connections"
            )
            alarms.append(
                alarm(
                    self,
                    f"{title}Stalled",
                    heartbeats,
                    description,
                    topic,
                    threshold=1,
                    comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                    missing=cloudwatch.TreatMissingData.BREACHING,
                    periods=window.periods,
                )
            )
        period = failing_period_seconds(schedule)
        if period is not None:
            failing = sync_metric(CONNECTIONS_FAILING, name, "Maximum", Duration.seconds(period))
            description = (
                f"{SERVICE_NAME}: a connection failed {FAILING_AFTER_RUNS} or more {name} runs in a row "
                "(`sellersync status`: consecutive failures and the last error)"
            )
            alarms.append(
                alarm(
                    self,
                    f"{title}ConnectionsFailing",
                    failing,
                    description,
                    topic,
                    missing=cloudwatch.TreatMissingData.IGNORE,
                )
            )
        return alarms

    def _row(self) -> Row:
        name = self.entry.name
        queues = [
            self.queue.metric_approximate_number_of_messages_visible(label="Queue depth"),
            self.dlq.metric_approximate_number_of_messages_visible(label="DLQ depth"),
        ]
        if self.schedule_dlq is not None:
            queues.append(self.schedule_dlq.metric_approximate_number_of_messages_visible(label="Schedule DLQ"))
        if self.on_connect is not None:
            queues.append(self.on_connect.dlq.metric_approximate_number_of_messages_visible(label="On-connect DLQ"))
        return [
            activity_widget(name, self.function),
            cloudwatch.GraphWidget(title=f"{name}: queues", width=8, left=queues),
            cloudwatch.GraphWidget(
                title=f"{name}: sync runs",
                width=8,
                left=[sync_metric(SYNC_RUNS, name), sync_metric(SYNC_FAILURES, name)],
                right=[sync_metric(SYNC_HEARTBEATS, name), sync_metric(CONNECTIONS_FAILING, name, "Maximum")],
            ),
        ]


class Syncs(Construct):
    """All sync types of the registry (`workers`, in registry order), their alarms and their dashboard rows: one per
    sync type, the connections' authorizations, and (with `orders`) the order import."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        registry: Sequence[SyncType],
        resources: StackResources,
        schedules: Mapping[str, str | None],
        api_url: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._topic = resources.alarm_topic
        self.workers = [
            SyncWorker(self, entry, resources=resources, schedule=schedules.get(entry.name), api_url=api_url)
            for entry in registry
        ]
        self.alarms: list[cloudwatch.Alarm] = [alarm for worker in self.workers for alarm in worker.alarms]
        self.widget_rows: list[Row] = [worker.widget_row for worker in self.workers]
        names = [entry.name for entry in registry]
        if names:
            self.widget_rows.append(self._connections(names))
        if ORDERS in names:
            self.widget_rows.append(self._orders())

    def _connections(self, sync_types: Sequence[str]) -> Row:
        """Alarms on the connections' authorizations, and their dashboard row.

        Both metrics are gauges refreshed by the hourly authorization dispatch and jobs, so missing data keeps the
        alarm's state: a connection needing re-authorization stays in ALARM until the dispatch counts 0.
        """
        needing = _needing_reauthorization(sync_types)
        description = (
            f"{SERVICE_NAME}: a connection needs re-authorization (seller removed the app or the authorization "
            "expired); its status_reason says why, the seller must authorize again"
        )
        ignore = cloudwatch.TreatMissingData.IGNORE
        self.alarms.append(
            alarm(self, "ConnectionsNeedReauthorization", needing, description, self._topic, missing=ignore)
        )
        widgets: Row = [cloudwatch.GraphWidget(title="Connections needing re-authorization", width=12, left=[needing])]
        if AUTHORIZATION in sync_types:
            days = sync_metric(DAYS_UNTIL_REAUTHORIZATION, AUTHORIZATION, "Minimum", GAUGE_PERIOD)
            due = alarm(
                self,
                "ReauthorizationDue",
                days,
                f"{SERVICE_NAME}: a connection must be re-authorized within {REAUTHORIZATION_WARNING_DAYS} days "
                "(the authorization sync's status items show days_until_reauthorization per connection)",
                self._topic,
                threshold=REAUTHORIZATION_WARNING_DAYS,
                comparison=cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
                missing=ignore,
            )
            self.alarms.append(due)
            widgets.append(cloudwatch.GraphWidget(title="Fewest days until re-authorization", width=12, left=[days]))
        return widgets

    def _orders(self) -> Row:
        """The order import lag alarm and the orders row (polling and notifications both count as sync_type orders)."""
        lag = sync_metric(ORDER_IMPORT_LAG_SECONDS, ORDERS, "p50")
        lagging = alarm(
            self,
            "OrderImportLag",
            lag,
            f"{SERVICE_NAME}: orders reach the bus more than {ORDER_LAG_THRESHOLD_SECONDS // 60} minutes after Amazon "
            "changed them (median, 15 minutes running): the import is falling behind (rate limits, failing runs or "
            "notifications)",
            self._topic,
            threshold=ORDER_LAG_THRESHOLD_SECONDS,
            periods=ORDER_LAG_PERIODS,
        )
        self.alarms.append(lagging)
        counts = [sync_metric(name, ORDERS) for name in (ORDERS_IMPORTED, ORDERS_CHANGED, ORDER_EVENTS_PUBLISHED)]
        return [
            cloudwatch.GraphWidget(title="orders: imported, changed, events published", width=12, left=counts),
            cloudwatch.GraphWidget(
                title="orders: import lag (s)",
                width=12,
                left=[lag, sync_metric(ORDER_IMPORT_LAG_SECONDS, ORDERS, "Maximum")],
            ),
        ]


def _needing_reauthorization(sync_types: Sequence[str]) -> cloudwatch.MathExpression:
    """The largest ConnectionsNeedingReauthorization any sync type reported in the hour (each may find a revocation)."""
    using = {
        f"m{index}": sync_metric(CONNECTIONS_NEEDING_REAUTHORIZATION, name, "Maximum", GAUGE_PERIOD)
        for index, name in enumerate(sync_types)
    }
    return cloudwatch.MathExpression(
        expression=f"MAX([{', '.join(using)}])",
        using_metrics=using,
        label="Connections needing re-authorization",
        period=GAUGE_PERIOD,
    )
