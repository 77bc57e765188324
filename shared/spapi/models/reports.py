"""Reports API 2021-06-30: report requests, their status and their documents."""

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from shared.spapi.models.base import SpApiModel

ProcessingStatus = Literal["CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"]


class CreateReportRequest(SpApiModel):
    """Body of createReport."""

    report_type: str
    marketplace_ids: list[str] = Field(min_length=1, max_length=25)
    data_start_time: AwareDatetime | None = None
    data_end_time: AwareDatetime | None = None
    report_options: dict[str, str] | None = None


class CreateReportResponse(SpApiModel):
    """The id of the requested report."""

    report_id: str


class Report(SpApiModel):
    """A report and its processing status (getReport)."""

    report_id: str
    report_type: str
    created_time: datetime
    processing_status: ProcessingStatus
    marketplace_ids: list[str] = []
    data_start_time: datetime | None = None
    data_end_time: datetime | None = None
    processing_start_time: datetime | None = None
    processing_end_time: datetime | None = None
    report_document_id: str | None = None


class ReportDocument(SpApiModel):
    """Where to download a report (URL valid for 5 minutes), and whether it is gzipped."""

    report_document_id: str
    url: str
    compression_algorithm: Literal["GZIP"] | None = None
