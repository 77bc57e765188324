"""Runs a sync type at once for a new or re-authorized connection: an EventBridge rule turns each ConnectionAuthorized
event of the bus into a `SyncJob` (trigger `connected`) on the sync type's work queue.

The work queue is encrypted with the stack key, so EventBridge needs the key as well as the queue. CDK's `SqsQueue`
target would grant both to `events.amazonaws.com` without naming the rule (the rule's ARN in the key policy is a
dependency cycle: key -> rule -> queue -> key), and with Encrypt/ReEncrypt besides. This target grants exactly
sqs:SendMessage on the queue and kms:GenerateDataKey/Decrypt on the key, both only for this rule: the key policy
names the rule by an ARN built from the bus name and a fixed rule name, which depends on the bus alone.

Failed deliveries are retried, then land in the target's DLQ. That DLQ uses SSE-SQS, not the stack key: if the key
policy ever refused EventBridge, the job would still reach the DLQ (with the error in its attributes), where the
DLQ alarm sees it. It holds nothing secret: a sync type, a connection id and a time.
"""

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import nag
from infra.config import CONNECTION_AUTHORIZED, CONNECTION_EVENTS_SOURCE, DLQ_RETENTION_DAYS, SERVICE_NAME, SyncType
from infra.constructs.common import EVENTS_PRINCIPAL, QueueRuleTarget, allow_rule_to_send, sse_sqs_queue

# The trigger of the jobs this rule enqueues (shared/models/sync.py `Trigger`).
CONNECTED_TRIGGER = "connected"


def connected_job(sync_type: str) -> events.RuleTargetInput:
    """The `SyncJob` JSON the rule sends: the connection of the event, requested at the event's time."""
    return events.RuleTargetInput.from_object(
        {
            "sync_type": sync_type,
            "connection_id": events.EventField.from_path("$.detail.connection_id"),
            "requested_at": events.EventField.time,
            "trigger": CONNECTED_TRIGGER,
        }
    )


class OnConnect(Construct):
    """The rule, its DLQ and the grants that let EventBridge (for this rule only) enqueue into the work queue."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        entry: SyncType,
        *,
        queue: sqs.Queue,
        bus: events.IEventBus,
        key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        rule_name = f"{SERVICE_NAME}-{entry.name}-on-connect"
        self.dlq = sse_sqs_queue(self, "Dlq", retention_period=Duration.days(DLQ_RETENTION_DAYS))
        nag.acknowledge_resource(self.dlq, "AwsSolutions-SQS3", nag.EVENT_TARGET_DLQ)
        self.rule = events.Rule(
            self,
            "Rule",
            rule_name=rule_name,
            description=f"{SERVICE_NAME}: runs the {entry.name} sync for every new or re-authorized connection",
            event_bus=bus,
            event_pattern=events.EventPattern(source=[CONNECTION_EVENTS_SOURCE], detail_type=[CONNECTION_AUTHORIZED]),
            targets=[QueueRuleTarget(queue, self.dlq, connected_job(entry.name))],
        )
        allow_rule_to_send(self.rule, queue, self.dlq)
        # SQS asks KMS for a data key on behalf of the sender (EventBridge): only the key policy can allow that.
        stack = Stack.of(self)
        rule_arn = stack.format_arn(
            service="events",
            resource="rule",
            resource_name=f"{bus.event_bus_name}/{rule_name}",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"AllowEventsToEnqueue{entry.title}Jobs",
                principals=[iam.ServicePrincipal(EVENTS_PRINCIPAL)],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],
                conditions={
                    "ArnEquals": {"aws:SourceArn": rule_arn},
                    "StringEquals": {"aws:SourceAccount": stack.account},
                },
            )
        )
