"""The shipments capability deployed: events on the stack's bus reach Amazon (the local sandbox) through the functions,
and what happens is visible where an operator looks (the shipments table, the DLQ with its reason, outcome events).

One fresh sandbox seller on the shared local stack, its orders imported by the orders sync (which subscribes it to
ORDER_CHANGE, so a confirmed package comes back as an order event that verifies it).
"""

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from infra.config import Table
from infra.outputs import Output, function_output_key, table_output_key
from local.amazon import LocalWorld
from local.sandbox.inspector import OrderInfo, SandboxInspector
from shared.models.connection import PAUSE_SHIPMENTS
from shared.models.settings import ConnectionSettings
from shared.models.shipments import CancellationState, PackageRecord, PackageState
from shared.orders import SYNC_TYPE as ORDERS
from shared.repositories.cancellations import CancellationsRepository
from shared.repositories.connection_pauses import ConnectionPauses
from shared.repositories.orders import OrdersRepository
from shared.repositories.shipments import ShipmentsRepository
from shared.shipments.messages import HeldRelease, PackageCheck
from tests.integration.handler_world import connect_seller
from tests.integration.oauth.world import connections

pytestmark = pytest.mark.integration
UK = "A1F83G8C2ARO7P"


@dataclass
class Shop:
    """The seller, its connection and the stack's tables and queues."""

    world: LocalWorld
    inspector: SandboxInspector
    seller_id: str
    connection_id: str
    orders: OrdersRepository
    shipments: ShipmentsRepository
    cancellations: CancellationsRepository
    events_queue: str

    def new_order(self, lines: int = 2) -> OrderInfo:
        """A new unshipped UK order at Amazon, once its ORDER_CHANGE has brought it into the orders table."""
        order = self.inspector.add_order(self.seller_id, status="UNSHIPPED", lines=lines, marketplaceId=UK)
        assert wait_for(lambda: self.orders.get(order.order_id) is not None), "the order was not imported"
        return order

    def put(self, detail_type: str, detail: dict[str, Any]) -> None:
        """An event on the stack's bus, as the merchant's systems send it."""
        entry = {"Source": "warehouse.test", "DetailType": detail_type, "Detail": json.dumps(detail)}
        bus = self.world.stack.deployed.outputs[Output.EVENT_BUS_NAME]
        answer = self.world.stack.deployed.aws.client("events").put_events(Entries=[{**entry, "EventBusName": bus}])
        assert answer["FailedEntryCount"] == 0

    def ship(self, order: OrderInfo, reference: str, carrier: str, line: int = 0, **extra: Any) -> dict[str, Any]:
        """Sends a ShipmentCreated for one line of the order; returns its detail."""
        item = order.items[line]
        detail = {
            "connectionId": self.connection_id,
            "orderId": order.order_id,
            "reference": reference,
            "carrier": carrier,
            "trackingNumber": f"T{uuid.uuid4().hex[:10].upper()}",
            "items": [{"sku": item.sku, "quantity": item.quantity}],
        } | extra
        self.put("ShipmentCreated", detail)
        return detail

    def package(self, order_id: str, reference: str) -> PackageRecord | None:
        return self.shipments.load(self.connection_id, order_id).package(reference)

    def outcomes(self) -> list[dict[str, Any]]:
        """The outcome events (source sellersync.shipments) received so far, in the order they came."""
        sqs, found = self.world.stack.deployed.aws.client("sqs"), []
        while messages := sqs.receive_message(QueueUrl=self.events_queue, MaxNumberOfMessages=10).get("Messages"):
            for message in messages:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.events_queue, ReceiptHandle=message["ReceiptHandle"])
        return found


def wait_for(done: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)
    return True


@pytest.fixture(scope="module")
def shop(local_world: LocalWorld) -> Iterator[Shop]:
    """A fresh seller with its orders imported, the functions' event sources running, and a queue of ours behind a
    rule on the bus that takes the shipments' outcome events."""
    world, inspector = local_world, SandboxInspector(local_world.sandbox.url)
    seller = inspector.new_seller("EU")
    settings = ConnectionSettings(enabled_syncs=frozenset({ORDERS}))
    connection = connect_seller(connections(world), inspector, seller, "shipments test", settings)
    deployed = world.stack.deployed
    aws, outputs = deployed.aws, deployed.outputs
    dynamodb, sqs, events = aws.client("dynamodb"), aws.client("sqs"), aws.client("events")
    queue_url = sqs.create_queue(QueueName=f"shipment-outcomes-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus, rule = outputs[Output.EVENT_BUS_NAME], f"shipment-outcomes-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps({"source": ["sellersync.shipments"]}))
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "outcomes", "Arn": queue_arn}])
    with world.stack.runtime.polling():
        run = {"sync_type": ORDERS, "action": "run", "connection_id": connection.connection_id}
        assert world.stack.runtime.invoke(outputs[function_output_key(ORDERS)], run).ok
        table = outputs[table_output_key(Table.SHIPMENTS)]
        yield Shop(
            world,
            inspector,
            seller.selling_partner_id,
            connection.connection_id,
            OrdersRepository(outputs[table_output_key(Table.ORDERS)], dynamodb),
            ShipmentsRepository(table, dynamodb),
            CancellationsRepository(table, dynamodb),
            queue_url,
        )
    inspector.drop_shipments()


def test_a_package_is_confirmed_at_amazon_with_amazons_carrier_code_and_verified_by_the_order_import(
    shop: Shop,
) -> None:
    order = shop.new_order()
    shop.ship(order, "PKG-1", "Royal Mail 24")
    assert wait_for(
        lambda: (p := shop.package(order.order_id, "PKG-1")) is not None and p.state is PackageState.CONFIRMED
    )
    held = shop.inspector.order(order.order_id)
    (package,) = held.package_infos()
    assert (package.carrier_code, held.status) == ("Royal Mail", "PARTIALLY_SHIPPED")
    record = shop.package(order.order_id, "PKG-1")
    assert record is not None and package.package_reference_id == record.package_reference_id
    assert wait_for(lambda: any(e["detail-type"] == "ShipmentConfirmed" for e in shop.outcomes()))


def test_a_redelivered_event_and_an_edit_never_make_a_second_package(shop: Shop) -> None:
    order = shop.new_order(lines=1)
    detail = shop.ship(order, "PKG-1", "UPS")
    assert wait_for(
        lambda: (p := shop.package(order.order_id, "PKG-1")) is not None and p.state is not PackageState.PENDING
    )
    shop.put("ShipmentCreated", detail)  # the same event again
    shop.put("ShipmentCreated", {**detail, "trackingNumber": "1Z-EDITED"})  # the same reference, corrected
    assert wait_for(lambda: shop.inspector.order(order.order_id).package_infos()[0].tracking_number == "1Z-EDITED")
    time.sleep(1.0)
    assert len(shop.inspector.order(order.order_id).package_infos()) == 1
    calls = [s for s in shop.inspector.shipments(shop.seller_id) if s["orderId"] == order.order_id]
    assert len(calls) == 2  # the first and the edit; the redelivery sent nothing


def test_a_refused_package_goes_to_the_input_dlq_with_its_reason_and_a_rejection_event(shop: Shop) -> None:
    order = shop.new_order()
    shop.ship(order, "PKG-X", "UPS", items=[{"sku": "NOT-IN-THE-ORDER", "quantity": 1}])
    sqs, dlq = (
        shop.world.stack.deployed.aws.client("sqs"),
        shop.world.stack.deployed.outputs[Output.SHIPMENTS_INPUT_DLQ_URL],
    )
    found: list[dict[str, Any]] = []

    def dead_lettered() -> bool:
        answer = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        for message in answer.get("Messages", []):
            if order.order_id in message["Body"]:
                found.append(message)
                sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
        return bool(found)

    assert wait_for(dead_lettered)
    assert "NOT-IN-THE-ORDER" in found[0]["MessageAttributes"]["reason"]["StringValue"]
    assert shop.package(order.order_id, "PKG-X") is None and not shop.inspector.order(order.order_id).packages
    rejected: list[dict[str, Any]] = []

    def rejection() -> bool:
        rejected.extend(e for e in shop.outcomes() if e["detail-type"] == "ShipmentRejected")
        return bool(rejected)

    assert wait_for(rejection)
    assert rejected[0]["detail"]["order_id"] == order.order_id and "NOT-IN-THE-ORDER" in rejected[0]["detail"]["reason"]


def test_a_204_amazon_never_recorded_is_reported_unverified(shop: Shop) -> None:
    order = shop.new_order(lines=1)
    shop.inspector.drop_shipments(order_ids=[order.order_id])
    shop.ship(order, "PKG-1", "DPD")
    assert wait_for(lambda: (p := shop.package(order.order_id, "PKG-1")) is not None and p.state is PackageState.SENT)
    # The delayed check (120 s after sending in the stack), sent now.
    check = PackageCheck(connection_id=shop.connection_id, order_id=order.order_id, reference="PKG-1")
    verify_url = shop.world.stack.deployed.outputs[Output.SHIPMENTS_VERIFY_QUEUE_URL]
    shop.world.stack.deployed.aws.client("sqs").send_message(QueueUrl=verify_url, MessageBody=check.model_dump_json())
    assert wait_for(
        lambda: (p := shop.package(order.order_id, "PKG-1")) is not None and p.state is PackageState.UNVERIFIED
    )
    record = shop.package(order.order_id, "PKG-1")
    assert record is not None and "shows no package" in (record.message or "")


@pytest.fixture
def quick_feeds(shop: Shop) -> Iterator[None]:
    """Amazon processes feeds in seconds instead of 90 s (put back after the test)."""
    config = shop.world.config
    before = (config.feed_queue_seconds, config.feed_processing_seconds)
    config.feed_queue_seconds, config.feed_processing_seconds = 1.0, 2.0
    yield
    config.feed_queue_seconds, config.feed_processing_seconds = before


@pytest.mark.usefixtures("quick_feeds")
def test_a_cancellation_cancels_the_order_at_amazon_and_one_after_shipment_is_refused(shop: Shop) -> None:
    order, shipped = shop.new_order(), shop.new_order(lines=1)
    shop.ship(shipped, "PKG-1", "UPS")
    assert wait_for(lambda: shop.inspector.order(shipped.order_id).status == "SHIPPED")
    assert wait_for(lambda: (o := shop.orders.get(shipped.order_id)) is not None and o.order.status == "SHIPPED")
    for order_id in (order.order_id, shipped.order_id):
        shop.put(
            "OrderCancellationRequested",
            {"connectionId": shop.connection_id, "orderId": order_id, "reason": "out of stock"},
        )

    def settled() -> bool:
        record = shop.cancellations.get(shop.connection_id, order.order_id)
        return record is not None and record.state is CancellationState.CANCELLED

    assert wait_for(settled, 60)
    assert shop.inspector.order(order.order_id).status == "CANCELLED"
    assert shop.cancellations.get(shop.connection_id, shipped.order_id) is None
    assert shop.inspector.order(shipped.order_id).status == "SHIPPED"


def test_an_invalid_request_and_an_unknown_connection_are_dead_lettered_and_rejected_on_the_bus(shop: Shop) -> None:
    order = shop.new_order(lines=1)
    item = order.items[0]
    invalid = {"connectionId": shop.connection_id, "orderId": order.order_id, "reference": "BAD", "carrier": "UPS"}
    shop.put("ShipmentCreated", invalid | {"trackingNumber": "T1", "items": [{"sku": item.sku, "quantity": 0}]})
    shop.put("OrderCancellationRequested", {"connectionId": "eu-nobody", "orderId": order.order_id, "reason": "oos"})
    seen: list[dict[str, Any]] = []

    def both() -> bool:
        seen.extend(e for e in shop.outcomes() if e["detail"]["order_id"] == order.order_id)
        return {e["detail-type"] for e in seen} == {"ShipmentRejected", "OrderCancellationRejected"}

    assert wait_for(both)
    by_type = {e["detail-type"]: e["detail"] for e in seen}
    assert "items.0.quantity" in by_type["ShipmentRejected"]["reason"]
    assert "unknown connection eu-nobody" in by_type["OrderCancellationRejected"]["verdict"]
    assert shop.package(order.order_id, "BAD") is None


def test_a_package_sent_while_paused_is_held_then_sent_once_on_resume(shop: Shop) -> None:
    outputs = shop.world.stack.deployed.outputs
    dynamodb, sqs = shop.world.stack.deployed.aws.client("dynamodb"), shop.world.stack.deployed.aws.client("sqs")
    pauses = ConnectionPauses(outputs[table_output_key(Table.CONNECTIONS)], dynamodb)
    release = HeldRelease(connection_id=shop.connection_id).model_dump_json()
    order = shop.new_order(lines=1)
    assert pauses.pause(shop.connection_id, PAUSE_SHIPMENTS, "test")
    try:
        shop.ship(order, "PKG-H", "UPS")
        assert wait_for(
            lambda: (p := shop.package(order.order_id, "PKG-H")) is not None and p.state is PackageState.HELD
        )
        time.sleep(1.0)
        assert shop.inspector.order(order.order_id).package_infos() == []
    finally:
        assert pauses.resume(shop.connection_id, PAUSE_SHIPMENTS)
    for _ in range(2):  # resume's release, then a second one (a resume run twice, a redelivery)
        sqs.send_message(QueueUrl=outputs[Output.SHIPMENTS_VERIFY_QUEUE_URL], MessageBody=release)
    assert wait_for(lambda: len(shop.inspector.order(order.order_id).package_infos()) == 1)
    assert wait_for(
        lambda: (p := shop.package(order.order_id, "PKG-H")) is not None and p.state is PackageState.CONFIRMED
    )
    calls = [s for s in shop.inspector.shipments(shop.seller_id) if s["orderId"] == order.order_id]
    assert len(calls) == 1
