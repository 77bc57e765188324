"""FEED_PROCESSING_FINISHED (camelCase envelope, payload 2020-09-04): a feed of ours is done.

Parsed here once; the notifications router hands the feed to the capability that submitted its type
(JSON_LISTINGS_FEED: inventory results; POST_ORDER_ACKNOWLEDGEMENT_DATA: cancellations).
"""

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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


def parse_feed_finished(body: str) -> FeedProcessingFinished:
    """The finished feed a notification names; raises MalformedFeedNotificationError."""
    try:
        return FeedEnvelope.model_validate_json(body).payload.feedProcessingFinishedNotification
    except ValidationError as exc:
        raise MalformedFeedNotificationError(
            f"malformed {FEED_PROCESSING_FINISHED}: {exc.error_count()} error(s)"
        ) from None
