"""Small helpers shared by the constructs."""

from collections.abc import Sequence
from typing import Any

import jsii
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces import aws_events as events_refs
from constructs import Construct

from infra.config import (
    EVENT_TARGET_MAX_EVENT_AGE_HOURS,
    EVENT_TARGET_RETRY_ATTEMPTS,
    LOG_RETENTION_DAYS,
)
from shared.repositories.connections import TOKEN_CONTEXT_KEY

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


def kms_queue(scope: Construct, construct_id: str, key: kms.IKey, **props: Any) -> sqs.Queue:
    """A queue encrypted with the stack key, reachable over TLS only (every queue no outside sender writes to)."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        **props,
    )


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


# What reading and writing a table encrypted with the stack key asks of the key (as CDK's own table grants do).
_TABLE_KEY_ACTIONS = {
    "read": ("kms:Decrypt", "kms:DescribeKey"),
    "write": ("kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"),
}
_TABLE_WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}


def grant_table(table: dynamodb.Table, grantee: iam.IGrantable, actions: Sequence[str], key: kms.IKey) -> None:
    """Grants exactly these DynamoDB actions on the table and its indexes (`access.table_actions` gives a function's),
    and the key actions DynamoDB needs to use the stack key on the role's behalf."""
    if not actions:
        raise ValueError("a table grant needs at least one action")
    table.grant(grantee, *actions)
    key_actions = _TABLE_KEY_ACTIONS["read"]
    if _TABLE_WRITES & set(actions):
        key_actions += _TABLE_KEY_ACTIONS["write"]
    key.grant(grantee, *key_actions)


def deny_token_decryption(role: iam.IRole, key: kms.IKey) -> None:
    """Denies the role decrypting (or re-encrypting away) anything under a refresh token's encryption context.

    The role keeps every other use of the key (its tables, queues and secrets: AWS services decrypt those under
    their own contexts, which never carry the token's key). An explicit Deny wins over any Allow, including the
    unconditional kms:Decrypt that CDK's queue and event-source grants add.
    """
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="DenyRefreshTokenDecryption",
            effect=iam.Effect.DENY,
            actions=["kms:Decrypt", "kms:ReEncryptFrom"],
            resources=[key.key_arn],
            conditions={"Null": {f"kms:EncryptionContext:{TOKEN_CONTEXT_KEY}": "false"}},
        )
    )
