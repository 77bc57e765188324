"""The SP-API client of one connection: typed methods for the operations Seller Sync calls."""

import gzip
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import requests
from pydantic import BaseModel, ValidationError

from shared.spapi import operations as ops
from shared.spapi.errors import UnexpectedResponseError
from shared.spapi.marketplaces import Region, spapi_base_url
from shared.spapi.models.feeds import (
    CreateFeedDocumentResponse,
    CreateFeedRequest,
    CreateFeedResponse,
    Feed,
    FeedDocument,
)
from shared.spapi.models.listings import (
    IncludedListingData,
    ListingsItem,
    ListingsItemPatchRequest,
    ListingsItemSubmissionResponse,
    SearchListingsItemsQuery,
    SearchListingsItemsResponse,
)
from shared.spapi.models.notifications import (
    CreateDestinationRequest,
    CreateDestinationResponse,
    CreateSubscriptionRequest,
    CreateSubscriptionResponse,
    GetDestinationsResponse,
    GetSubscriptionResponse,
)
from shared.spapi.models.orders import (
    GetOrderResponse,
    IncludedOrderData,
    SearchOrdersQuery,
    SearchOrdersResponse,
)
from shared.spapi.models.reports import CreateReportRequest, CreateReportResponse, Report, ReportDocument
from shared.spapi.models.sellers import GetMarketplaceParticipationsResponse
from shared.spapi.models.shipments import ConfirmShipmentRequest
from shared.spapi.ratelimit import RateLimiter
from shared.spapi.tokens import TokenProvider
from shared.spapi.transport import RetryPolicy, Transport
from shared.spapi.wire import REQUEST_ID_HEADER, ApiRequest

DOWNLOAD_CHUNK = 64 * 1024


@dataclass(frozen=True)
class DocumentStream:
    """A document's body as served (still gzipped if it was), in chunks; `content_type` carries its charset."""

    content_type: str | None
    chunks: Iterator[bytes]


class SpApiClient:
    """SP-API calls of one connection (seller + region), rate-limited, retried and bounded by the Lambda's time.

    Every method may raise the SpApiError subclasses (InvalidInputError, UnauthorizedError, NotFoundError,
    ThrottledError, ServerError), OutOfTimeError, and the LWA errors of the token provider. An error carries Amazon's
    request id; after a successful call `last_request_id` holds it (x-amzn-RequestId, for the audit trail).
    """

    def __init__(
        self,
        connection_id: str,
        region: Region,
        token_provider: TokenProvider,
        limiter: RateLimiter,
        session: requests.Session,
        endpoint_override: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        remaining_time_ms: Callable[[], int] | None = None,
        *,
        sandbox: bool = False,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.connection_id = connection_id
        self.region = region
        self.last_request_id: str | None = None
        self.base_url = spapi_base_url(region, endpoint_override, sandbox=sandbox)
        self._transport = Transport(
            self.base_url,
            connection_id,
            token_provider,
            limiter,
            session,
            clock=clock,
            sleep=sleep,
            remaining_time_ms=remaining_time_ms,
            retry=retry,
        )

    def search_orders(self, query: SearchOrdersQuery, pagination_token: str | None = None) -> SearchOrdersResponse:
        """One page of orders; pass the previous page's next_token with the same query to continue."""
        return self._call(ops.search_orders(query, pagination_token), SearchOrdersResponse)

    def get_order(self, order_id: str, included_data: Sequence[IncludedOrderData] = ()) -> GetOrderResponse:
        """One order with its items (and the included data sets)."""
        return self._call(ops.get_order(order_id, included_data), GetOrderResponse)

    def confirm_shipment(self, order_id: str, body: ConfirmShipmentRequest) -> None:
        """Confirms one package of an MFN order (Amazon answers 204; its request id is then `last_request_id`)."""
        response = self._transport.send(ops.confirm_shipment(order_id, body))
        self.last_request_id = response.headers.get(REQUEST_ID_HEADER)

    def get_marketplace_participations(self) -> GetMarketplaceParticipationsResponse:
        """The marketplaces of the connection's region the seller takes part in."""
        return self._call(ops.get_marketplace_participations(), GetMarketplaceParticipationsResponse)

    def create_feed_document(self, content_type: str) -> CreateFeedDocumentResponse:
        """A feed document and its presigned upload URL (valid 5 minutes)."""
        return self._call(ops.create_feed_document(content_type), CreateFeedDocumentResponse)

    def upload_feed_document(self, url: str, content: bytes, content_type: str) -> None:
        """PUTs the feed to the presigned URL with the content type given to create_feed_document (no token)."""
        self._transport.send_presigned("PUT", url, content, content_type)

    def create_feed(self, body: CreateFeedRequest) -> CreateFeedResponse:
        """Submits an uploaded feed document for processing (not retried after an ambiguous timeout)."""
        return self._call(ops.create_feed(body), CreateFeedResponse)

    def get_feed(self, feed_id: str) -> Feed:
        """A feed's processing status."""
        return self._call(ops.get_feed(feed_id), Feed)

    def get_feed_document(self, feed_document_id: str) -> FeedDocument:
        """Where to download a feed's processing report."""
        return self._call(ops.get_feed_document(feed_document_id), FeedDocument)

    def create_report(self, body: CreateReportRequest) -> CreateReportResponse:
        """Requests a report."""
        return self._call(ops.create_report(body), CreateReportResponse)

    def get_report(self, report_id: str) -> Report:
        """A report's processing status."""
        return self._call(ops.get_report(report_id), Report)

    def cancel_report(self, report_id: str) -> None:
        """Cancels a report; Amazon refuses (InvalidInputError) one no longer IN_QUEUE."""
        self._transport.send(ops.cancel_report(report_id))

    def get_report_document(self, report_document_id: str) -> ReportDocument:
        """Where to download a report."""
        return self._call(ops.get_report_document(report_document_id), ReportDocument)

    def download_document(self, document: FeedDocument | ReportDocument) -> bytes:
        """The document's bytes from its presigned URL, gunzipped when compressionAlgorithm is GZIP."""
        content = self._transport.send_presigned("GET", document.url, None, None).content
        return gzip.decompress(content) if document.compression_algorithm == "GZIP" else content

    def stream_document(
        self, document: FeedDocument | ReportDocument, chunk_size: int = DOWNLOAD_CHUNK
    ) -> DocumentStream:
        """The document's raw bytes in chunks, never held whole (a 200,000-listing report is large); not gunzipped.

        The request is sent (and retried) now; a failure while the chunks are read is raised by the iteration.
        """
        response = self._transport.send_presigned("GET", document.url, None, None, stream=True)

        def chunks() -> Iterator[bytes]:
            with response:
                yield from response.iter_content(chunk_size)

        return DocumentStream(response.headers.get("content-type"), chunks())

    def get_listings_item(
        self,
        seller_id: str,
        sku: str,
        marketplace_ids: Sequence[str],
        included_data: Sequence[IncludedListingData] = (),
        issue_locale: str | None = None,
    ) -> ListingsItem:
        """One listing of the seller."""
        request = ops.get_listings_item(seller_id, sku, marketplace_ids, included_data, issue_locale)
        return self._call(request, ListingsItem)

    def patch_listings_item(
        self,
        seller_id: str,
        sku: str,
        marketplace_ids: Sequence[str],
        body: ListingsItemPatchRequest,
        *,
        validation_preview: bool = False,
    ) -> ListingsItemSubmissionResponse:
        """Patches top-level attributes of a listing (ACCEPTED means queued, not applied)."""
        request = ops.patch_listings_item(seller_id, sku, marketplace_ids, body, validation_preview=validation_preview)
        return self._call(request, ListingsItemSubmissionResponse)

    def search_listings_items(
        self, seller_id: str, query: SearchListingsItemsQuery, page_token: str | None = None
    ) -> SearchListingsItemsResponse:
        """One page of the seller's listings; pass the previous next_token with the same query to continue."""
        return self._call(ops.search_listings_items(seller_id, query, page_token), SearchListingsItemsResponse)

    def create_destination(self, body: CreateDestinationRequest) -> CreateDestinationResponse:
        """Creates a notification destination (grantless token)."""
        return self._call(ops.create_destination(body), CreateDestinationResponse)

    def get_destinations(self) -> GetDestinationsResponse:
        """The application's notification destinations in this region (grantless token)."""
        return self._call(ops.get_destinations(), GetDestinationsResponse)

    def get_subscription(self, notification_type: str, payload_version: str | None = None) -> GetSubscriptionResponse:
        """The seller's subscription to a notification type (seller token); NotFoundError when there is none."""
        return self._call(ops.get_subscription(notification_type, payload_version), GetSubscriptionResponse)

    def create_subscription(
        self, notification_type: str, body: CreateSubscriptionRequest
    ) -> CreateSubscriptionResponse:
        """Subscribes the seller to a notification type (seller token)."""
        return self._call(ops.create_subscription(notification_type, body), CreateSubscriptionResponse)

    def delete_subscription_by_id(self, notification_type: str, subscription_id: str) -> None:
        """Deletes a subscription (grantless token)."""
        self._transport.send(ops.delete_subscription_by_id(notification_type, subscription_id))

    def rotate_application_client_secret(self) -> None:
        """Asks Amazon for a new client secret (grantless token); it arrives as APPLICATION_OAUTH_CLIENT_NEW_SECRET."""
        self._transport.send(ops.rotate_application_client_secret())

    def _call[M: BaseModel](self, request: ApiRequest, model: type[M]) -> M:
        response = self._transport.send(request)
        self.last_request_id = response.headers.get(REQUEST_ID_HEADER)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise UnexpectedResponseError(
                status=response.status_code,
                code="UnexpectedResponse",
                message=f"{exc.error_count()} field(s) do not match {model.__name__}",
                request_id=response.headers.get(REQUEST_ID_HEADER),
                operation=request.operation,
            ) from None
