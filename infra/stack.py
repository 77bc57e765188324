"""The Seller Sync stack: composes the capability constructs and publishes the outputs the operator CLI reads."""

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.config import ALARM_EMAIL_CONTEXT_KEY, SCHEDULES_CONTEXT_KEY, Queue, SyncType
from infra.constructs.api import Api
from infra.constructs.data import Data
from infra.constructs.functions import build_packaging
from infra.constructs.inventory import Inventory
from infra.constructs.messaging import Messaging
from infra.constructs.notifications import Notifications
from infra.constructs.oauth import OAuthEndpoints
from infra.constructs.observability import Observability
from infra.constructs.schedules import resolve_schedules
from infra.constructs.security import Security
from infra.constructs.syncs import SyncDependencies, Syncs
from infra.outputs import (
    Output,
    dlq_output_key,
    function_output_key,
    inventory_function_output_key,
    pipeline_dlq_output_key,
    pipeline_queue_output_key,
    queue_output_key,
    table_output_key,
)

DESCRIPTION = "Seller Sync: self-hosted serverless Amazon SP-API seller integration"


class SellerSyncStack(Stack):
    """Security, data, messaging, API with the OAuth endpoints, the inventory pipeline, Amazon's notifications queue
    and its consumer, one worker per registered sync type, observability."""

    def __init__(self, scope: Construct, construct_id: str, *, registry: Sequence[SyncType], **kwargs: Any) -> None:
        super().__init__(scope, construct_id, description=DESCRIPTION, **kwargs)
        security = Security(self, "Security")
        data = Data(self, "Data", key=security.key)
        alarm_email = self.node.try_get_context(ALARM_EMAIL_CONTEXT_KEY)
        messaging = Messaging(self, "Messaging", key=security.key, alarm_email=alarm_email or None)
        api = Api(self, "Api")
        packaging = build_packaging(self)
        oauth = OAuthEndpoints(
            self,
            "OAuth",
            packaging=packaging,
            http_api=api.http_api,
            key=security.key,
            tables=data.tables,
            bus=messaging.bus,
            lwa_secret=security.lwa_secret,
            invite_key=security.invite_key,
            topic=messaging.alarm_topic,
        )
        inventory = Inventory(self, "Inventory", bus=messaging.bus)
        notifications = Notifications(
            self,
            "Notifications",
            packaging=packaging,
            key=security.key,
            tables=data.tables,
            bus=messaging.bus,
            lwa_secret=security.lwa_secret,
            inventory_results=inventory.queues[Queue.INVENTORY_RESULTS],
        )
        inventory.add_functions(
            packaging=packaging,
            key=security.key,
            tables=data.tables,
            bus=messaging.bus,
            lwa_secret=security.lwa_secret,
            notifications_queue=notifications.queue,
        )
        deps = SyncDependencies(
            key=security.key,
            tables=data.tables,
            bus=messaging.bus,
            lwa_secret=security.lwa_secret,
            notifications_queue=notifications.queue,
            queues=inventory.queues,
        )
        schedules = resolve_schedules(registry, self.node.try_get_context(SCHEDULES_CONTEXT_KEY))
        workers = Syncs(self, "Syncs", registry=registry, deps=deps, packaging=packaging, schedules=schedules).workers
        observability = Observability(
            self,
            "Observability",
            topic=messaging.alarm_topic,
            tables=data.tables,
            http_api=api.http_api,
            bus=messaging.bus,
            workers=workers,
            notifications=notifications,
            inventory=inventory,
        )
        outputs = {
            **{table_output_key(table): built.table_name for table, built in data.tables.items()},
            Output.EVENT_BUS_NAME: messaging.bus.event_bus_name,
            Output.LWA_SECRET_ARN: security.lwa_secret.secret_arn,
            Output.INVITE_KEY_SECRET_ARN: security.invite_key.secret_arn,
            Output.OAUTH_FUNCTION_NAME: oauth.function.function_name,
            Output.KMS_KEY_ARN: security.key.key_arn,
            Output.API_URL: api.url,
            Output.ALARM_TOPIC_ARN: messaging.alarm_topic.topic_arn,
            Output.DASHBOARD_NAME: observability.dashboard.dashboard_name,
            Output.NOTIFICATIONS_QUEUE_URL: notifications.queue.queue_url,
            Output.NOTIFICATIONS_QUEUE_ARN: notifications.queue.queue_arn,
            Output.NOTIFICATIONS_DLQ_URL: notifications.dlq.queue_url,
            Output.NOTIFICATIONS_FUNCTION_NAME: notifications.function.function_name,
        }
        for queue, built in inventory.queues.items():
            outputs[pipeline_queue_output_key(queue)] = built.queue_url
            outputs[pipeline_dlq_output_key(queue)] = inventory.dlqs[queue].queue_url
        for name, function in inventory.functions.items():
            outputs[inventory_function_output_key(name)] = function.function_name
        for worker in workers:
            outputs[function_output_key(worker.entry)] = worker.function.function_name
            outputs[queue_output_key(worker.entry)] = worker.queue.queue_url
            outputs[dlq_output_key(worker.entry)] = worker.dlq.queue_url
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)
