"""Feeds API 2021-06-30: feed documents, feeds and their processing status."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.spapi.models.base import SpApiModel

ProcessingStatus = Literal["CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"]


class CreateFeedDocumentRequest(SpApiModel):
    """Body of createFeedDocument; the upload must use the same content type."""

    content_type: str


class CreateFeedDocumentResponse(SpApiModel):
    """Where to upload the feed (a presigned URL valid for 5 minutes)."""

    feed_document_id: str
    url: str


class CreateFeedRequest(SpApiModel):
    """Body of createFeed (JSON_LISTINGS_FEED takes one marketplace)."""

    feed_type: str
    marketplace_ids: list[str] = Field(min_length=1, max_length=25)
    input_feed_document_id: str
    feed_options: dict[str, str] | None = None


class CreateFeedResponse(SpApiModel):
    """The id of the new feed."""

    feed_id: str


class Feed(SpApiModel):
    """A feed and its processing status (getFeed)."""

    feed_id: str
    feed_type: str
    created_time: datetime
    processing_status: ProcessingStatus
    marketplace_ids: list[str] = []
    processing_start_time: datetime | None = None
    processing_end_time: datetime | None = None
    result_feed_document_id: str | None = None


class FeedDocument(SpApiModel):
    """Where to download a feed's result (URL valid for 5 minutes), and whether it is gzipped."""

    feed_document_id: str
    url: str
    compression_algorithm: Literal["GZIP"] | None = None
