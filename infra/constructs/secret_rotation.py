"""LWA client secret rotation (docs/operations.md, "Client secret rotation"): the queue Amazon sends new secrets to,
its DLQ, the `secret_rotation` function (daily check + the queue's consumer), its alarms and dashboard row.

The queue is registered by hand once, in the developer console's Notification Preferences, row "Application Client
New Secret" (there is no API for it). Like the notifications queue it is Standard, SSE-SQS (Amazon's publisher,
account 437568002678, may send to it; with the stack key it would need rights on the key protecting the refresh
tokens), TLS only. Its messages carry a client secret in clear: the queue keeps them 1 day, its DLQ 4 days (time
enough to redrive after a weekend; a lost secret is simply requested again by the next daily check).

The function reads and writes the LWA secret (secretsmanager:PutSecretValue on that one secret: a new version, never
a new secret) and the connections table's rotation status item. It is scheduled daily with `{"action": "check"}`;
`rotate_after_days` comes from the cdk.json context `sellersync:secretRotateAfterDays` (default 150, below 180).
Alarms: the secret's age above 180 - 30 = 150 days (SecretAgeDays, Maximum over a day), a failed rotation
(SecretRotationFailures), a message in the DLQ, and the function's errors and throttles.
"""

import dataclasses

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import AMAZON_NOTIFICATIONS_ACCOUNT, MAX_RECEIVE_COUNT, SERVICE_NAME, Table
from infra.constructs.alarms import activity_widget, alarm, dlq_alarm
from infra.constructs.common import sse_sqs_queue
from infra.constructs.functions import build_function
from infra.constructs.resources import SharedQueue, StackResources
from infra.spec import Consumes, FunctionSpec, QueueSpec, Schedule
from shared.credentials.metrics import SERVICE_DIMENSION, CredentialMetric
from shared.credentials.rotation import DEFAULT_ROTATE_AFTER_DAYS, SECRET_LIFETIME_DAYS
from shared.env import Env
from shared.metrics import NAMESPACE
from shared.settings import SecretRotationSettings

QUEUE_KEY = "secret_rotation"
ROTATE_AFTER_DAYS_CONTEXT_KEY = "sellersync:secretRotateAfterDays"
# How long before Amazon's limit (SECRET_LIFETIME_DAYS) the age alarm fires.
AGE_ALARM_MARGIN_DAYS = 30
QUEUE_RETENTION = Duration.days(1)
DLQ_RETENTION = Duration.days(4)
AMAZON_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueAttributes")
DAY = Duration.days(1)

QUEUE = QueueSpec(key=QUEUE_KEY, arn_env=Env.SECRET_ROTATION_QUEUE_ARN)
FUNCTION = FunctionSpec(
    name="secret_rotation",
    handler="functions.secret_rotation.lambda_handler",
    description="Rotates the LWA client secret: daily age check, rotateApplicationClientSecret, stores the new secret",
    settings=SecretRotationSettings,
    timeout_seconds=60,
    memory_mb=256,
    # The rotation status item: one GetItem, UpdateItems (shared/repositories/secret_rotation.py); the audit trail's
    # records: conditional PutItems (shared/repositories/audit.py).
    tables={Table.CONNECTIONS: ("dynamodb:GetItem", "dynamodb:UpdateItem"), Table.AUDIT: ("dynamodb:PutItem",)},
    # One message at a time: a new secret is one write, and two in one batch must not race each other.
    consumes=Consumes(QUEUE_KEY, batch_size=1, max_concurrency=2),
    reads_lwa_secret=True,
    schedule=Schedule(
        expression="rate(1 day)",
        payload={"action": "check"},
        description="LWA client secret age check (rotates when due)",
        invokes="the secret rotation function",
    ),
)


def rotation_spec(rotate_after_days: object) -> FunctionSpec:
    """FUNCTION with `rotate_after_days` (the context value; None: the default) in its environment."""
    days = DEFAULT_ROTATE_AFTER_DAYS if rotate_after_days is None else rotate_after_days
    if not isinstance(days, int) or not 1 <= days < SECRET_LIFETIME_DAYS:
        raise ValueError(f"{ROTATE_AFTER_DAYS_CONTEXT_KEY} must be a whole number of days, 1..179: {days!r}")
    return dataclasses.replace(FUNCTION, environment={Env.SECRET_ROTATE_AFTER_DAYS.value: str(days)})


class SecretRotation(Construct):
    """The rotation queue (open to Amazon's publisher) with its DLQ, the function, its alarms and dashboard row."""

    def __init__(self, scope: Construct, construct_id: str, *, resources: StackResources) -> None:
        super().__init__(scope, construct_id)
        spec = rotation_spec(self.node.try_get_context(ROTATE_AFTER_DAYS_CONTEXT_KEY))
        self.dlq = sse_sqs_queue(self, "Dlq", retention_period=DLQ_RETENTION)
        self.queue = sse_sqs_queue(
            self,
            "Queue",
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
            retention_period=QUEUE_RETENTION,
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVE_COUNT, queue=self.dlq),
        )
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAmazonSpApiApplicationNotifications",
                principals=[iam.AccountPrincipal(AMAZON_NOTIFICATIONS_ACCOUNT)],
                actions=list(AMAZON_ACTIONS),
                resources=[self.queue.queue_arn],
            )
        )
        shared = SharedQueue(spec=QUEUE, queue=self.queue, dlq=self.dlq)
        built = build_function(self, spec, resources, queues={**resources.queues, QUEUE_KEY: shared})
        self.function = built.function
        # A new version of the LWA secret, and nothing else (no UpdateSecret, no stage moves, no other secret).
        built.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["secretsmanager:PutSecretValue"], resources=[resources.lwa_secret.secret_arn])
        )
        # Secrets Manager encrypts the new version with the stack key, through its own service.
        resources.key.grant(built.role, "kms:GenerateDataKey")
        self.alarms: list[cloudwatch.Alarm] = [*built.alarms, *self._alarms(resources, spec)]
        self.widget_rows = [self._row(spec)]

    def _alarms(self, resources: StackResources, spec: FunctionSpec) -> list[cloudwatch.Alarm]:
        topic = resources.alarm_topic
        limit = SECRET_LIFETIME_DAYS - AGE_ALARM_MARGIN_DAYS
        return [
            alarm(
                self,
                "SecretAgeNearLimit",
                _metric(spec, CredentialMetric.SECRET_AGE_DAYS, "Maximum"),
                f"{SERVICE_NAME}: the LWA client secret is more than {limit} days old (Amazon's limit is "
                f"{SECRET_LIFETIME_DAYS}): the automatic rotation has not happened",
                topic,
                threshold=limit,
            ),
            alarm(
                self,
                "SecretRotationFailed",
                _metric(spec, CredentialMetric.SECRET_ROTATION_FAILURES, "Sum"),
                f"{SERVICE_NAME}: an LWA client secret rotation failed (the status item's last_error says why)",
                topic,
            ),
            dlq_alarm(
                self,
                "SecretRotationDlqMessages",
                self.dlq,
                f"{SERVICE_NAME}: a client secret notification could not be processed (it holds a secret: redrive, "
                "never copy it)",
                topic,
            ),
        ]

    def _row(self, spec: FunctionSpec) -> list[cloudwatch.IWidget]:
        return [
            activity_widget("secret rotation", self.function),
            cloudwatch.GraphWidget(
                title="LWA client secret: age (days)",
                width=8,
                left=[_metric(spec, CredentialMetric.SECRET_AGE_DAYS, "Maximum")],
            ),
            cloudwatch.GraphWidget(
                title="LWA client secret: rotations, failures, expiry notices",
                width=8,
                left=[
                    _metric(spec, CredentialMetric.SECRETS_ROTATED, "Sum"),
                    _metric(spec, CredentialMetric.SECRET_ROTATION_FAILURES, "Sum"),
                    _metric(spec, CredentialMetric.SECRET_EXPIRY_NOTICES, "Sum"),
                ],
            ),
        ]


def _metric(spec: FunctionSpec, name: CredentialMetric, statistic: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=name,
        dimensions_map={SERVICE_DIMENSION: spec.service},
        statistic=statistic,
        period=DAY,
    )
