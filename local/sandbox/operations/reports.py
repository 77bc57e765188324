"""Reports API 2021-06-30: createReport, getReport, cancelReport, getReportDocument (listings reports from current
state).

A report spends a third of `report_processing_seconds` IN_QUEUE and the rest IN_PROGRESS; its document is gzipped
(compressionAlgorithm GZIP) and served as `text/plain; charset=Cp1252`, as Amazon serves the listings reports. Only an
IN_QUEUE report can be cancelled (400 otherwise, as the model says). A seller's steered report outcome
(FaultConfig.report_outcomes, taken when the report is requested) keeps it IN_QUEUE or IN_PROGRESS for ever, or ends it
FATAL with an error document (`{"errorDetails": ...}`, JSON, not gzipped) or CANCELLED without one.
"""

import gzip
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from local.sandbox.api import ApiError, ApiResponse, Ctx, operation
from local.sandbox.clock import iso
from local.sandbox.documents import presigned_url
from local.sandbox.listings_report import CONTENT_TYPE, REPORT_TYPES, listings_report
from local.sandbox.records import Document, Report

if TYPE_CHECKING:
    from local.sandbox.world import Sandbox

MODEL = "reports_2021-06-30"
REPORT_ID_BASE = 60_000_000_000
REPORT_DOCUMENT = "report"


@operation(MODEL, "createReport")
def create_report(ctx: Ctx) -> ApiResponse:
    """Queues a report; types the sandbox does not model end FATAL."""
    seller = ctx.require_seller()
    marketplace_ids = ctx.body["marketplaceIds"]
    if any(m not in seller.marketplace_ids for m in marketplace_ids):
        raise ApiError(400, "InvalidInput", "Invalid 'marketplaceIds' provided.")
    report = Report(
        report_id=ctx.sandbox.state.ids.numeric(REPORT_ID_BASE),
        seller_id=seller.selling_partner_id,
        report_type=ctx.body["reportType"],
        marketplace_ids=list(marketplace_ids),
        created=ctx.now,
        outcome=ctx.sandbox.faults.config.report_outcomes.get(seller.selling_partner_id),
    )
    ctx.sandbox.state.reports[report.report_id] = report
    # A third of the processing time queued, the rest in progress.
    queued = ctx.sandbox.config.report_processing_seconds / 3
    ctx.sandbox.state.scheduler.at(report.created + queued, _step(ctx.sandbox, report.report_id))
    return ApiResponse(202, {"reportId": report.report_id})


@operation(MODEL, "getReport")
def get_report(ctx: Ctx) -> ApiResponse:
    """A report's processing status and, once done, its document ID."""
    seller = ctx.require_seller()
    report = ctx.sandbox.state.reports.get(ctx.params["reportId"])
    if report is None or report.seller_id != seller.selling_partner_id:
        raise ApiError(404, "NotFound", f"Report {ctx.params['reportId']} was not found.")
    return ApiResponse(200, _report_json(report))


@operation(MODEL, "cancelReport")
def cancel_report(ctx: Ctx) -> ApiResponse:
    """Cancels a report still IN_QUEUE; any other is refused with 400."""
    seller = ctx.require_seller()
    report = ctx.sandbox.state.reports.get(ctx.params["reportId"])
    if report is None or report.seller_id != seller.selling_partner_id:
        raise ApiError(404, "NotFound", f"Report {ctx.params['reportId']} was not found.")
    if report.status != "IN_QUEUE":
        raise ApiError(
            400, "InvalidInput", f"Report {report.report_id} is {report.status}: only IN_QUEUE is cancelled."
        )
    report.status, report.ended = "CANCELLED", ctx.now
    return ApiResponse(200)


@operation(MODEL, "getReportDocument")
def get_report_document(ctx: Ctx) -> ApiResponse:
    """Where to download a report document (5 minutes) and how it is compressed."""
    seller = ctx.require_seller()
    document = ctx.sandbox.state.documents.get(ctx.params["reportDocumentId"])
    if document is None or document.owner != seller.selling_partner_id or document.kind != REPORT_DOCUMENT:
        raise ApiError(404, "NotFound", "The report document was not found.")
    body = {"reportDocumentId": document.document_id, "url": presigned_url(ctx.sandbox, ctx.base_url, document, "GET")}
    if document.compression:
        body["compressionAlgorithm"] = document.compression
    return ApiResponse(200, body)


def _step(sandbox: "Sandbox", report_id: str) -> Callable[[float], None]:
    def action(due: float) -> None:
        report = sandbox.state.reports.get(report_id)
        if report is None:
            return
        if report.status == "IN_QUEUE" and report.outcome != "stays_in_queue":
            report.status, report.started = "IN_PROGRESS", due
            if report.outcome == "stays_in_progress":
                return
            rest = sandbox.config.report_processing_seconds * 2 / 3
            sandbox.state.scheduler.at(due + rest, _step(sandbox, report_id))
        elif report.status == "IN_PROGRESS":
            _finish(sandbox, report, due)

    return action


def _finish(sandbox: "Sandbox", report: Report, now: float) -> None:
    report.ended = now
    seller = sandbox.state.sellers[report.seller_id]
    if report.outcome == "cancelled":
        report.status = "CANCELLED"
        return
    if report.outcome == "fatal":
        report.status, report.document_id = "FATAL", _error_document(sandbox, report, now).document_id
        return
    if report.report_type not in REPORT_TYPES:
        report.status = "FATAL"
        return
    document = Document(
        document_id=sandbox.state.ids.document_id(seller.region),
        owner=seller.selling_partner_id,
        kind=REPORT_DOCUMENT,
        content_type=CONTENT_TYPE,
        created=now,
        content=gzip.compress(listings_report(seller, report.report_type, report.marketplace_ids[0]), mtime=0),
        compression="GZIP",
    )
    sandbox.state.documents[document.document_id] = document
    report.status, report.document_id = "DONE", document.document_id


def _error_document(sandbox: "Sandbox", report: Report, now: float) -> Document:
    seller = sandbox.state.sellers[report.seller_id]
    details = f"The report {report.report_id} could not be generated due to an internal error. Please try again later."
    document = Document(
        document_id=sandbox.state.ids.document_id(seller.region),
        owner=seller.selling_partner_id,
        kind=REPORT_DOCUMENT,
        content_type="application/json",
        created=now,
        content=json.dumps({"errorDetails": details}).encode(),
    )
    sandbox.state.documents[document.document_id] = document
    return document


def _report_json(report: Report) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reportId": report.report_id,
        "reportType": report.report_type,
        "marketplaceIds": report.marketplace_ids,
        "createdTime": iso(report.created),
        "processingStatus": report.status,
    }
    if report.started is not None:
        body["processingStartTime"] = iso(report.started)
    if report.ended is not None:
        body["processingEndTime"] = iso(report.ended)
    if report.document_id:
        body["reportDocumentId"] = report.document_id
    return body
