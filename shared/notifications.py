"""The notifications queue's router: each of Amazon's notifications goes to the capability that handles it.

- FEED_PROCESSING_FINISHED (camelCase envelope): a JSON_LISTINGS_FEED of ours is done; its feed check goes to the
  inventory results queue (shared/inventory/notifications.py). Outcome `feed_check_queued`; `ignored` for other feed
  types or when no results queue is wired.
- Everything else: the orders consumer (shared/orders/notifications.py), which handles ORDER_CHANGE and dead-letters
  unsupported types with a reason.
A malformed message raises UnprocessableNotificationError: the handler puts it on the DLQ with the reason.
"""

from collections.abc import Callable
from dataclasses import dataclass

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
    """Where notifications go: the orders consumer's dependencies, and the feed checks' queue (None: ignored)."""

    orders: NotificationDeps
    feed_checks: Callable[[FeedCheck], None] | None = None


def handle_notification(body: str, routes: Routes) -> Handled:
    """Routes one message (see the module doc); raises UnprocessableNotificationError to dead-letter it."""
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
