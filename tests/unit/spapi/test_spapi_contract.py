"""CONTRACT tests against Amazon's official models.

(1) Every SP-API request of the unit tests is validated by the `adapter` fixture (conftest); the tests here show the
checker does reject what Amazon's model rejects, so that validation is not vacuous.
(2) Amazon's own `x-amzn-api-sandbox` static answers for the operations we call go through the client: 2xx answers
parse into our models, error answers become the exception of their status with Amazon's error code.
"""

import json
from typing import Any

import pytest
import requests

from shared.spapi.client import SpApiClient
from shared.spapi.errors import SpApiError
from shared.spapi.wire import error_class
from tests.unit.spapi.cases import CASES
from tests.unit.spapi.contract import ContractError, operation, validate_request
from tests.unit.spapi.fakes import FakeAdapter

BASE = "https://sellingpartnerapi-eu.amazon.com"
HEADERS = {"x-amz-access-token": "Atza|t", "user-agent": "SellerSync/1 (Language=Python/3.13)"}

# The model file of each operation we call (getOrder exists in v0 too, deprecated; we call v2026's).
OUR_OPERATIONS = {
    "searchOrders": "orders_2026-01-01.json",
    "getOrder": "orders_2026-01-01.json",
    "confirmShipment": "ordersV0.json",
    "getMarketplaceParticipations": "sellers.json",
    "createFeedDocument": "feeds_2021-06-30.json",
    "createFeed": "feeds_2021-06-30.json",
    "getFeed": "feeds_2021-06-30.json",
    "getFeedDocument": "feeds_2021-06-30.json",
    "createReport": "reports_2021-06-30.json",
    "getReport": "reports_2021-06-30.json",
    "cancelReport": "reports_2021-06-30.json",
    "getReportDocument": "reports_2021-06-30.json",
    "getListingsItem": "listingsItems_2021-08-01.json",
    "patchListingsItem": "listingsItems_2021-08-01.json",
    "searchListingsItems": "listingsItems_2021-08-01.json",
    "createDestination": "notifications.json",
    "createSubscription": "notifications.json",
    "deleteSubscriptionById": "notifications.json",
}


def _request(
    method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> requests.PreparedRequest:
    data = None if body is None else json.dumps(body)
    all_headers = HEADERS | ({"content-type": "application/json"} if data else {}) | (headers or {})
    return requests.Request(method, BASE + path, data=data, headers=all_headers).prepare()


def test_a_valid_request_matches_its_operation() -> None:
    request = _request(
        "GET", "/orders/2026-01-01/orders?createdAfter=2026-01-01T00:00:00Z&includedData=BUYER,RECIPIENT"
    )
    assert validate_request(request).operation_id == "searchOrders"


@pytest.mark.parametrize(
    ("method", "path", "body", "problem"),
    [
        (
            "GET",
            "/orders/2026-01-01/orders?createdAfter=2026-01-01T00:00:00Z&nextToken=x",
            None,
            "nextToken is not declared",
        ),
        ("GET", "/orders/2026-01-01/orders?includedData=BUYER,ADDRESS", None, "'ADDRESS' is not one of"),
        ("GET", "/orders/2026-01-01/orders?maxResultsPerPage=many", None, "invalid literal"),
        ("GET", "/orders/2026-01-01/orders?createdAfter=2026-01-01T00:00:00", None, "is not a .date-time."),
        ("GET", "/orders/2026-01-01/orders?includedData=BUYER&includedData=TAX", None, "repeated"),
        ("GET", "/listings/2021-08-01/items/SELLER/SKU", None, "required query parameter marketplaceIds missing"),
        (
            "POST",
            "/feeds/2021-06-30/feeds",
            {"feedType": "X", "marketplaceIds": ["A"]},
            "'inputFeedDocumentId' is a required",
        ),
        (
            "POST",
            "/feeds/2021-06-30/documents",
            {"contentType": "text/xml", "contentTyp": "x"},
            "Additional properties",
        ),
        ("POST", "/feeds/2021-06-30/documents", None, "the required body is missing"),
        ("GET", "/feeds/2021-06-30/feeds/1", {"x": 1}, "a body is sent"),
        ("GET", "/orders/2027-01-01/orders", None, "no operation in the models"),
    ],
)
def test_the_checker_rejects_what_the_model_rejects(method: str, path: str, body: Any, problem: str) -> None:
    with pytest.raises(ContractError, match=problem):
        validate_request(_request(method, path, body))


def test_the_checker_rejects_missing_token_and_sigv4() -> None:
    request = _request("GET", "/feeds/2021-06-30/feeds/1", headers={"x-amz-access-token": "", "authorization": "AWS4"})
    with pytest.raises(ContractError, match="x-amz-access-token missing.*Authorization header"):
        validate_request(request)


def _static_cases() -> list[Any]:
    cases = []
    for operation_id, model_file in OUR_OPERATIONS.items():
        found = list(operation(model_file, operation_id).static_cases())
        assert found, f"{operation_id} has no static sandbox case"
        for index, (status, case) in enumerate(found):
            cases.append(
                pytest.param(operation_id, status, case.get("response"), id=f"{operation_id}-{status}-{index}")
            )
    return cases


@pytest.mark.parametrize(("operation_id", "status", "answer"), _static_cases())
def test_amazons_static_sandbox_answers_parse(
    operation_id: str, status: int, answer: Any, client: SpApiClient, adapter: FakeAdapter
) -> None:
    adapter.reply(status, answer)
    if status < 300:
        result = CASES[operation_id].call(client)
        assert result is None or result.model_dump() is not None
        return
    with pytest.raises(SpApiError) as caught:
        CASES[operation_id].call(client)
    assert type(caught.value) is error_class(status)
    assert caught.value.code == answer["errors"][0]["code"]
    assert len(adapter.requests) == 1  # 4xx answers are not retried
