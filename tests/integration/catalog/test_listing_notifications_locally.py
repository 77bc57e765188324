"""Listings notifications end to end on a local stack deployed from the sample template (whose context names the
sandbox's partner event source): the function's subscription sweep (its schedule's payload) subscribes a catalog
connection (an EventBridge destination once, three subscriptions); its merchant-fulfilled quantity changes in the
sandbox, the sandbox puts the notifications on the partner bus, the stack's rule queues them and the
catalog_notifications function re-reads the SKU: the listings table holds Amazon's new quantity without any catalog
sync run."""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.config import Table
from infra.constructs.catalog import SUBSCRIBE_PAYLOAD
from infra.outputs import ListingsOutput, Output, table_output_key
from local.amazon import LocalWorld, run_local_world
from local.runtime import LocalOptions
from local.sandbox.inspector import SandboxInspector
from local.sandbox.notify import partner_source_name
from local.synth import synthesize_cached
from shared.catalog import SYNC_TYPE as CATALOG
from shared.catalog.notification_models import SUBSCRIBED_TYPES
from shared.models.settings import ConnectionSettings
from shared.repositories.listings import ListingsRepository
from shared.repositories.subscriptions import SubscriptionsRepository
from tests.infra.registry import LISTINGS_EVENT_SOURCE, TEST_CONTEXT, TEST_REGISTRY
from tests.integration.handler_world import connect_seller
from tests.integration.oauth.world import connections

pytestmark = pytest.mark.integration
WAIT_SECONDS = 90


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalWorld]:
    template = synthesize_cached(TEST_REGISTRY, TEST_CONTEXT).template
    logs: Path = tmp_path_factory.mktemp("listings-notifications-logs")
    options = LocalOptions(stack_name="ListingsNotices", run_pollers=True, run_clock=False, log_dir=logs)
    with run_local_world(template, options) as running:
        yield running


def test_a_quantity_change_in_the_sandbox_reaches_the_stored_listing(world: LocalWorld) -> None:
    aws, outputs = world.stack.deployed.aws, world.stack.deployed.outputs
    account = aws.client("sts").get_caller_identity()["Account"]
    assert partner_source_name(account, world.config.application_id) == LISTINGS_EVENT_SOURCE
    assert outputs[ListingsOutput.PARTNER_BUS_NAME] == LISTINGS_EVENT_SOURCE
    inspector = SandboxInspector(world.sandbox.url)
    seller = inspector.new_seller("EU", like=0)
    settings = ConnectionSettings(enabled_syncs=frozenset({CATALOG}))
    connection = connect_seller(connections(world), inspector, seller, "listings notifications", settings)
    seller_id = seller.selling_partner_id

    # The stack's subscription sweep (hourly): the EventBridge destination once, then the seller's three subscriptions.
    function = outputs[ListingsOutput.FUNCTION_NAME]
    first = world.stack.runtime.invoke(function, SUBSCRIBE_PAYLOAD)
    assert first.ok, first.error_message
    assert first.payload["counts"].get("subscribed", 0) >= 1, first.payload
    records = SubscriptionsRepository(outputs[table_output_key(Table.CONNECTIONS)], aws.client("dynamodb"))
    assert {r.notification_type for r in records.list_subscriptions(connection.connection_id)} == set(SUBSCRIBED_TYPES)
    again = world.stack.runtime.invoke(function, SUBSCRIBE_PAYLOAD)
    assert again.ok and "subscribed" not in again.payload["counts"], again.payload  # recorded: nothing asked again

    # When the merchant's quantity changes at Amazon (Seller Central, an order, another tool)...
    marketplace = connection.marketplace_ids[0]
    row = next(
        r
        for r in inspector.listings(seller_id, marketplace)
        if r.fulfillment_channel == "DEFAULT" and not r.is_parent and r.quantity is not None
    )
    quantity = row.quantity + 17 if row.quantity is not None else 17
    inspector.update_listing(seller_id, row.sku, quantity=quantity, marketplaceId=marketplace)

    # ...the notification path stores it, with no catalog sync run.
    store = ListingsRepository(outputs[table_output_key(Table.LISTINGS)], aws.client("dynamodb"))
    deadline = time.monotonic() + WAIT_SECONDS
    stored = store.get(connection.connection_id, marketplace, row.sku)
    while (stored is None or stored.quantity != quantity) and time.monotonic() < deadline:
        time.sleep(1.0)
        stored = store.get(connection.connection_id, marketplace, row.sku)
    assert stored is not None and stored.quantity == quantity
    delivered = [n for n in inspector.notifications(seller_id) if n.notification_type.startswith("LISTINGS_ITEM")]
    assert delivered and all(n.status == "DELIVERED" for n in delivered), delivered
    dlq = aws.client("sqs").get_queue_attributes(
        QueueUrl=outputs[ListingsOutput.DLQ_URL], AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert dlq["Attributes"]["ApproximateNumberOfMessages"] == "0"
    assert Output.EVENT_BUS_NAME in outputs


def test_a_notification_for_no_connected_seller_lands_in_the_dlq_with_its_reason(world: LocalWorld) -> None:
    aws, outputs = world.stack.deployed.aws, world.stack.deployed.outputs
    detail = {
        "NotificationVersion": "1.0",
        "NotificationType": "LISTINGS_ITEM_STATUS_CHANGED",  # the schema's spelling
        "PayloadVersion": "1.0",
        "EventTime": "2026-12-07T10:00:00.000Z",
        "Payload": {"SellerId": "A0NOTCONNECTED", "MarketplaceId": "A1F83G8C2ARO7P", "Sku": "X", "Status": []},
        "NotificationMetadata": {
            "ApplicationId": world.config.application_id,
            "SubscriptionId": "s",
            "PublishTime": "2026-12-07T10:00:00.000Z",
            "NotificationId": "n-unknown-seller",
        },
    }
    entry = {
        "EventBusName": LISTINGS_EVENT_SOURCE,
        "Source": LISTINGS_EVENT_SOURCE,
        "DetailType": detail["NotificationType"],
        "Detail": json.dumps(detail),
    }
    assert aws.client("events").put_events(Entries=[entry])["FailedEntryCount"] == 0
    sqs, dlq = aws.client("sqs"), outputs[ListingsOutput.DLQ_URL]
    deadline, found = time.monotonic() + WAIT_SECONDS, list[dict[str, Any]]()
    while not found and time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=dlq, MessageAttributeNames=["All"], WaitTimeSeconds=1)
        found = answer.get("Messages", [])
    assert found, "nothing dead-lettered"
    assert found[0]["MessageAttributes"]["reason"]["StringValue"] == "no connection for seller A0NOTCONNECTED"
    assert json.loads(found[0]["Body"])["detail"]["NotificationMetadata"]["NotificationId"] == "n-unknown-seller"
    sqs.delete_message(QueueUrl=dlq, ReceiptHandle=found[0]["ReceiptHandle"])  # the other test finds the DLQ empty
