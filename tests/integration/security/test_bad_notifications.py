"""Bad notifications through the real notifications consumer (moto + the local Amazon sandbox): another application's,
a malformed envelope and an unknown notification type are each dead-lettered with a reason, and none costs an Amazon
call (no SP-API request, no LWA token request).
"""

import copy
import json
from typing import Any

import pytest

import functions.notifications as consumer_module
from local.sandbox.config import DEFAULT_APPLICATION_ID
from tests.integration.orders.conftest import World
from tests.integration.spapi_sandbox import Recorder

pytestmark = pytest.mark.integration

FOREIGN = "amzn1.sp.solution.someone-else"


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Every HTTP exchange of the consumer (SP-API and LWA alike)."""
    recording = Recorder()
    session = recording.session()
    monkeypatch.setattr(consumer_module, "_http", lambda: session)
    return recording


def _reasons(world: World) -> list[str]:
    return sorted(m["MessageAttributes"]["reason"]["StringValue"] for m in world.dead_letters("notifications_dlq"))


def _real_order_change(world: World) -> dict[str, Any]:
    """An ORDER_CHANGE the sandbox delivered for the connected seller (a new unshipped order)."""
    world.run()  # subscribes the seller to ORDER_CHANGE at our queue
    world.notifications()
    world.inspector.add_order(world.seller.selling_partner_id, status="UNSHIPPED")
    for _ in range(15):
        if found := world.notifications(wait=1):
            return found[0]
    raise AssertionError("the sandbox delivered no ORDER_CHANGE")


def _with_body(message: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    return {**message, "MessageId": f"{message['MessageId']}-copy", "Body": json.dumps(body)}


def test_an_order_change_of_another_application_is_dead_lettered_without_calling_amazon(
    world: World, recorder: Recorder
) -> None:
    genuine = _real_order_change(world)
    body = json.loads(genuine["Body"])
    assert body["NotificationMetadata"]["ApplicationId"] == DEFAULT_APPLICATION_ID
    foreign = copy.deepcopy(body)
    foreign["NotificationMetadata"]["ApplicationId"] = FOREIGN
    recorder.clear()

    answer = world.consume([_with_body(genuine, foreign)])

    assert answer == {"batchItemFailures": []}
    assert _reasons(world) == [f"notification of another application {FOREIGN} (ours is {DEFAULT_APPLICATION_ID})"]
    assert recorder.exchanges == []
    # The same notification addressed to us is processed (one getOrder): the refusal is the ApplicationId alone.
    assert world.consume([genuine]) == {"batchItemFailures": []}
    assert recorder.statuses("getOrder") == {200: 1}


def test_a_feed_notification_of_another_application_is_dead_lettered(world: World, recorder: Recorder) -> None:
    body = {
        "notificationVersion": "2020-09-04",
        "notificationType": "FEED_PROCESSING_FINISHED",
        "payloadVersion": "2020-09-04",
        "eventTime": "2026-12-07T10:00:00.000Z",
        "payload": {
            "feedProcessingFinishedNotification": {
                "sellerId": world.seller.selling_partner_id,
                "feedId": "50001",
                "feedType": "JSON_LISTINGS_FEED",
                "processingStatus": "DONE",
            }
        },
        "notificationMetadata": {"applicationId": FOREIGN, "notificationId": "n-feed"},
    }

    assert world.consume([{"MessageId": "m-feed", "Body": json.dumps(body)}]) == {"batchItemFailures": []}

    assert _reasons(world) == [f"notification of another application {FOREIGN} (ours is {DEFAULT_APPLICATION_ID})"]
    assert recorder.exchanges == []


def test_a_malformed_envelope_and_an_unknown_type_are_dead_lettered_without_calling_amazon(
    world: World, recorder: Recorder
) -> None:
    ours = {"ApplicationId": DEFAULT_APPLICATION_ID, "NotificationId": "n-2"}
    malformed = {"NotificationType": "ORDER_CHANGE", "NotificationMetadata": ours}  # no Payload
    unknown = {
        "NotificationVersion": "1.0",
        "NotificationType": "ANY_OFFER_CHANGED",
        "PayloadVersion": "1.0",
        "EventTime": "2026-12-07T10:00:00.000Z",
        "NotificationMetadata": ours,
        "Payload": {"AnyOfferChangedNotification": {}},
    }
    messages = [
        {"MessageId": "m-malformed", "Body": json.dumps(malformed)},
        {"MessageId": "m-unknown", "Body": json.dumps(unknown)},
        {"MessageId": "m-not-json", "Body": "<xml/>"},
    ]

    assert world.consume(messages) == {"batchItemFailures": []}

    reasons = _reasons(world)
    assert len(reasons) == 3
    assert reasons[0].startswith("not an SP-API notification")  # the non-JSON body
    assert reasons[1].startswith("not an SP-API notification")  # the envelope without its Payload
    assert reasons[2] == "unsupported notification type ANY_OFFER_CHANGED"
    assert recorder.exchanges == []
