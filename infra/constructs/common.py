"""Small helpers shared by the constructs."""

from typing import Any

import jsii
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces import aws_events as events_refs
from constructs import Construct

from infra.config import EVENT_TARGET_MAX_EVENT_AGE_HOURS, EVENT_TARGET_RETRY_ATTEMPTS, LOG_RETENTION_DAYS

EVENTS_PRINCIPAL = "events.amazonaws.com"

# CloudWatch Logs accepts only these retentions; the CDK enum has no constructor from a number of days.
_RETENTION = {
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}


def retention(days: int) -> logs.RetentionDays:
    """The CDK retention for a number of days; raises ValueError for a value CloudWatch Logs does not offer."""
    try:
        return _RETENTION[days]
    except KeyError:
        raise ValueError(f"log retention {days} days: choose one of {sorted(_RETENTION)}") from None


def log_group(scope: Construct, construct_id: str) -> logs.LogGroup:
    """A log group with the stack's retention (config.LOG_RETENTION_DAYS)."""
    return logs.LogGroup(scope, construct_id, retention=retention(LOG_RETENTION_DAYS))


def sse_sqs_queue(scope: Construct, construct_id: str, **props: Any) -> sqs.Queue:
    """A queue encrypted with SQS-managed keys (SSE-SQS), reachable over TLS only.

    Only for queues a sender outside this account writes to (or whose delivery must not depend on the stack key):
    every other queue uses the stack key.
    """
    return sqs.Queue(scope, construct_id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True, **props)


@jsii.implements(events.IRuleTarget)
class QueueRuleTarget:
    """A queue as a rule target with retries and a DLQ; it grants nothing (the caller grants narrowly).

    `message` is what the queue receives; None sends the whole event, as EventBridge does without an input.
    """

    def __init__(self, queue: sqs.IQueue, dlq: sqs.IQueue, message: events.RuleTargetInput | None = None) -> None:
        self._queue, self._dlq, self._message = queue, dlq, message

    def bind(self, rule: events_refs.IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(
            arn=self._queue.queue_arn,
            input=self._message,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=self._dlq.queue_arn),
            retry_policy=events.CfnRule.RetryPolicyProperty(
                maximum_retry_attempts=EVENT_TARGET_RETRY_ATTEMPTS,
                maximum_event_age_in_seconds=EVENT_TARGET_MAX_EVENT_AGE_HOURS * 3600,
            ),
            target_resource=self._queue,
        )


def allow_rule_to_send(rule: events.Rule, *queues: sqs.IQueue) -> None:
    """Lets EventBridge send to each queue on behalf of this rule only (queue policy, aws:SourceArn = the rule)."""
    from_this_rule = {"ArnEquals": {"aws:SourceArn": rule.rule_arn}}
    for queue in queues:
        queue.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(EVENTS_PRINCIPAL)],
                actions=["sqs:SendMessage"],
                resources=[queue.queue_arn],
                conditions=from_this_rule,
            )
        )
