"""The report fetch over the real client on a fake transport: request, state, and a download streamed in chunks."""

import gzip
import io
import json
from collections.abc import Iterator

import pytest
import requests

from shared.catalog.report import ReportListing
from shared.catalog.report_fetch import (
    ReportDone,
    ReportFailed,
    ReportPending,
    download,
    report_state,
    request_report,
)
from shared.spapi.client import SpApiClient
from shared.spapi.marketplaces import Region
from shared.spapi.transport import RetryPolicy
from tests.unit.catalog.report_render import DOCUMENTED, Row, render
from tests.unit.spapi.contract import validate_request
from tests.unit.spapi.fakes import FakeAdapter, FakeClock, FakeTokens, RecordingLimiter, fake_session, make_response

UK = "A1F83G8C2ARO7P"
DOC_URL = "https://tortuga-prod-eu.s3.amazonaws.com/rdoc-1?X-Amz-Signature=abc"


class CountingRaw(io.BytesIO):
    """A response body that records how much was read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int] = []
        self.released = False

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.reads.append(len(chunk))
        return chunk

    def release_conn(self) -> None:
        """What urllib3's response does when requests closes a read response."""
        self.released = True


@pytest.fixture
def adapter() -> Iterator[FakeAdapter]:
    fake = FakeAdapter()
    yield fake
    for request in fake.requests:
        if "sellingpartnerapi" in (request.url or ""):
            validate_request(request)


@pytest.fixture
def client(adapter: FakeAdapter) -> SpApiClient:
    clock = FakeClock()
    return SpApiClient(
        "conn-1",
        Region.EU,
        FakeTokens(),
        RecordingLimiter(),
        fake_session(adapter),
        clock=clock,
        sleep=clock.sleep,
        retry=RetryPolicy(jitter=lambda low, high: high),
    )


def report(status: str, document_id: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {
        "reportId": "r-1",
        "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
        "createdTime": "2026-12-07T09:00:00Z",
        "processingStatus": status,
        "marketplaceIds": [UK],
    }
    return body | ({"reportDocumentId": document_id} if document_id else {})


def document_response(
    data: bytes, content_type: str = "text/plain;charset=Cp1252"
) -> tuple[requests.Response, CountingRaw]:
    response = make_response(200, headers={"content-type": content_type})
    raw = CountingRaw(data)
    vars(response).update(_content=False, _content_consumed=False, raw=raw)  # unread: iter_content reads raw
    return response, raw


def test_request_report_asks_for_all_listings_of_one_marketplace(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.reply(202, {"reportId": "r-1"})

    assert request_report(client, UK) == "r-1"
    assert json.loads(adapter.requests[0].body or b"") == {
        "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
        "marketplaceIds": [UK],
    }
    with pytest.raises(ValueError, match="one marketplace"):
        request_report(client, [UK, "A1PA6795UKMFR9"])


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        (report("IN_QUEUE"), ReportPending("IN_QUEUE")),
        (report("IN_PROGRESS"), ReportPending("IN_PROGRESS")),
        (report("DONE", "rdoc-1"), ReportDone("rdoc-1")),
        (report("DONE"), ReportFailed("FATAL", "DONE without a reportDocumentId")),
        (report("FATAL"), ReportFailed("FATAL", "Amazon could not produce the report")),
    ],
)
def test_report_state(client: SpApiClient, adapter: FakeAdapter, answer: dict[str, object], state: object) -> None:
    adapter.reply(200, answer)
    assert report_state(client, "r-1") == state


def test_cancelled_says_it_may_mean_no_data(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.reply(200, report("CANCELLED"))
    state = report_state(client, "r-1")
    assert isinstance(state, ReportFailed) and state.status == "CANCELLED" and "no data" in state.reason


def test_download_streams_the_document_in_bounded_chunks(client: SpApiClient, adapter: FakeAdapter) -> None:
    rows = [Row(f"SKU-{n:05d}", f"Title ✓ {n}") for n in range(3000)]
    data = gzip.compress(render(rows, DOCUMENTED))
    response, raw = document_response(data)
    adapter.reply(200, {"reportDocumentId": "rdoc-1", "url": DOC_URL, "compressionAlgorithm": "GZIP"})
    adapter.queue(response)

    body = download(client, "rdoc-1")

    assert raw.reads == []  # nothing read until the chunks are iterated
    assert (body.declared_gzip, body.charset) == (True, "Cp1252")
    parsed = body.parse()
    listings = [item for item in parsed if isinstance(item, ReportListing)]
    assert [item.seller_sku for item in listings] == [row.sku for row in rows]
    assert all(item.garbled and item.title == f"Title ? {n}" for n, item in enumerate(listings))
    assert max(raw.reads) <= 64 * 1024 and sum(raw.reads) == len(data)
    assert raw.released  # the connection goes back to the pool once read
    document_get = adapter.requests[1]
    assert document_get.url == DOC_URL and "x-amz-access-token" not in document_get.headers


def test_a_failing_document_url_is_retried_before_streaming(client: SpApiClient, adapter: FakeAdapter) -> None:
    response, _ = document_response(render([Row("A", "B")], DOCUMENTED), "text/plain")
    adapter.reply(200, {"reportDocumentId": "rdoc-1", "url": DOC_URL})
    adapter.queue(make_response(503, content=b"<Error/>"), response)

    body = download(client, "rdoc-1")

    assert (body.declared_gzip, body.charset) == (False, None)
    assert [item.seller_sku for item in body.parse()] == ["A"]
