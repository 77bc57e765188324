"""The notifications queue's router: each of Amazon's notifications goes to the capability that handles it.

- FEED_PROCESSING_FINISHED (camelCase envelope): a feed of ours is done. A JSON_LISTINGS_FEED's check goes to the
  inventory results queue (outcome `feed_check_queued`), a POST_ORDER_ACKNOWLEDGEMENT_DATA's report read to the
  cancellations queue (`cancellation_report_queued`); `ignored` for other feed types or a route not wired.
- Everything else: the orders consumer (shared/orders/notifications.py), which handles ORDER_CHANGE and dead-letters
  unsupported types with a reason.
A malformed message raises UnprocessableNotificationError: the handler puts it on the DLQ with the reason.

Before either, the envelope's `NotificationMetadata.ApplicationId` (camelCase: `notificationMetadata.applicationId`)
must be our app's (the LWA secret's `application_id`): a notification of another application, or one naming none, is
dead-lettered with the reason and costs no Amazon call.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.inventory.queues import FeedCheck
from shared.orders.notifications import (
    Handled,
    NotificationDeps,
    UnprocessableNotificationError,
    camel_case_type_of,
    handle_order_notification,
)
from shared.shipments.messages import CancellationReport
from shared.spapi.models.feed_notifications import (
    FEED_PROCESSING_FINISHED,
    MalformedFeedNotificationError,
    parse_feed_finished,
)
from shared.spapi.operations import JSON_LISTINGS_FEED, ORDER_ACKNOWLEDGEMENT_FEED


@dataclass(frozen=True)
class Routes:
    """Where notifications go: the orders consumer's dependencies, our app's ApplicationId (only its notifications
    are processed), the inventory feed checks' queue and the cancellation reports' queue (None: ignored)."""

    orders: NotificationDeps
    application_id: str
    feed_checks: Callable[[FeedCheck], None] | None = None
    cancellation_reports: Callable[[CancellationReport], None] | None = None


def handle_notification(body: str, routes: Routes) -> Handled:
    """Routes one message (see the module doc); raises UnprocessableNotificationError to dead-letter it."""
    envelope = _json_object(body)
    if envelope is not None:
        check_application(envelope, routes.application_id)
    if camel_case_type_of(body) == FEED_PROCESSING_FINISHED:
        return _feed_finished(body, routes)
    return handle_order_notification(body, routes.orders)


def _feed_finished(body: str, routes: Routes) -> Handled:
    try:
        finished = parse_feed_finished(body)
    except MalformedFeedNotificationError as exc:
        raise UnprocessableNotificationError(str(exc)) from None
    if finished.feedType == JSON_LISTINGS_FEED and routes.feed_checks is not None:
        routes.feed_checks(FeedCheck(connection_id=None, feed_id=finished.feedId))
        return Handled("feed_check_queued")
    if finished.feedType == ORDER_ACKNOWLEDGEMENT_FEED and routes.cancellation_reports is not None:
        routes.cancellation_reports(CancellationReport(feed_id=finished.feedId))
        return Handled("cancellation_report_queued")
    return Handled("ignored")


def _json_object(body: str) -> dict[str, Any] | None:
    """The message as a JSON object; None for anything else (the orders consumer dead-letters it as malformed)."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def application_id_of(envelope: dict[str, Any]) -> str | None:
    """The ApplicationId of either envelope spelling, or None when it names none."""
    metadata = envelope.get("NotificationMetadata", envelope.get("notificationMetadata"))
    if not isinstance(metadata, dict):
        return None
    value = metadata.get("ApplicationId", metadata.get("applicationId"))
    return value if isinstance(value, str) and value else None


def check_application(envelope: dict[str, Any], ours: str) -> None:
    """Raises UnprocessableNotificationError unless the notification was sent to our application."""
    theirs = application_id_of(envelope)
    if theirs is None:
        raise UnprocessableNotificationError("the notification names no ApplicationId")
    if theirs != ours:
        raise UnprocessableNotificationError(f"notification of another application {theirs} (ours is {ours})")
