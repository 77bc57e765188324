"""Feeds API 2021-06-30: createFeedDocument, createFeed, getFeed, getFeedDocument, cancelFeed."""

from typing import Any

from local.sandbox.api import ApiError, ApiResponse, Ctx, operation
from local.sandbox.clock import iso
from local.sandbox.documents import FEED_INPUT, presigned_url
from local.sandbox.feed_processing import FEED_TYPES, LISTINGS_FEED, schedule_feed
from local.sandbox.ratelimit import JSON_LISTINGS_FEED_PLAN
from local.sandbox.records import Document, Feed

MODEL = "feeds_2021-06-30"
FEED_ID_BASE = 50_000_000_000


@operation(MODEL, "createFeedDocument")
def create_feed_document(ctx: Ctx) -> ApiResponse:
    """A new, empty feed document and the URL to PUT its content to (5 minutes, same Content-Type)."""
    seller = ctx.require_seller()
    document = Document(
        document_id=ctx.sandbox.state.ids.document_id(seller.region),
        owner=seller.selling_partner_id,
        kind=FEED_INPUT,
        content_type=ctx.body["contentType"],
        created=ctx.now,
    )
    ctx.sandbox.state.documents[document.document_id] = document
    url = presigned_url(ctx.sandbox, ctx.base_url, document, "PUT")
    return ApiResponse(201, {"feedDocumentId": document.document_id, "url": url})


@operation(MODEL, "createFeed")
def create_feed(ctx: Ctx) -> ApiResponse:
    """Queues a feed for processing; 202 with its ID."""
    seller = ctx.require_seller()
    body = ctx.body
    feed_type, marketplace_ids = body["feedType"], body["marketplaceIds"]
    if feed_type not in FEED_TYPES:
        raise ApiError(400, "InvalidInput", f"Invalid feedType '{feed_type}'.")
    if any(m not in seller.marketplace_ids for m in marketplace_ids):
        raise ApiError(400, "InvalidInput", "Invalid 'marketplaceIds' provided.")
    if feed_type == LISTINGS_FEED and len(marketplace_ids) > 1:
        raise ApiError(400, "InvalidInput", "Too many 'marketplaceIds' values provided. Expected a maximum of 1.")
    document = ctx.sandbox.state.documents.get(body["inputFeedDocumentId"])
    if document is None or document.owner != seller.selling_partner_id or document.kind != FEED_INPUT:
        raise ApiError(400, "InvalidInput", "Invalid inputFeedDocumentId.")
    if feed_type == LISTINGS_FEED and not ctx.sandbox.limiter.try_acquire(
        seller.selling_partner_id, LISTINGS_FEED, JSON_LISTINGS_FEED_PLAN, ctx.now
    ):
        # The JSON_LISTINGS_FEED window (5 per 5 min per seller and region) comes on top of createFeed's own bucket.
        raise ApiError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
    feed = Feed(
        feed_id=ctx.sandbox.state.ids.numeric(FEED_ID_BASE),
        seller_id=seller.selling_partner_id,
        feed_type=feed_type,
        marketplace_ids=list(marketplace_ids),
        input_document_id=document.document_id,
        created=ctx.now,
    )
    ctx.sandbox.state.feeds[feed.feed_id] = feed
    schedule_feed(ctx.sandbox, feed)
    return ApiResponse(202, {"feedId": feed.feed_id})


@operation(MODEL, "getFeed")
def get_feed(ctx: Ctx) -> ApiResponse:
    """A feed's processing status and, once done, its result document ID."""
    return ApiResponse(200, feed_json(_feed(ctx)))


@operation(MODEL, "cancelFeed")
def cancel_feed(ctx: Ctx) -> ApiResponse:
    """Cancels a feed that is still IN_QUEUE."""
    feed = _feed(ctx)
    if feed.status != "IN_QUEUE":
        raise ApiError(400, "InvalidInput", f"Feed {feed.feed_id} is {feed.status} and can no longer be cancelled.")
    feed.status, feed.ended = "CANCELLED", ctx.now
    return ApiResponse(200)


@operation(MODEL, "getFeedDocument")
def get_feed_document(ctx: Ctx) -> ApiResponse:
    """Where to download a feed document (5 minutes) and how it is compressed."""
    seller = ctx.require_seller()
    document = ctx.sandbox.state.documents.get(ctx.params["feedDocumentId"])
    if document is None or document.owner != seller.selling_partner_id or document.kind == "report":
        raise ApiError(404, "NotFound", "The feed document was not found.")
    body: dict[str, Any] = {
        "feedDocumentId": document.document_id,
        "url": presigned_url(ctx.sandbox, ctx.base_url, document, "GET"),
    }
    if document.compression:
        body["compressionAlgorithm"] = document.compression
    return ApiResponse(200, body)


def feed_json(feed: Feed) -> dict[str, Any]:
    """The Feed object."""
    body: dict[str, Any] = {
        "feedId": feed.feed_id,
        "feedType": feed.feed_type,
        "marketplaceIds": feed.marketplace_ids,
        "createdTime": iso(feed.created),
        "processingStatus": feed.status,
    }
    if feed.started is not None:
        body["processingStartTime"] = iso(feed.started)
    if feed.ended is not None:
        body["processingEndTime"] = iso(feed.ended)
    if feed.result_document_id:
        body["resultFeedDocumentId"] = feed.result_document_id
    return body


def _feed(ctx: Ctx) -> Feed:
    seller = ctx.require_seller()
    feed = ctx.sandbox.state.feeds.get(ctx.params["feedId"])
    if feed is None or feed.seller_id != seller.selling_partner_id:
        raise ApiError(404, "NotFound", f"Feed {ctx.params['feedId']} was not found.")
    return feed
