"""The Seller Sync stack: composes the capability constructs and publishes the outputs the operator CLI reads."""

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.config import ALARM_EMAIL_CONTEXT_KEY, SCHEDULES_CONTEXT_KEY, SyncType
from infra.constructs import catalog, inventory, notifications, shipments
from infra.constructs.api import Api
from infra.constructs.catalog import LISTINGS_EVENT_SOURCE_CONTEXT_KEY, CatalogNotifications
from infra.constructs.data import Data
from infra.constructs.inventory import Inventory
from infra.constructs.messaging import Messaging
from infra.constructs.notifications import Notifications
from infra.constructs.oauth import OAuthEndpoints
from infra.constructs.observability import Observability
from infra.constructs.packaging import build_packaging
from infra.constructs.resources import Queues, StackResources
from infra.constructs.schedules import resolve_schedules
from infra.constructs.secret_rotation import SecretRotation
from infra.constructs.security import Security
from infra.constructs.shipments import Shipments
from infra.constructs.syncs import Syncs
from infra.outputs import (
    ListingsOutput,
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
    """Security, data, messaging, the API, then every shared queue, then the capabilities (OAuth endpoints,
    notifications, the inventory pipeline, shipments and cancellations, one worker per registered sync type, and the
    listings notifications when the context names their partner event source), each
    building its functions from specs and owning its alarms and dashboard rows; the dashboard lays the rows out."""

    def __init__(self, scope: Construct, construct_id: str, *, registry: Sequence[SyncType], **kwargs: Any) -> None:
        super().__init__(scope, construct_id, description=DESCRIPTION, **kwargs)
        security = Security(self, "Security")
        data = Data(self, "Data", key=security.key)
        alarm_email = self.node.try_get_context(ALARM_EMAIL_CONTEXT_KEY)
        messaging = Messaging(self, "Messaging", key=security.key, alarm_email=alarm_email or None)
        api = Api(self, "Api")
        listings_source = catalog.event_source(self.node.try_get_context(LISTINGS_EVENT_SOURCE_CONTEXT_KEY))
        # Every queue a capability's function reaches, before any function: consumers, senders and those that name
        # a queue to Amazon find it built, whichever capability they belong to.
        queues = Queues(
            self,
            "Queues",
            specs=(*inventory.QUEUES, notifications.QUEUE, *shipments.QUEUES, *catalog.queues(listings_source)),
            consumers=(
                *inventory.LANES,
                notifications.FUNCTION,
                *shipments.FUNCTIONS,
                *catalog.functions(listings_source),
            ),
        )
        resources = StackResources(
            key=security.key,
            tables=data.tables,
            bus=messaging.bus,
            lwa_secret=security.lwa_secret,
            invite_key=security.invite_key,
            alarm_topic=messaging.alarm_topic,
            packaging=build_packaging(self),
            queues=queues.queues,
        )
        oauth = OAuthEndpoints(self, "OAuth", http_api=api.http_api, resources=resources)
        notices = Notifications(self, "Notifications", resources=resources)
        pipeline = Inventory(self, "Inventory", resources=resources)
        shipping = Shipments(self, "Shipments", resources=resources)
        rotation = SecretRotation(self, "SecretRotation", resources=resources)
        schedules = resolve_schedules(registry, self.node.try_get_context(SCHEDULES_CONTEXT_KEY))
        syncs = Syncs(
            self,
            "Syncs",
            registry=registry,
            resources=resources,
            schedules=schedules,
            api_url=api.http_api.api_endpoint,
        )
        listings = None
        if listings_source is not None:
            listings = CatalogNotifications(self, "CatalogNotifications", resources=resources, source=listings_source)
        observability = Observability(
            self,
            "Observability",
            topic=messaging.alarm_topic,
            tables=data.tables,
            http_api=api.http_api,
            bus=messaging.bus,
            rows=[
                *oauth.widget_rows,
                *syncs.widget_rows,
                *notices.widget_rows,
                *pipeline.widget_rows,
                *shipping.widget_rows,
                *rotation.widget_rows,
                *(listings.widget_rows if listings else []),
            ],
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
            Output.NOTIFICATIONS_QUEUE_URL: notices.queue.queue_url,
            Output.NOTIFICATIONS_QUEUE_ARN: notices.queue.queue_arn,
            Output.NOTIFICATIONS_DLQ_URL: notices.dlq.queue_url,
            Output.NOTIFICATIONS_FUNCTION_NAME: notices.function.function_name,
            Output.SHIPMENTS_INPUT_QUEUE_URL: shipping.queues[shipments.INPUT].queue.queue_url,
            Output.SHIPMENTS_INPUT_DLQ_URL: shipping.queues[shipments.INPUT].dlq.queue_url,
            Output.SHIPMENTS_VERIFY_QUEUE_URL: shipping.queues[shipments.VERIFY].queue.queue_url,
            Output.SHIPMENTS_VERIFY_DLQ_URL: shipping.queues[shipments.VERIFY].dlq.queue_url,
            Output.SHIPMENTS_CANCELLATIONS_QUEUE_URL: shipping.queues[shipments.CANCELLATIONS].queue.queue_url,
            Output.SHIPMENTS_CANCELLATIONS_DLQ_URL: shipping.queues[shipments.CANCELLATIONS].dlq.queue_url,
            Output.SECRET_ROTATION_QUEUE_ARN: rotation.queue.queue_arn,
            Output.SECRET_ROTATION_QUEUE_URL: rotation.queue.queue_url,
            Output.SECRET_ROTATION_DLQ_URL: rotation.dlq.queue_url,
            Output.SECRET_ROTATION_FUNCTION_NAME: rotation.function.function_name,
        }
        if listings is not None:
            outputs[ListingsOutput.QUEUE_URL] = listings.shared.queue.queue_url
            outputs[ListingsOutput.DLQ_URL] = listings.shared.dlq.queue_url
            outputs[ListingsOutput.FUNCTION_NAME] = listings.function.function_name
            if listings.partner_bus is not None:
                outputs[ListingsOutput.PARTNER_BUS_NAME] = listings.partner_bus.attr_name
        for queue, shared in pipeline.queues.items():
            outputs[pipeline_queue_output_key(queue)] = shared.queue.queue_url
            outputs[pipeline_dlq_output_key(queue)] = shared.dlq.queue_url
        for name, function in pipeline.functions.items():
            outputs[inventory_function_output_key(name)] = function.function_name
        for worker in syncs.workers:
            outputs[function_output_key(worker.entry)] = worker.function.function_name
            outputs[queue_output_key(worker.entry)] = worker.queue.queue_url
            outputs[dlq_output_key(worker.entry)] = worker.dlq.queue_url
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)
