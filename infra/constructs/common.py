"""Small helpers shared by the constructs."""

from typing import Any

from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import LOG_RETENTION_DAYS

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
