"""EventBridge Scheduler schedules of the sync types: the schedule itself (which expression applies:
infra/schedule_context.py, re-exported here)."""

from collections.abc import Mapping
from typing import cast

from aws_cdk import CfnElement, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import nag
from infra.config import SCHEDULE_MAX_EVENT_AGE_MINUTES, SCHEDULE_RETRY_ATTEMPTS, SERVICE_NAME
from infra.constructs.common import deny_token_decryption
from infra.schedule_context import resolve_schedules
from infra.spec import Schedule

DISPATCH_ACTION = "dispatch"

type ScheduleOverrides = Mapping[str, str | None]
__all__ = [
    "DISPATCH_ACTION",
    "ScheduleOverrides",
    "add_schedule",
    "dispatch_payload",
    "dispatch_schedule",
    "resolve_schedules",
]


def dispatch_payload(sync_type: str) -> dict[str, str]:
    """What the scheduler sends the function: enqueue a job per connection due for this sync type."""
    return {"sync_type": sync_type, "action": DISPATCH_ACTION}


def dispatch_schedule(sync_type: str, expression: str) -> Schedule:
    """The schedule of a sync type: invokes its function with the dispatch payload."""
    return Schedule(
        expression=expression,
        payload=dispatch_payload(sync_type),
        description=f"dispatch {sync_type}",
        invokes=f"{sync_type} sync function",
    )


def add_schedule(
    scope: Construct, spec: Schedule, function: lambda_.IFunction, *, dlq: sqs.IQueue, key: kms.IKey
) -> scheduler.Schedule:
    """Invokes `function` with the spec's payload; retries, then parks undeliverable invocations in `dlq`."""
    # One role per schedule (CDK's default is one role shared by every Lambda target of the stack), trusted only by
    # this account's Scheduler; the target grants it invoke on this function and send on this DLQ.
    role = iam.Role(
        scope,
        "ScheduleRole",
        assumed_by=iam.ServicePrincipal(
            "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Stack.of(scope).account}}
        ),
        description=f"{SERVICE_NAME}: scheduler invoking the {spec.invokes}",
    )
    # Scheduler writes to the encrypted DLQ as this role: SQS needs it to be able to create and use a data key.
    key.grant(role, "kms:GenerateDataKey", "kms:Decrypt")
    deny_token_decryption(role, key)
    schedule = scheduler.Schedule(
        scope,
        "Schedule",
        description=f"{SERVICE_NAME}: {spec.description}",
        schedule=scheduler.ScheduleExpression.expression(spec.expression),
        target=targets.LambdaInvoke(
            function,
            input=scheduler.ScheduleTargetInput.from_object(dict(spec.payload)),
            dead_letter_queue=dlq,
            role=role,
            retry_attempts=SCHEDULE_RETRY_ATTEMPTS,
            max_event_age=Duration.minutes(SCHEDULE_MAX_EVENT_AGE_MINUTES),
        ),
    )
    function_id = Stack.of(scope).get_logical_id(cast(CfnElement, function.node.default_child))
    nag.acknowledge_policy(role, f"AwsSolutions-IAM5[Resource::<{function_id}.Arn>:*]", nag.FUNCTION_VERSIONS_WILDCARD)
    return schedule
