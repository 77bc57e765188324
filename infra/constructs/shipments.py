"""Shipments and cancellations back to Amazon (docs/shipments.md): three queues, three functions, two rules.

    bus: ShipmentCreated / OrderCancellationRequested ──rule──▶ input queue ◀── sellersync shipments|orders cancel
    input queue ──▶ shipments_input: a package is validated, recorded and confirmed (confirmShipment) at once, then
        checked after a delay ──▶ verify queue; a cancellation is recorded ──▶ cancellations queue (flush)
    bus: OrderImported / OrderChanged / OrderCancelled (sellersync.orders) ──rule──▶ verify queue
    verify queue ──▶ shipments_verify: confirms packages an order shows shipped (or one getOrder), reports the rest;
        on its schedule, sweeps every connection's orders at risk of shipping late (ShipmentsAtRisk)
    cancellations queue (5 s window) ──▶ shipments_cancellations: one order acknowledgement feed per connection and
        window, then its processing report (FEED_PROCESSING_FINISHED from the notifications consumer, or a poll)

The queues are SSE-SQS like the inventory pipeline's (an EventBridge target and the operator CLI send to the input
queue; the bodies hold order ids, SKUs and tracking numbers, nothing secret). The functions share ShipmentsSettings,
so each is told every queue of the capability; each is granted only what it uses.
"""

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import nag
from infra.access import Access
from infra.config import DLQ_RETENTION_DAYS, SERVICE_NAME, Table, camel
from infra.constructs.alarms import PERIOD, Row, activity_widget, alarm, dlq_alarm, sync_metric
from infra.constructs.common import QueueRuleTarget, allow_rule_to_send, sse_sqs_queue
from infra.constructs.functions import build_function
from infra.constructs.resources import SharedQueue, StackResources
from infra.spec import Consumes, FunctionSpec, QueueSpec, Schedule, Tokens
from shared.env import Env
from shared.models.shipments import ORDER_CANCELLATION_REQUESTED, SHIPMENT_CREATED
from shared.settings import ShipmentsSettings, env_keys
from shared.shipments.cancellation_metrics import CancellationMetric
from shared.shipments.handling import ORDER_EVENT_TYPES, ORDER_EVENTS_SOURCE
from shared.shipments.metrics import SYNC_TYPE, ShipmentMetric

INPUT, VERIFY, CANCELLATIONS = "shipments_input", "shipments_verify", "shipments_cancellations"
# The at-risk sweep: often enough that an order 4 hours from its latest ship date is flagged well before it.
AT_RISK_SCHEDULE = "rate(15 minutes)"
AT_RISK_PAYLOAD = {"kind": "at_risk_sweep"}
# Requests older than this wait on Amazon's throttling or on failures and retries: confirmations are due in seconds.
INPUT_AGE_THRESHOLD_SECONDS = 600
# Cancellations gather this long before a feed (a burst of requests becomes one or two feeds per connection: the feed
# gate takes the rest a window later). Report reads wait in it too, so it stays short.
CANCELLATION_BATCHING_WINDOW_SECONDS = 5

# A package Amazon answered 204 for is checked against Amazon's order this long after (when no order event confirmed it
# first); a connection gets at most one cancellation feed per window (also the report poll's interval).
VERIFY_DELAY_SECONDS = 120
CANCELLATION_WINDOW_SECONDS = 60
_TUNING = {
    Env.SHIPMENTS_VERIFY_DELAY_SECONDS: str(VERIFY_DELAY_SECONDS),
    Env.CANCELLATION_FEED_WINDOW_SECONDS: str(CANCELLATION_WINDOW_SECONDS),
}

QUEUES = tuple(
    QueueSpec(key=key, url_env=Env[f"{key.upper()}_QUEUE_URL"], dlq_env=Env[f"{key.upper()}_DLQ_URL"])
    for key in (INPUT, VERIFY, CANCELLATIONS)
)
_NAMES = frozenset(env_keys(ShipmentsSettings))
# Stored orders are read only (the orders import writes them); the shipments table holds packages and cancellations.
_TABLES = {
    Table.CONNECTIONS: Access.READ,
    Table.ORDERS: Access.READ,
    Table.SHIPMENTS: Access.READ_WRITE,
    Table.RATE_LIMITS: Access.READ_WRITE,
}
_COMMON = {
    "settings": ShipmentsSettings,
    "tables": _TABLES,
    "reads_lwa_secret": True,
    "tokens": Tokens.DECRYPT,
    "puts_events": True,
    "names_only": _NAMES,
    "environment": _TUNING,
}
# The input also reads the SKU map (listings table): a package item may name an order line's merchant SKU.
# The input (confirmations), the verification (held packages it releases after a resume) and the cancellations (their
# feeds) write the audit trail (shared/runtime/audit.py).
_INPUT = _COMMON | {"tables": _TABLES | {Table.LISTINGS: Access.READ, Table.AUDIT: Access.READ_WRITE}}
_VERIFY = _COMMON | {"tables": _TABLES | {Table.AUDIT: Access.READ_WRITE}}
_CANCELLATIONS = _COMMON | {"tables": _TABLES | {Table.AUDIT: Access.READ_WRITE}}

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        name=INPUT,
        handler="functions.shipments_input.lambda_handler",
        description="Shipments input: validates packages and cancellations against the stored order, confirms packages",
        timeout_seconds=120,
        # confirmShipment allows 2 requests/s per seller (burst 10): five invocations, each confirming its batch one
        # package at a time, keep several sellers at their rate; more would wait in the shared rate limiter, billed.
        consumes=Consumes(INPUT, batch_size=10, max_concurrency=5),
        sends_to=(VERIFY, CANCELLATIONS),
        **_INPUT,  # type: ignore[arg-type]
    ),
    FunctionSpec(
        name=VERIFY,
        handler="functions.shipments_verify.lambda_handler",
        description="Shipments verification: confirms sent packages from Amazon's order; sweeps orders at risk",
        timeout_seconds=300,
        consumes=Consumes(VERIFY, batch_size=10, max_concurrency=2),
        schedule=Schedule(
            expression=AT_RISK_SCHEDULE,
            payload=AT_RISK_PAYLOAD,
            description=f"{SERVICE_NAME}: orders at risk of shipping late, every connection",
            invokes="the shipments verification function",
        ),
        **_VERIFY,  # type: ignore[arg-type]
    ),
    FunctionSpec(
        name=CANCELLATIONS,
        handler="functions.shipments_cancellations.lambda_handler",
        description="Cancellations: one order acknowledgement feed per connection and window; reads its report",
        timeout_seconds=300,
        # Two at a time (the least Lambda allows): a connection's feeds are spaced by the feed gate anyway.
        consumes=Consumes(
            CANCELLATIONS,
            batch_size=100,
            batching_window_seconds=CANCELLATION_BATCHING_WINDOW_SECONDS,
            max_concurrency=2,
        ),
        sends_to=(CANCELLATIONS,),
        **_CANCELLATIONS,  # type: ignore[arg-type]
    ),
)


class Shipments(Construct):
    """The two rules (with their DLQ), the three functions, their alarms and the dashboard rows."""

    def __init__(self, scope: Construct, construct_id: str, *, resources: StackResources) -> None:
        super().__init__(scope, construct_id)
        self.queues: dict[str, SharedQueue] = {key: resources.queues[key] for key in (INPUT, VERIFY, CANCELLATIONS)}
        self.rule_dlq = sse_sqs_queue(self, "RuleDlq", retention_period=Duration.days(DLQ_RETENTION_DAYS))
        nag.acknowledge_resource(self.rule_dlq, "AwsSolutions-SQS3", nag.EVENT_TARGET_DLQ)
        self._rule(
            resources,
            "RequestsRule",
            events.EventPattern(detail_type=[SHIPMENT_CREATED, ORDER_CANCELLATION_REQUESTED]),
            INPUT,
            f"every {SHIPMENT_CREATED} and {ORDER_CANCELLATION_REQUESTED} event of the bus, whole, to the input",
        )
        self._rule(
            resources,
            "OrderEventsRule",
            events.EventPattern(source=[ORDER_EVENTS_SOURCE], detail_type=sorted(ORDER_EVENT_TYPES)),
            VERIFY,
            "order events, whole, to the shipments verification (shipped quantities confirm packages)",
        )
        self.functions: dict[str, lambda_.Function] = {}
        self.alarms: list[cloudwatch.Alarm] = []
        for spec in FUNCTIONS:
            built = build_function(Construct(self, camel(spec.name.removeprefix("shipments_"))), spec, resources)
            self.functions[spec.name] = built.function
            self.alarms += built.alarms
        self.alarms += self._alarms(resources)
        self.widget_rows: list[Row] = self._rows()

    def _rule(self, resources: StackResources, rule_id: str, pattern: events.EventPattern, key: str, what: str) -> None:
        queue = self.queues[key].queue
        rule = events.Rule(
            self,
            rule_id,
            rule_name=f"{SERVICE_NAME}-{rule_id.removesuffix('Rule').lower()}-to-{key.replace('_', '-')}",
            description=f"{SERVICE_NAME}: {what}",
            event_bus=resources.bus,
            event_pattern=pattern,
            targets=[QueueRuleTarget(queue, self.rule_dlq)],
        )
        allow_rule_to_send(rule, queue, self.rule_dlq)

    def _alarms(self, resources: StackResources) -> list[cloudwatch.Alarm]:
        topic = resources.alarm_topic
        found = [
            dlq_alarm(
                self,
                f"{camel(key)}DlqMessages",
                shared.dlq,
                f"{SERVICE_NAME}: {key.replace('_', ' ')} messages failed into the DLQ (each carries its reason)",
                topic,
            )
            for key, shared in self.queues.items()
        ]
        found.append(
            dlq_alarm(
                self,
                "ShipmentsRuleDlqMessages",
                self.rule_dlq,
                f"{SERVICE_NAME}: shipment requests or order events undeliverable to the shipments queues",
                topic,
            )
        )
        age = self.queues[INPUT].queue.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum")
        found.append(
            alarm(
                self,
                "ShipmentsInputAge",
                age,
                f"{SERVICE_NAME}: a shipment request has waited more than {INPUT_AGE_THRESHOLD_SECONDS // 60} minutes "
                "(Amazon throttling, failures retried, or the function cannot keep up)",
                topic,
                threshold=INPUT_AGE_THRESHOLD_SECONDS,
            )
        )
        for metric, description in (
            (ShipmentMetric.SHIPMENTS_REJECTED, "Amazon rejected a shipment confirmation (shipments status says why)"),
            (ShipmentMetric.SHIPMENTS_UNVERIFIED, "Amazon answered 204 but its order never showed the package"),
            (CancellationMetric.CANCELLATIONS_REJECTED, "Amazon rejected a cancellation (its processing report)"),
        ):
            found.append(
                alarm(self, str(metric), sync_metric(metric, SYNC_TYPE), f"{SERVICE_NAME}: {description}", topic)
            )
        found.append(
            alarm(
                self,
                "ShipmentsAtRisk",
                sync_metric(
                    ShipmentMetric.SHIPMENTS_AT_RISK, SYNC_TYPE, statistic="Maximum", period=Duration.minutes(15)
                ),
                f"{SERVICE_NAME}: orders near or past their latest ship date are not confirmed shipped "
                "(sellersync shipments status --at-risk)",
                topic,
            )
        )
        return found

    def _rows(self) -> list[Row]:
        def metrics(*names: str) -> list[cloudwatch.IMetric]:
            return [sync_metric(name, SYNC_TYPE) for name in names]

        latency = ShipmentMetric.SHIPMENT_CONFIRM_LATENCY_SECONDS
        verdict = CancellationMetric.CANCELLATION_VERDICT_SECONDS
        flow: Row = [
            cloudwatch.GraphWidget(
                title="shipments: received, sent, confirmed, rejected, refused, unverified",
                width=8,
                left=metrics(
                    ShipmentMetric.SHIPMENTS_RECEIVED,
                    ShipmentMetric.SHIPMENTS_SENT,
                    ShipmentMetric.SHIPMENTS_CONFIRMED,
                    ShipmentMetric.SHIPMENTS_REJECTED,
                    ShipmentMetric.SHIPMENTS_REFUSED,
                    ShipmentMetric.SHIPMENTS_UNVERIFIED,
                ),
            ),
            cloudwatch.GraphWidget(
                title="shipments: confirmation latency (s), orders at risk",
                width=8,
                left=[sync_metric(latency, SYNC_TYPE, "p50"), sync_metric(latency, SYNC_TYPE, "p99")],
                right=[sync_metric(ShipmentMetric.SHIPMENTS_AT_RISK, SYNC_TYPE, "Maximum")],
            ),
            cloudwatch.GraphWidget(
                title="cancellations: requested, refused, feeds, cancelled, rejected; verdict p99 (s)",
                width=8,
                left=metrics(*(m for m in CancellationMetric if m is not verdict)),
                right=[sync_metric(verdict, SYNC_TYPE, "p99")],
            ),
        ]
        functions: Row = [activity_widget(name.replace("_", " "), f) for name, f in self.functions.items()]
        return [flow, functions]
