"""Feeds over sandbox time: IN_QUEUE -> IN_PROGRESS -> DONE | FATAL, a gzip'd result document, and
FEED_PROCESSING_FINISHED for subscribers. The content is read when processing ends, like Amazon's snapshot."""

import gzip
from collections.abc import Callable
from typing import TYPE_CHECKING

from local.sandbox.listings_feed import process_listings_feed
from local.sandbox.notify import FEED_PROCESSING_FINISHED, notify_seller
from local.sandbox.order_feed import process_order_acknowledgements
from local.sandbox.records import Document, Feed

if TYPE_CHECKING:
    from local.sandbox.world import Sandbox

LISTINGS_FEED = "JSON_LISTINGS_FEED"
ORDER_ACKNOWLEDGEMENT_FEED = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
# Legacy XML / flat-file listings feeds stopped working on 2025-07-31 (processingStatus FATAL, REFERENCE.md 0.4).
RETIRED_FEEDS = frozenset(
    {
        "POST_PRODUCT_DATA",
        "POST_INVENTORY_AVAILABILITY_DATA",
        "POST_PRODUCT_PRICING_DATA",
        "POST_PRODUCT_RELATIONSHIP_DATA",
        "POST_PRODUCT_IMAGE_DATA",
        "POST_PRODUCT_OVERRIDES_DATA",
        "POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA",
        "POST_FLAT_FILE_INVLOADER_DATA",
        "POST_FLAT_FILE_LISTINGS_DATA",
    }
)
FEED_TYPES = frozenset({LISTINGS_FEED, ORDER_ACKNOWLEDGEMENT_FEED}) | RETIRED_FEEDS
Processor = Callable[["Sandbox", Feed, bytes], tuple[str, bytes, str]]
PROCESSORS: dict[str, Processor] = {
    LISTINGS_FEED: process_listings_feed,
    ORDER_ACKNOWLEDGEMENT_FEED: process_order_acknowledgements,
}


def schedule_feed(sandbox: "Sandbox", feed: Feed) -> None:
    """Queues a new feed's two steps on the sandbox clock."""
    sandbox.state.scheduler.at(feed.created + sandbox.config.feed_queue_seconds, _start(sandbox, feed.feed_id))


def _start(sandbox: "Sandbox", feed_id: str) -> Callable[[float], None]:
    def action(due: float) -> None:
        feed = sandbox.state.feeds.get(feed_id)
        if feed is None or feed.status != "IN_QUEUE":
            return
        feed.status, feed.started = "IN_PROGRESS", due
        sandbox.state.scheduler.at(due + sandbox.config.feed_processing_seconds, _finish(sandbox, feed_id))

    return action


def _finish(sandbox: "Sandbox", feed_id: str) -> Callable[[float], None]:
    def action(due: float) -> None:
        feed = sandbox.state.feeds.get(feed_id)
        if feed is None or feed.status != "IN_PROGRESS":
            return
        document = sandbox.state.documents.get(feed.input_document_id)
        processor = PROCESSORS.get(feed.feed_type)
        feed.ended = due
        if document is None or document.content is None or processor is None:
            # Nothing uploaded, or a retired feed type: Amazon aborts such feeds.
            feed.status = "FATAL"
        else:
            feed.status, result, content_type = processor(sandbox, feed, document.content)
            feed.result_document_id = _store_result(sandbox, feed, result, content_type, due)
        _notify(sandbox, feed, due)

    return action


def _store_result(sandbox: "Sandbox", feed: Feed, result: bytes, content_type: str, now: float) -> str:
    region = sandbox.state.sellers[feed.seller_id].region
    document = Document(
        document_id=sandbox.state.ids.document_id(region),
        owner=feed.seller_id,
        kind="feed-result",
        content_type=content_type,
        created=now,
        content=gzip.compress(result),
        compression="GZIP",
    )
    sandbox.state.documents[document.document_id] = document
    return document.document_id


def _notify(sandbox: "Sandbox", feed: Feed, at: float) -> None:
    payload: dict[str, object] = {
        "sellerId": feed.seller_id,
        "accountId": feed.seller_id,
        "feedId": feed.feed_id,
        "feedType": feed.feed_type,
        "processingStatus": feed.status,
    }
    if feed.result_document_id:
        payload["resultFeedDocumentId"] = feed.result_document_id
    notify_seller(
        sandbox, feed.seller_id, FEED_PROCESSING_FINISHED, {"feedProcessingFinishedNotification": payload}, at
    )
