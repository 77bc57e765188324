"""shared/notifications.py: FEED_PROCESSING_FINISHED to the capability whose feed type it names, the rest to orders."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from shared.inventory.queues import FeedCheck
from shared.notifications import Routes, handle_notification
from shared.orders.notifications import Handled, NotificationDeps, UnprocessableNotificationError
from shared.shipments.messages import CancellationReport

SCHEMAS = Path(__file__).parents[2] / "local/sandbox/models/schemas/notifications"
FEED_EXAMPLE: dict[str, Any] = json.loads((SCHEMAS / "FeedProcessingFinishedNotification.json").read_text())[
    "examples"
][0]
ORDER_EXAMPLE: dict[str, Any] = json.loads((SCHEMAS / "OrderChangeNotification.json").read_text())["examples"][0]
OURS = "amzn1.sp.solution.ours"
FEED_EXAMPLE["notificationMetadata"]["applicationId"] = OURS
ORDER_EXAMPLE["NotificationMetadata"]["ApplicationId"] = OURS


def feed_finished(feed_type: str = "JSON_LISTINGS_FEED") -> str:
    body = copy.deepcopy(FEED_EXAMPLE)
    body["payload"]["feedProcessingFinishedNotification"]["feedType"] = feed_type
    return json.dumps(body)


class NoOrders:
    """Orders dependencies that fail the test when touched."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the orders consumer was used ({name})")


def routes(checks: list[FeedCheck] | None) -> Routes:
    orders: NotificationDeps = NoOrders()  # type: ignore[assignment]
    return Routes(orders=orders, application_id=OURS, feed_checks=None if checks is None else checks.append)


def test_a_listings_feed_done_becomes_a_feed_check_by_feed_id() -> None:
    checks: list[FeedCheck] = []
    assert handle_notification(feed_finished(), routes(checks)) == Handled("feed_check_queued")
    assert checks == [FeedCheck(connection_id=None, feed_id="53347018456")]


@pytest.mark.parametrize("wired", [True, False], ids=["other-feed-type", "no-results-queue"])
def test_other_feeds_and_an_unwired_results_queue_are_ignored(wired: bool) -> None:
    checks: list[FeedCheck] = []
    body = feed_finished("POST_PRODUCT_DATA") if wired else feed_finished()
    assert handle_notification(body, routes(checks if wired else None)) == Handled("ignored")
    assert checks == []


def test_an_order_acknowledgement_feed_done_becomes_a_cancellation_report_read() -> None:
    checks: list[FeedCheck] = []
    reports: list[CancellationReport] = []
    wired = Routes(
        orders=NoOrders(),  # type: ignore[arg-type]
        application_id=OURS,
        feed_checks=checks.append,
        cancellation_reports=reports.append,
    )
    outcome = handle_notification(feed_finished("POST_ORDER_ACKNOWLEDGEMENT_DATA"), wired)
    assert outcome == Handled("cancellation_report_queued")
    assert (reports, checks) == ([CancellationReport(feed_id="53347018456")], [])
    # Without the cancellations route (a stack before shipments) the notification is ignored, not misrouted.
    assert handle_notification(feed_finished("POST_ORDER_ACKNOWLEDGEMENT_DATA"), routes(checks)) == Handled("ignored")
    assert checks == []


def test_a_malformed_feed_notification_is_unprocessable() -> None:
    body = json.dumps(
        {
            "notificationVersion": "2020-09-04",
            "notificationType": "FEED_PROCESSING_FINISHED",
            "notificationMetadata": {"applicationId": OURS},
        }
    )
    with pytest.raises(UnprocessableNotificationError, match="malformed FEED_PROCESSING_FINISHED"):
        handle_notification(body, routes([]))


def test_everything_else_goes_to_the_orders_consumer() -> None:
    body = json.dumps({**ORDER_EXAMPLE, "Payload": {}})
    # The orders consumer's own validation answers (before any dependency is used).
    with pytest.raises(UnprocessableNotificationError, match="malformed ORDER_CHANGE payload"):
        handle_notification(body, routes([]))
    with pytest.raises(AssertionError, match="the orders consumer was used"):
        handle_notification(json.dumps(ORDER_EXAMPLE), routes([]))


def _from(application_id: str | None, example: dict[str, Any], metadata: str, key: str) -> str:
    body = copy.deepcopy(example)
    if application_id is None:
        del body[metadata][key]
    else:
        body[metadata][key] = application_id
    return json.dumps(body)


@pytest.mark.parametrize("example", ["ORDER_CHANGE", "FEED_PROCESSING_FINISHED"])
@pytest.mark.parametrize(
    ("application_id", "reason"),
    [("amzn1.sp.solution.theirs", "notification of another application amzn1.sp.solution.theirs"), (None, "names no")],
    ids=["foreign", "missing"],
)
def test_a_notification_of_another_application_is_unprocessable_before_any_dependency_is_used(
    example: str, application_id: str | None, reason: str
) -> None:
    # Given a well-formed notification that names another application (or none); NoOrders fails on any use.
    if example == "ORDER_CHANGE":
        body = _from(application_id, ORDER_EXAMPLE, "NotificationMetadata", "ApplicationId")
    else:
        body = _from(application_id, FEED_EXAMPLE, "notificationMetadata", "applicationId")
    checks: list[FeedCheck] = []
    with pytest.raises(UnprocessableNotificationError, match=reason):
        handle_notification(body, routes(checks))
    assert checks == []
