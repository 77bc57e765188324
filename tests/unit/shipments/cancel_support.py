"""Shared pieces of the cancellation unit tests: stored orders, a movable clock, a fake
SP-API feed client and processing reports."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.models.orders import ImportedOrder, OrderLine
from shared.models.shipments import OrderCancellationRequested
from shared.shipments.cancellation_metrics import CancellationMetric
from shared.spapi.errors import RequestTimeoutError
from shared.spapi.models.feeds import (
    CreateFeedDocumentResponse,
    CreateFeedRequest,
    CreateFeedResponse,
    Feed,
    FeedDocument,
)

T0 = datetime(2026, 12, 7, 9, tzinfo=UTC)
UK = "A1F83G8C2ARO7P"
CONN = "conn-1"


@dataclass
class Clock:
    """A clock the test moves."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def order(
    order_id: str = "111-1111111-1111111",
    *,
    status: str = "UNSHIPPED",
    fulfilled_by: str = "MERCHANT",
    shipped: int = 0,
    lines: int = 2,
    buyer_requested: bool = False,
) -> ImportedOrder:
    """A stored order of the connection with `lines` items (ids 1000000000000<n>, SKUs SKU-<n>)."""
    items = [
        OrderLine(
            order_item_id=f"1000000000000{n}",
            sku=f"SKU-{n}",
            asin=None,
            quantity_ordered=2,
            quantity_shipped=shipped if n == 0 else 0,
            quantity_unshipped=2 - (shipped if n == 0 else 0),
            cancellation_requested=buyer_requested,
        )
        for n in range(lines)
    ]
    return ImportedOrder(
        order_id=order_id,
        connection_id=CONN,
        marketplace_id=UK,
        status=status,
        fulfilled_by=fulfilled_by,
        purchase_date=T0 - timedelta(hours=2),
        last_updated=T0 - timedelta(hours=1),
        items=items,
    )


@dataclass
class FakeFeeds:
    """The SP-API client's feed operations: records uploads and createFeed calls; statuses and reports set by tests."""

    fail_create: Exception | None = None
    # Amazon takes the feed, but the answer is lost (a timeout): the caller cannot know.
    lose_answer: bool = False
    uploads: list[tuple[bytes, str]] = field(default_factory=list)
    created: list[CreateFeedRequest] = field(default_factory=list)
    status: str = "IN_QUEUE"
    report: bytes | None = None

    def create_feed_document(self, content_type: str) -> CreateFeedDocumentResponse:
        return CreateFeedDocumentResponse(feed_document_id=f"doc-{len(self.uploads) + 1}", url="https://upload")

    def upload_feed_document(self, url: str, content: bytes, content_type: str) -> None:
        self.uploads.append((content, content_type))

    def create_feed(self, body: CreateFeedRequest) -> CreateFeedResponse:
        if self.fail_create is not None:
            raise self.fail_create
        self.created.append(body)
        if self.lose_answer:
            raise RequestTimeoutError(0, "RequestTimeout", "no answer in time", operation="createFeed")
        return CreateFeedResponse(feed_id=f"feed-{len(self.created)}")

    def get_feed(self, feed_id: str) -> Feed:
        return Feed(
            feed_id=feed_id,
            feed_type="POST_ORDER_ACKNOWLEDGEMENT_DATA",
            created_time=T0,
            processing_status=self.status,
            result_feed_document_id="result-1" if self.report is not None else None,
        )

    def get_feed_document(self, feed_document_id: str) -> FeedDocument:
        return FeedDocument(feed_document_id=feed_document_id, url="https://download")

    def download_document(self, document: FeedDocument) -> bytes:
        assert self.report is not None
        return self.report


def report(processed: int, errors: dict[int, str]) -> bytes:
    """An XML processing report with an Error result per given MessageID."""
    results = "".join(
        f"<Result><MessageID>{m}</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>18028</ResultMessageCode>"
        f"<ResultDescription>{text}</ResultDescription></Result>"
        for m, text in errors.items()
    )
    return (
        "<?xml version='1.0'?><AmazonEnvelope><Header><DocumentVersion>1.02</DocumentVersion>"
        "<MerchantIdentifier>A1SELLER</MerchantIdentifier></Header><MessageType>ProcessingReport</MessageType>"
        "<Message><MessageID>1</MessageID><ProcessingReport><DocumentTransactionID>1</DocumentTransactionID>"
        f"<StatusCode>Complete</StatusCode><ProcessingSummary><MessagesProcessed>{processed}</MessagesProcessed>"
        f"<MessagesSuccessful>{processed - len(errors)}</MessagesSuccessful>"
        f"<MessagesWithError>{len(errors)}</MessagesWithError><MessagesWithWarning>0</MessagesWithWarning>"
        f"</ProcessingSummary>{results}</ProcessingReport></Message></AmazonEnvelope>"
    ).encode()


class Metrics:
    """Collects metric data points."""

    def __init__(self) -> None:
        self.points: list[tuple[str, float]] = []

    def add_metric(self, name: CancellationMetric, unit: Any, value: float) -> None:
        self.points.append((str(name), value))

    def count(self, name: CancellationMetric) -> float:
        return sum(v for n, v in self.points if n == name)


def ask(
    order_id: str = "111-1111111-1111111", reason: str = "out of stock", **extra: Any
) -> OrderCancellationRequested:
    """A cancellation request of the connection."""
    return OrderCancellationRequested.model_validate(
        {"connectionId": CONN, "orderId": order_id, "reason": reason} | extra
    )
