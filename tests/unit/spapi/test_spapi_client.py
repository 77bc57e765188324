"""Request building and response parsing of every client method, on the fake transport."""

import gzip
import json
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import pytest

from shared.spapi.client import SpApiClient
from shared.spapi.errors import UnexpectedResponseError
from shared.spapi.models.feeds import FeedDocument
from shared.spapi.models.orders import SearchOrdersQuery
from shared.spapi.models.reports import ReportDocument
from tests.unit.spapi.cases import CASES, ORDER, T0
from tests.unit.spapi.fakes import FakeAdapter, FakeTokens, RecordingLimiter, make_response


@pytest.mark.parametrize("operation", CASES)
def test_each_method_sends_its_documented_request(
    operation: str, client: SpApiClient, adapter: FakeAdapter, tokens: FakeTokens, limiter: RecordingLimiter
) -> None:
    case = CASES[operation]
    adapter.reply(case.status, case.answer)

    result = case.call(client)

    (sent,) = adapter.requests
    url = urlsplit(sent.url or "")
    assert (sent.method, url.path) == (case.method, case.path)
    assert dict(parse_qsl(url.query)) == case.query
    assert (json.loads(sent.body) if sent.body else None) == case.body
    assert sent.headers["x-amz-access-token"] == ("Atza|grantless-token" if case.grantless else "Atza|seller-token")
    assert sent.headers["user-agent"].startswith("SellerSync/")
    assert sent.headers["user-agent"].endswith("(Language=Python/3.13)")
    assert ("content-type" in sent.headers) == (case.body is not None)
    assert limiter.acquired[0][:2] == ("application" if case.grantless else "conn-1", operation)
    assert result is None or result.model_dump()  # parsed into the method's model


def test_json_listings_feed_also_takes_from_its_own_bucket(
    client: SpApiClient, adapter: FakeAdapter, limiter: RecordingLimiter
) -> None:
    adapter.reply(202, {"feedId": "feed-1"})
    CASES["createFeed"].call(client)
    assert [op for _, op, _ in limiter.acquired] == ["createFeed", "createFeed#JSON_LISTINGS_FEED"]


def test_parsed_models_keep_the_fields_we_use(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.reply(200, {"orders": [ORDER | {"newField": 1}], "pagination": {"nextToken": "tok-2"}})
    page = client.search_orders(SearchOrdersQuery(created_after=T0))
    order = page.orders[0]
    assert (order.order_id, order.fulfillment and order.fulfillment.fulfillment_status) == (
        "202-7654321-1098765",
        "UNSHIPPED",
    )
    assert order.order_items[0].product.seller_sku == "SKU-1"
    assert page.next_token == "tok-2"


def test_a_body_that_does_not_match_the_model_raises_unexpected_response(
    client: SpApiClient, adapter: FakeAdapter
) -> None:
    adapter.reply(200, {"feedId": "feed-1"})  # no processingStatus
    with pytest.raises(UnexpectedResponseError) as caught:
        client.get_feed("feed-1")
    assert caught.value.request_id == "req-200"


def test_upload_puts_with_the_same_content_type_and_no_token(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.reply(200)
    client.upload_feed_document(
        "https://s3.example/doc-1?X-Amz-Signature=abc", b'{"header":{}}', "application/json; charset=UTF-8"
    )
    (sent,) = adapter.requests
    assert (sent.method, sent.url, sent.body) == (
        "PUT",
        "https://s3.example/doc-1?X-Amz-Signature=abc",
        b'{"header":{}}',
    )
    assert sent.headers["content-type"] == "application/json; charset=UTF-8"
    assert "x-amz-access-token" not in sent.headers


@pytest.mark.parametrize("compressed", [True, False])
def test_download_gunzips_when_the_document_says_gzip(
    client: SpApiClient, adapter: FakeAdapter, compressed: bool
) -> None:
    text = b"sku\tquantity\nSKU-1\t7\n"
    adapter.queue(make_response(200, content=gzip.compress(text) if compressed else text))
    document = ReportDocument(
        report_document_id="rdoc-1",
        url="https://s3.example/rdoc-1",
        compression_algorithm="GZIP" if compressed else None,
    )
    assert client.download_document(document) == text
    assert "x-amz-access-token" not in adapter.requests[0].headers


def test_download_retries_a_failing_presigned_url(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.queue(make_response(503, content=b"<Error/>"), make_response(200, content=b"ok"))
    assert client.download_document(FeedDocument(feed_document_id="d", url="https://s3.example/d")) == b"ok"


def test_endpoint_override_replaces_the_regional_host(
    make_client: Callable[..., SpApiClient], adapter: FakeAdapter
) -> None:
    client = make_client(endpoint_override="http://127.0.0.1:9999/")
    adapter.reply(200, {"payload": []})
    client.get_marketplace_participations()
    assert adapter.requests[0].url == "http://127.0.0.1:9999/sellers/v1/marketplaceParticipations"


def test_sandbox_flag_picks_amazons_sandbox_host(make_client: Callable[..., SpApiClient]) -> None:
    assert make_client(sandbox=True).base_url == "https://sandbox.sellingpartnerapi-eu.amazon.com"
