"""Fetching the All Listings Report: request it, read its state, stream its document into the parser.

Plain functions over an injected client (the SpApiClient, or a fake in tests), so the first import and the daily
reconcile can drive them from a Lambda that polls, or from the REPORT_PROCESSING_FINISHED notification, and save
their place between steps. One marketplace per report (Amazon honours only the first of several for listings
reports), and the document is streamed: its URL expires 5 minutes after getReportDocument, so it is opened at once.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from shared.catalog.report import ListingsReport, charset_of
from shared.spapi.client import DocumentStream
from shared.spapi.models.reports import (
    CreateReportRequest,
    CreateReportResponse,
    Report,
    ReportDocument,
)

ALL_LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"


class ReportsApi(Protocol):
    """The client methods the fetch uses."""

    def create_report(self, body: CreateReportRequest) -> CreateReportResponse: ...  # noqa: D102

    def get_report(self, report_id: str) -> Report: ...  # noqa: D102

    def get_report_document(self, report_document_id: str) -> ReportDocument: ...  # noqa: D102

    def stream_document(self, document: ReportDocument) -> DocumentStream: ...  # noqa: D102


@dataclass(frozen=True)
class ReportPending:
    """Still IN_QUEUE or IN_PROGRESS (it may stay so for hours: the caller bounds its wait)."""

    status: Literal["IN_QUEUE", "IN_PROGRESS"]
    state: Literal["pending"] = "pending"


@dataclass(frozen=True)
class ReportDone:
    """Finished: its document can be downloaded."""

    document_id: str
    state: Literal["done"] = "done"


@dataclass(frozen=True)
class ReportFailed:
    """FATAL, or CANCELLED (which Amazon also uses for "no data", e.g. a seller with no listings)."""

    status: Literal["FATAL", "CANCELLED"]
    reason: str
    state: Literal["failed"] = "failed"


ReportState = ReportPending | ReportDone | ReportFailed


@dataclass(frozen=True)
class ReportBody:
    """A report document being downloaded: its raw chunks, whether it was declared gzip, its declared charset."""

    chunks: Iterator[bytes]
    declared_gzip: bool
    charset: str | None

    def __iter__(self) -> Iterator[bytes]:
        return self.chunks

    def parse(self) -> ListingsReport:
        """The rows, read as the chunks arrive (the report's summary fills as it is iterated)."""
        return ListingsReport(self.chunks, compressed=self.declared_gzip, charset=self.charset)


def request_report(client: ReportsApi, marketplace_id: str | Sequence[str]) -> str:
    """Requests the All Listings Report of one marketplace; returns its report ID."""
    ids = [marketplace_id] if isinstance(marketplace_id, str) else list(marketplace_id)
    if len(ids) != 1:
        raise ValueError("the All Listings Report covers one marketplace: request one report per marketplace")
    body = CreateReportRequest(report_type=ALL_LISTINGS, marketplace_ids=ids)
    return client.create_report(body).report_id


def report_state(client: ReportsApi, report_id: str) -> ReportState:
    """Where the report is: pending, done (with its document ID) or failed (with why)."""
    report = client.get_report(report_id)
    status = report.processing_status
    if status in ("IN_QUEUE", "IN_PROGRESS"):
        return ReportPending(status)
    if status == "DONE":
        if report.report_document_id is None:
            return ReportFailed("FATAL", "DONE without a reportDocumentId")
        return ReportDone(report.report_document_id)
    if status == "CANCELLED":
        return ReportFailed("CANCELLED", "cancelled, or no data to report (a seller with no listings)")
    detail = f" (error document {report.report_document_id})" if report.report_document_id else ""
    return ReportFailed("FATAL", f"Amazon could not produce the report{detail}")


def download(client: ReportsApi, document_id: str) -> ReportBody:
    """Opens the report document for streaming (the chunks are raw: the parser sniffs gzip and decodes)."""
    document = client.get_report_document(document_id)
    stream = client.stream_document(document)
    return ReportBody(stream.chunks, document.compression_algorithm == "GZIP", charset_of(stream.content_type))
