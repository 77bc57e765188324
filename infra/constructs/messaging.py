"""The integration's EventBridge bus (with a replayable archive) and the SNS topic the alarms notify."""

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.config import BUS_ARCHIVE_RETENTION_DAYS, SERVICE_NAME


class Messaging(Construct):
    """Event bus + 30-day archive, and the KMS-encrypted, SSL-only alarm topic with an optional email subscriber."""

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey, alarm_email: str | None) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", description=f"{SERVICE_NAME}: sync and connection events")
        # Everything published on the bus is archived, so a consumer added later (or fixed) can replay history.
        self.bus.archive(
            "Archive",
            description=f"{SERVICE_NAME}: all events of the bus",
            event_pattern=events.EventPattern(account=[Stack.of(self).account]),
            retention=Duration.days(BUS_ARCHIVE_RETENTION_DAYS),
        )
        self.alarm_topic = sns.Topic(
            self, "AlarmTopic", display_name=f"{SERVICE_NAME} alarms", master_key=key, enforce_ssl=True
        )
        if alarm_email:
            self.alarm_topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
