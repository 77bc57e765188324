"""Alarms and metrics as every capability builds them: each alarm notifies the alarm topic (ALARM and OK).

The custom metrics are declared, with their namespace (METRICS_NAMESPACE) and their one `sync_type` dimension, in
shared/sync/metrics.py. CloudWatch matches the full dimension set, so Powertools' default `service` dimension would hide
them from the widgets and alarms (tests/infra/test_metric_contract.py checks every one they read).
"""

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import METRICS_NAMESPACE
from shared.sync.metrics import SYNC_DIMENSION

PERIOD = Duration.minutes(5)
# The authorization gauges arrive once per hourly dispatch; an alarm on them keeps its state between data points.
GAUGE_PERIOD = Duration.hours(1)

type Row = list[cloudwatch.IWidget]


def alarm(
    scope: Construct,
    construct_id: str,
    metric: cloudwatch.IMetric,
    description: str,
    topic: sns.ITopic,
    *,
    threshold: float = 0,
    comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    periods: int = 1,
) -> cloudwatch.Alarm:
    """By default fires on any non-zero value in one period, and missing data (nothing ran) is fine."""
    built = cloudwatch.Alarm(
        scope,
        construct_id,
        metric=metric,
        threshold=threshold,
        comparison_operator=comparison,
        evaluation_periods=periods,
        datapoints_to_alarm=periods,
        treat_missing_data=missing,
        alarm_description=description,
    )
    action = actions.SnsAction(topic)
    built.add_alarm_action(action)
    built.add_ok_action(action)
    return built


def dlq_alarm(
    scope: Construct, construct_id: str, queue: sqs.IQueue, description: str, topic: sns.ITopic
) -> cloudwatch.Alarm:
    """Fires while a dead-letter queue holds a message."""
    visible = queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum")
    return alarm(scope, construct_id, visible, description, topic)


def activity_widget(title: str, function: lambda_.IFunction) -> cloudwatch.IWidget:
    """A function's invocations, errors and throttles, with its p95 duration on the right."""
    return cloudwatch.GraphWidget(
        title=f"{title}: invocations, errors, throttles",
        width=8,
        left=[function.metric_invocations(), function.metric_errors(), function.metric_throttles()],
        right=[function.metric_duration(statistic="p95")],
    )


def queue_widget(title: str, queue: sqs.IQueue, dlq: sqs.IQueue) -> cloudwatch.IWidget:
    """A consumer queue's depth and its DLQ's (left), the age of its oldest message (right)."""
    return cloudwatch.GraphWidget(
        title=title,
        width=8,
        left=[
            queue.metric_approximate_number_of_messages_visible(label="Queue depth"),
            dlq.metric_approximate_number_of_messages_visible(label="DLQ depth"),
        ],
        right=[queue.metric_approximate_age_of_oldest_message(label="Oldest message (s)")],
    )


def sync_metric(
    metric_name: str, sync_type: str, statistic: str = "Sum", period: Duration = PERIOD
) -> cloudwatch.Metric:
    """One of our custom metrics of a sync type (shared/sync/metrics.py)."""
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=metric_name,
        dimensions_map={SYNC_DIMENSION: sync_type},
        statistic=statistic,
        period=period,
    )
