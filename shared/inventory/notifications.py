"""FEED_PROCESSING_FINISHED (camelCase envelope, payload 2020-09-04): a JSON_LISTINGS_FEED of ours is done.

The notifications consumer hands it to the results queue as a feed check; the check finds the feed's record (and
so its connection) by feed id, so the notification's seller id is not needed. Other feed types are ignored.
"""

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.inventory.queues import FeedCheck
from shared.spapi.operations import JSON_LISTINGS_FEED

FEED_PROCESSING_FINISHED = "FEED_PROCESSING_FINISHED"
FEED_PAYLOAD_VERSION = "2020-09-04"


class _Amazon(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class FeedProcessingFinished(_Amazon):
    """payload.feedProcessingFinishedNotification."""

    feedId: str = Field(min_length=1)
    feedType: str = Field(min_length=1)
    processingStatus: str
    sellerId: str | None = None


class _Payload(_Amazon):
    feedProcessingFinishedNotification: FeedProcessingFinished


class FeedEnvelope(_Amazon):
    """The camelCase envelope."""

    notificationType: str
    payload: _Payload


class MalformedFeedNotificationError(ValueError):
    """A FEED_PROCESSING_FINISHED that does not follow Amazon's schema."""


def feed_check(body: str) -> FeedCheck | None:
    """The feed check a FEED_PROCESSING_FINISHED asks for; None for feed types other than JSON_LISTINGS_FEED."""
    try:
        envelope = FeedEnvelope.model_validate_json(body)
    except ValidationError as exc:
        raise MalformedFeedNotificationError(
            f"malformed {FEED_PROCESSING_FINISHED}: {exc.error_count()} error(s)"
        ) from None
    finished = envelope.payload.feedProcessingFinishedNotification
    if finished.feedType != JSON_LISTINGS_FEED:
        return None
    return FeedCheck(connection_id=None, feed_id=finished.feedId)
