"""How a batch of cancellations reaches Amazon and how its verdicts come back: a port, and the feed behind it today.

Amazon's cancelOrder (Orders v2026, whole orders, 1 req/s) was published and withdrawn three times in 2026
(LISTINGS-SHIPMENTS-CANCELLATIONS.md C). The logic (shared/shipments/cancellations.py) talks to a `Canceller`, so
an implementation on that operation can replace `FeedCanceller` once it is generally available: `submit` would call
it per order and `verdicts` read each order back.

`FeedCanceller`: one POST_ORDER_ACKNOWLEDGEMENT_DATA document per batch (createFeedDocument with `text/xml;
charset=UTF-8`, upload, createFeed for the orders' marketplaces), and the verdicts from getFeed and the processing
report: FATAL or CANCELLED rejects every message; DONE maps each MessageID's errors (a Warning is no error).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from shared.models.shipments import CancellationRecord
from shared.shipments.ack_feed import CONTENT_TYPE, FEED_TYPE, build_cancellation_feed, parse_processing_report
from shared.spapi.models.feeds import (
    CreateFeedDocumentResponse,
    CreateFeedRequest,
    CreateFeedResponse,
    Feed,
    FeedDocument,
)

ACCEPTED = "Amazon's processing report shows no error for this order"
UNFINISHED = ("IN_QUEUE", "IN_PROGRESS")


@dataclass(frozen=True)
class Submission:
    """What went out: an id to ask about (the feed id) and which order each message is."""

    submission_id: str
    messages: Mapping[int, str]


@dataclass(frozen=True)
class Verdict:
    """Amazon's answer for one order."""

    order_id: str
    cancelled: bool
    description: str


class Canceller(Protocol):
    """Sends a batch of one connection's cancellations, and tells Amazon's verdicts."""

    def submit(self, merchant_id: str, cancellations: Sequence[CancellationRecord]) -> Submission:
        """Sends the cancellations; raises when nothing was submitted (or when that is unknown)."""
        ...

    def verdicts(self, submission_id: str, messages: Mapping[int, str]) -> list[Verdict] | None:
        """The verdict of every message, or None while Amazon is still processing."""
        ...


class FeedClient(Protocol):
    """The SP-API client's feed operations (shared/spapi/client.py)."""

    def create_feed_document(self, content_type: str) -> CreateFeedDocumentResponse: ...  # noqa: D102

    def upload_feed_document(self, url: str, content: bytes, content_type: str) -> None: ...  # noqa: D102

    def create_feed(self, body: CreateFeedRequest) -> CreateFeedResponse: ...  # noqa: D102

    def get_feed(self, feed_id: str) -> Feed: ...  # noqa: D102

    def get_feed_document(self, feed_document_id: str) -> FeedDocument: ...  # noqa: D102

    def download_document(self, document: FeedDocument) -> bytes: ...  # noqa: D102


class FeedCanceller:
    """The Canceller on POST_ORDER_ACKNOWLEDGEMENT_DATA."""

    def __init__(self, client: FeedClient) -> None:
        self._client = client

    def submit(self, merchant_id: str, cancellations: Sequence[CancellationRecord]) -> Submission:
        """Builds and checks the document, uploads it and creates the feed; raises the client's errors."""
        feed = build_cancellation_feed(merchant_id, cancellations)
        document = self._client.create_feed_document(CONTENT_TYPE)
        self._client.upload_feed_document(document.url, feed.content, CONTENT_TYPE)
        marketplaces = sorted({record.marketplace_id for record in cancellations})
        created = self._client.create_feed(
            CreateFeedRequest(
                feed_type=FEED_TYPE, marketplace_ids=marketplaces, input_feed_document_id=document.feed_document_id
            )
        )
        return Submission(created.feed_id, feed.messages)

    def verdicts(self, submission_id: str, messages: Mapping[int, str]) -> list[Verdict] | None:
        """getFeed, then (when DONE) the processing report, message by message."""
        feed = self._client.get_feed(submission_id)
        if feed.processing_status in UNFINISHED:
            return None
        if feed.processing_status != "DONE" or feed.result_feed_document_id is None:
            reason = f"Amazon ended the feed {feed.processing_status}"
            if feed.result_feed_document_id:
                reason += ": " + self._document_errors(feed.result_feed_document_id)
            return [Verdict(order, False, reason) for order in messages.values()]
        report = parse_processing_report(self._download(feed.result_feed_document_id))
        if report.document_errors:
            text = "; ".join(_describe(r.message_code, r.description) for r in report.document_errors)
            return [Verdict(order, False, f"Amazon refused the whole feed: {text}") for order in messages.values()]
        # Messages the report neither fails nor counts as processed were not applied.
        complete = report.processed >= len(messages)
        verdicts = []
        for message_id, order in sorted(messages.items()):
            errors = report.errors_of(message_id)
            if errors:
                text = "; ".join(_describe(r.message_code, r.description) for r in errors)
                verdicts.append(Verdict(order, False, text))
            elif complete:
                verdicts.append(Verdict(order, True, ACCEPTED))
            else:
                text = f"not processed by Amazon ({report.processed} of {len(messages)} messages processed)"
                verdicts.append(Verdict(order, False, text))
        return verdicts

    def _download(self, document_id: str) -> bytes:
        # The client gunzips a GZIP document (compressionAlgorithm) itself.
        return self._client.download_document(self._client.get_feed_document(document_id))

    def _document_errors(self, document_id: str) -> str:
        try:
            report = parse_processing_report(self._download(document_id))
        except ValueError:
            return "its processing report cannot be read"
        return "; ".join(_describe(r.message_code, r.description) for r in report.results if r.is_error) or "-"


def _describe(code: str | None, description: str) -> str:
    return f"{code}: {description}" if code else description
