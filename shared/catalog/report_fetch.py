"""Fetching the All Listings Report: request it, read its state, stream its document into the parser.

Plain functions over an injected client (the SpApiClient, or a fake in tests), so the first import and the daily
reconcile can drive them from a Lambda that polls, or from the REPORT_PROCESSING_FINISHED notification, and save
their place between steps. One marketplace per report (Amazon honours only the first of several for listings
reports), and the document is streamed: its URL expires 5 minutes after getReportDocument, so it is opened at once.

A report may sit IN_QUEUE or IN_PROGRESS for hours or days (LISTINGS-SHIPMENTS-CANCELLATIONS.md A1): one pending
longer than MAX_PENDING is given up (ABANDONED): cancelled if it is still IN_QUEUE (Amazon cancels nothing else, and
a client without cancel_report skips it), so the caller asks for a new one. A FATAL report may carry an error
document: its text (Amazon's `errorDetails` JSON, or the first bytes as they are) goes into the reason.
"""

import json
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from shared.catalog.report import ListingsReport, charset_of
from shared.spapi.client import DocumentStream
from shared.spapi.errors import SpApiError
from shared.spapi.models.reports import (
    CreateReportRequest,
    CreateReportResponse,
    Report,
    ReportDocument,
)

ALL_LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
# A report pending longer than this is given up (Amazon's typical time is minutes; 1-6 h for a cached one is served
# at once, so a wait this long means a report stuck in Amazon's queue, not a slow one).
MAX_PENDING = timedelta(hours=2)
# How much of a FATAL report's error document is read, and how much of its text is kept in the reason.
ERROR_DOCUMENT_BYTES = 8 * 1024
ERROR_TEXT_CHARS = 300


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
    """FATAL, CANCELLED (which Amazon also uses for "no data", e.g. a seller with no listings), or ABANDONED by us
    after MAX_PENDING."""

    status: Literal["FATAL", "CANCELLED", "ABANDONED"]
    reason: str
    state: Literal["failed"] = "failed"

    @property
    def count_key(self) -> str:
        """The sync status count it adds to."""
        return "reports_abandoned" if self.status == "ABANDONED" else "reports_failed"


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


def report_state(
    client: ReportsApi,
    report_id: str,
    requested_at: datetime | None = None,
    now: datetime | None = None,
    limit: timedelta = MAX_PENDING,
) -> ReportState:
    """Where the report is: pending, done (with its document ID) or failed (with why). Given when it was requested
    and the time now, a report pending longer than `limit` is given up (see the module doc)."""
    report = client.get_report(report_id)
    status = report.processing_status
    if status in ("IN_QUEUE", "IN_PROGRESS"):
        if requested_at is not None and now is not None and now - requested_at > limit:
            return abandon(client, report_id, status, now - requested_at)
        return ReportPending(status)
    if status == "DONE":
        if report.report_document_id is None:
            return ReportFailed("FATAL", "DONE without a reportDocumentId")
        return ReportDone(report.report_document_id)
    if status == "CANCELLED":
        return ReportFailed("CANCELLED", "cancelled, or no data to report (a seller with no listings)")
    if report.report_document_id is None:
        return ReportFailed("FATAL", "Amazon could not produce the report")
    text = error_text(client, report.report_document_id)
    detail = f": {text}" if text else f" (error document {report.report_document_id} unreadable)"
    return ReportFailed("FATAL", f"Amazon could not produce the report{detail}")


def abandon(client: ReportsApi, report_id: str, status: str, waited: timedelta) -> ReportFailed:
    """Gives up a report pending for `waited`: cancelReport when it is IN_QUEUE and the client has it."""
    cancel = getattr(client, "cancel_report", None)
    outcome = "left to Amazon (only IN_QUEUE can be cancelled)"
    if status == "IN_QUEUE" and cancel is not None:
        try:
            cancel(report_id)
            outcome = "cancelled"
        except SpApiError as exc:
            outcome = f"not cancelled ({exc.code})"
    minutes = int(waited.total_seconds() // 60)
    waited_text = f"{minutes // 60} h {minutes % 60:02d} min"
    limit_text = f"{MAX_PENDING.total_seconds() / 3600:g} h"
    return ReportFailed(
        "ABANDONED",
        f"{status} for {waited_text} (limit {limit_text}), given up and {outcome}; the next run requests a new one",
    )


def error_text(client: ReportsApi, document_id: str) -> str | None:
    """The text of a FATAL report's error document (its `errorDetails` when it is Amazon's JSON), shortened; None
    when it cannot be read."""
    try:
        stream = client.stream_document(client.get_report_document(document_id))
        raw = b""
        for chunk in stream.chunks:
            raw += chunk
            if len(raw) >= ERROR_DOCUMENT_BYTES:
                break
        close = getattr(stream.chunks, "close", None)
        if close is not None:
            close()  # the rest is not read: let the connection go
    except (SpApiError, OSError):  # requests' errors are OSErrors
        return None
    raw = raw[:ERROR_DOCUMENT_BYTES]
    if raw[:2] == b"\x1f\x8b":  # gzip, whatever was declared; a cut-off stream still gives its first bytes
        try:
            raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, ERROR_DOCUMENT_BYTES)
        except zlib.error:
            return None
    text = raw.decode("utf-8", errors="replace").strip()
    try:
        found = json.loads(text)
    except ValueError:
        found = None
    if isinstance(found, dict) and isinstance(found.get("errorDetails"), str):
        text = found["errorDetails"]
    text = " ".join(text.split())
    return (text[: ERROR_TEXT_CHARS - 1] + "…" if len(text) > ERROR_TEXT_CHARS else text) or None


def download(client: ReportsApi, document_id: str) -> ReportBody:
    """Opens the report document for streaming (the chunks are raw: the parser sniffs gzip and decodes)."""
    document = client.get_report_document(document_id)
    stream = client.stream_document(document)
    return ReportBody(stream.chunks, document.compression_algorithm == "GZIP", charset_of(stream.content_type))
