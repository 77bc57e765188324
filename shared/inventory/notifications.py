"""FEED_PROCESSING_FINISHED (camelCase envelope, payload 2020-09-04): a JSON_LISTINGS_FEED of ours is done.

The notifications consumer hands it to the results queue as a feed check; the check finds the feed's record (and
so its connection) by feed id, so the notification's seller id is not needed. Other feed types are ignored.
"""

from shared.inventory.queues import FeedCheck
from shared.spapi.models.feed_notifications import (
    FEED_PAYLOAD_VERSION,
    FEED_PROCESSING_FINISHED,
    MalformedFeedNotificationError,
    parse_feed_finished,
)
from shared.spapi.operations import JSON_LISTINGS_FEED

__all__ = ["FEED_PAYLOAD_VERSION", "FEED_PROCESSING_FINISHED", "MalformedFeedNotificationError", "feed_check"]


def feed_check(body: str) -> FeedCheck | None:
    """The feed check a FEED_PROCESSING_FINISHED asks for; None for feed types other than JSON_LISTINGS_FEED."""
    finished = parse_feed_finished(body)
    if finished.feedType != JSON_LISTINGS_FEED:
        return None
    return FeedCheck(connection_id=None, feed_id=finished.feedId)
