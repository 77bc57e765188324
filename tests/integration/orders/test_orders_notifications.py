"""ORDER_CHANGE notifications: delivered by the sandbox to the queue, consumed by the real handler.

Duplicated, reordered and late deliveries change nothing wrongly; unprocessable messages go to the DLQ with a reason.
"""

import json
import time
from typing import Any

import pytest

import functions.notifications as consumer_module
from local.sandbox.config import DEFAULT_APPLICATION_ID
from tests.integration.orders.conftest import World
from tests.integration.spapi_sandbox import Recorder

pytestmark = pytest.mark.integration


def _wait_for_notifications(world: World, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(found) < count and time.monotonic() < deadline:
        found.extend(world.notifications(wait=1))
    assert len(found) >= count, f"{len(found)} of {count} notifications arrived"
    return found


def _order_id(message: dict[str, Any]) -> str:
    return str(json.loads(message["Body"])["Payload"]["OrderChangeNotification"]["AmazonOrderId"])


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Every SP-API call the consumer makes."""
    recording = Recorder()
    session = recording.session()
    monkeypatch.setattr(consumer_module, "_http", lambda: session)
    return recording


def test_a_new_order_arrives_through_its_notification_without_waiting_for_polling(
    world: World, recorder: Recorder
) -> None:
    world.run()  # subscribes the seller to ORDER_CHANGE at our queue
    world.notifications()  # nothing from before the subscription matters here
    new = world.inspector.add_order(world.seller.selling_partner_id, status="UNSHIPPED")

    messages = _wait_for_notifications(world, 1)
    answer = world.consume(messages)

    assert answer == {"batchItemFailures": []}
    assert new.order_id in world.stored()
    assert world.event_counts()[("OrderImported", new.order_id)] == 1
    assert recorder.statuses("getOrder") == {200: 1}


def test_duplicated_and_reordered_notifications_publish_each_change_once(world: World, recorder: Recorder) -> None:
    world.run()
    world.notifications()
    seller = world.seller.selling_partner_id
    order = world.inspector.add_order(seller, status="UNSHIPPED")
    first = _wait_for_notifications(world, 1)
    world.advance(60)
    world.inspector.update_order(order.order_id, buyerCancelReason="NO_LONGER_NEEDED")
    second = _wait_for_notifications(world, 1)

    # The newer change first, then the older one, then both again.
    world.consume(second + first)
    world.consume(first + second)

    counts = world.event_counts()
    # The newer notification fetched the order with its request already in it: imported, and the request published.
    assert counts[("OrderImported", order.order_id)] == 1
    assert counts[("BuyerCancellationRequested", order.order_id)] == 1
    assert sum(n for (_, order_id), n in counts.items() if order_id == order.order_id) == 2
    assert world.stored()[order.order_id].buyer_cancellation_requested
    # The late and duplicated deliveries are answered from the table: one getOrder for the four messages.
    assert recorder.statuses("getOrder") == {200: 1}


def test_a_change_after_import_is_published_once_even_when_delivered_three_times(
    world: World, recorder: Recorder
) -> None:
    world.run()
    world.notifications()
    order_id = sorted(world.stored())[0]
    world.advance(60)
    world.inspector.update_order(order_id, status="CANCELLED", cancelledBy="BUYER")
    message = _wait_for_notifications(world, 1)[0]

    world.consume([message, message])
    world.consume([message])

    assert world.event_counts()[("OrderCancelled", order_id)] == 1
    assert world.stored()[order_id].status == "CANCELLED"
    assert recorder.statuses("getOrder") == {200: 1}
    # Polling afterwards sees the same version: nothing more is published.
    world.advance(180)
    world.run()
    assert world.event_counts()[("OrderCancelled", order_id)] == 1


def test_unprocessable_notifications_go_to_the_dlq_with_their_reason(world: World) -> None:
    stranger = {
        "NotificationVersion": "1.0",
        "NotificationType": "ORDER_CHANGE",
        "PayloadVersion": "1.0",
        "EventTime": "2026-11-24T10:00:00.000Z",
        "NotificationMetadata": {
            "ApplicationId": DEFAULT_APPLICATION_ID,
            "NotificationId": "n-1",
            "PublishTime": "2026-11-24T10:00:00.000Z",
        },
        "Payload": {
            "OrderChangeNotification": {
                "SellerId": "ANOTHERSELLER",
                "AmazonOrderId": "028-0000000-0000000",
                "OrderChangeTrigger": {"TimeOfOrderChange": "2026-11-24T10:00:00.000Z"},
                "Summary": {"MarketplaceId": "A1PA6795UKMFR9"},
            }
        },
    }
    answer = world.consume([{"Body": "not json"}, {"Body": json.dumps(stranger)}])

    assert answer == {"batchItemFailures": []}  # acknowledged: retrying cannot help
    reasons = sorted(m["MessageAttributes"]["reason"]["StringValue"] for m in world.dead_letters("notifications_dlq"))
    assert len(reasons) == 2
    assert reasons[0].startswith("no connection eu-anotherseller") and reasons[1].startswith("not an SP-API")


def test_amazon_failing_returns_the_message_to_the_queue(world: World) -> None:
    world.run()
    world.notifications()
    order = world.inspector.add_order(world.seller.selling_partner_id, status="UNSHIPPED")
    message = _wait_for_notifications(world, 1)[0]
    world.inspector.set_faults(error_share=1.0)
    try:
        answer = world.consume([message])
    finally:
        world.inspector.set_faults(error_share=0.0)

    assert answer == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}
    assert order.order_id not in world.stored()
    assert world.consume([message]) == {"batchItemFailures": []}  # the redelivery succeeds
    assert world.event_counts()[("OrderImported", order.order_id)] == 1
