"""The stack's KMS key, the LWA (Login with Amazon) app credentials secret and the connect-link signing key."""

import json

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra import nag
from infra.config import SERVICE_NAME

# The operator replaces the placeholders with the app's real values after the first deploy; the
# generated client_secret only makes the initial value unguessable and is never a valid LWA secret.
PLACEHOLDER = "REPLACE_ME"
# 64 letters and digits: about 380 bits, well above the 32 bytes the invite signer requires.
INVITE_KEY_LENGTH = 64


class Security(Construct):
    """Customer-managed KMS key (rotated yearly) and the LWA credentials secret encrypted with it."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        # RETAIN: the retained tables stay encrypted with this key after a stack deletion; losing it loses them.
        self.key = kms.Key(
            self,
            "Key",
            description=f"{SERVICE_NAME}: encrypts tables, queues, topic and secret",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self._allow_cloudwatch_alarms()
        self.lwa_secret = secretsmanager.Secret(
            self,
            "LwaSecret",
            description=f"{SERVICE_NAME}: LWA app credentials (client_id, client_secret, application_id)",
            encryption_key=self.key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"client_id": PLACEHOLDER, "application_id": PLACEHOLDER}),
                generate_string_key="client_secret",
                exclude_punctuation=True,
            ),
        )
        nag.acknowledge(self.lwa_secret, "AwsSolutions-SMG4", nag.LWA_SECRET_ROTATION)
        # Signs connect links (HMAC-SHA256); generated at deploy time and never shown to anyone.
        self.invite_key = secretsmanager.Secret(
            self,
            "InviteKey",
            description=f"{SERVICE_NAME}: key that signs connect links (HMAC-SHA256, 64 characters)",
            encryption_key=self.key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=INVITE_KEY_LENGTH, exclude_punctuation=True
            ),
        )
        nag.acknowledge(self.invite_key, "AwsSolutions-SMG4", nag.INVITE_KEY_ROTATION)

    def _allow_cloudwatch_alarms(self) -> None:
        # Alarms publish to the KMS-encrypted alarm topic as the CloudWatch service, which IAM cannot grant:
        # only the key policy can, limited to this account's alarms.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToUseKey",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
