"""A report pending too long is given up (cancelled while IN_QUEUE, else left to Amazon), and a FATAL report's error
document is read into the reason: report_fetch over the real client on a fake transport."""

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.catalog.report_fetch import MAX_PENDING, ReportFailed, ReportPending, report_state
from shared.spapi.client import SpApiClient
from tests.unit.catalog.test_report_fetch import DOC_URL, adapter, client, document_response, report
from tests.unit.spapi.fakes import FakeAdapter

__all__ = ["adapter", "client"]  # the fixtures

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LATE = T0 + MAX_PENDING + timedelta(minutes=5)


def test_a_report_pending_within_the_limit_is_waited_for(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.reply(200, report("IN_QUEUE"))
    assert report_state(client, "r-1", T0, T0 + MAX_PENDING) == ReportPending("IN_QUEUE")
    assert len(adapter.requests) == 1  # nothing cancelled


def test_a_report_in_queue_past_the_limit_is_cancelled_and_given_up(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.reply(200, report("IN_QUEUE"))
    adapter.reply(200)

    state = report_state(client, "r-1", T0, LATE)

    assert isinstance(state, ReportFailed) and state.status == "ABANDONED"
    assert state.count_key == "reports_abandoned"
    assert state.reason.startswith("IN_QUEUE for 2 h 05 min (limit 2 h), given up and cancelled")
    assert "next run requests a new one" in state.reason
    cancel = adapter.requests[1]
    assert (cancel.method, cancel.path_url) == ("DELETE", "/reports/2021-06-30/reports/r-1")


def test_a_report_in_progress_past_the_limit_is_given_up_without_a_cancel(
    client: SpApiClient, adapter: FakeAdapter
) -> None:
    adapter.reply(200, report("IN_PROGRESS"))

    state = report_state(client, "r-1", T0, T0 + timedelta(days=1))

    assert isinstance(state, ReportFailed) and state.status == "ABANDONED"
    assert "IN_PROGRESS for 24 h 00 min" in state.reason and "left to Amazon" in state.reason
    assert len(adapter.requests) == 1


def test_a_refused_cancel_still_gives_the_report_up(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.reply(200, report("IN_QUEUE"))
    adapter.reply(400, {"errors": [{"code": "InvalidInput", "message": "Report is IN_PROGRESS"}]})

    state = report_state(client, "r-1", T0, LATE)

    assert isinstance(state, ReportFailed) and "not cancelled (InvalidInput)" in state.reason


def test_a_client_without_cancel_report_gives_up_all_the_same(client: SpApiClient, adapter: FakeAdapter) -> None:
    class NoCancel:
        def __getattr__(self, name: str) -> object:
            if name == "cancel_report":
                raise AttributeError(name)
            return getattr(client, name)

    adapter.reply(200, report("IN_QUEUE"))
    state = report_state(NoCancel(), "r-1", T0, LATE)  # type: ignore[arg-type]
    assert isinstance(state, ReportFailed) and "left to Amazon" in state.reason and len(adapter.requests) == 1


def fatal_with(adapter: FakeAdapter, data: bytes, content_type: str = "application/json") -> None:
    adapter.reply(200, report("FATAL", "edoc-9"))
    adapter.reply(200, {"reportDocumentId": "edoc-9", "url": DOC_URL})
    adapter.queue(document_response(data, content_type)[0])


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (json.dumps({"errorDetails": "Report could not\n be generated."}).encode(), "Report could not be generated."),
        (gzip.compress(b"Internal error, try later", mtime=0), "Internal error, try later"),
        (b"x" * 20_000, "x" * 299 + "\u2026"),
    ],
)
def test_a_fatal_reports_error_document_text_is_the_reason(
    client: SpApiClient, adapter: FakeAdapter, data: bytes, text: str
) -> None:
    fatal_with(adapter, data)

    state = report_state(client, "r-1", T0, LATE)  # FATAL is no longer pending: never abandoned

    assert state == ReportFailed("FATAL", f"Amazon could not produce the report: {text}")
    assert state.count_key == "reports_failed"


def test_an_unreadable_error_document_is_named(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.reply(200, report("FATAL", "edoc-9"))
    adapter.reply(404, {"errors": [{"code": "NotFound", "message": "The report document was not found."}]})

    state = report_state(client, "r-1")

    assert state == ReportFailed("FATAL", "Amazon could not produce the report (error document edoc-9 unreadable)")
