"""The notifications queue's router: each of Amazon's notifications goes to the capability that handles it.

- FEED_PROCESSING_FINISHED (camelCase envelope): a JSON_LISTINGS_FEED of ours is done; its feed check goes to the
  inventory results queue (shared/inventory/notifications.py). Outcome `feed_check_queued`; `ignored` for other feed
  types or when no results queue is wired.
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

from shared.inventory.notifications import FEED_PROCESSING_FINISHED, MalformedFeedNotificationError, feed_check
from shared.inventory.queues import FeedCheck
from shared.orders.notifications import (
    Handled,
    NotificationDeps,
    UnprocessableNotificationError,
    camel_case_type_of,
    handle_order_notification,
)


@dataclass(frozen=True)
class Routes:
    """Where notifications go: the orders consumer's dependencies, our app's ApplicationId (only its notifications
    are processed) and the feed checks' queue (None: ignored)."""

    orders: NotificationDeps
    application_id: str
    feed_checks: Callable[[FeedCheck], None] | None = None


def handle_notification(body: str, routes: Routes) -> Handled:
    """Routes one message (see the module doc); raises UnprocessableNotificationError to dead-letter it."""
    envelope = _json_object(body)
    if envelope is not None:
        check_application(envelope, routes.application_id)
    if camel_case_type_of(body) == FEED_PROCESSING_FINISHED:
        return _feed_finished(body, routes.feed_checks)
    return handle_order_notification(body, routes.orders)


def _feed_finished(body: str, feed_checks: Callable[[FeedCheck], None] | None) -> Handled:
    try:
        check = feed_check(body)
    except MalformedFeedNotificationError as exc:
        raise UnprocessableNotificationError(str(exc)) from None
    if check is None or feed_checks is None:
        return Handled("ignored")
    feed_checks(check)
    return Handled("feed_check_queued")


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
