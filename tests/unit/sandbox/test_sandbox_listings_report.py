"""The All Listings Report as the sandbox serves it: gzip, Cp1252 with "?" substitutions, header drift per
marketplace and a processing delay (LISTINGS-SHIPMENTS-CANCELLATIONS.md A1)."""

import gzip
from typing import Any
from urllib.parse import urlsplit

import pytest

from local.sandbox.listings_report import COLUMNS
from local.sandbox.marketplaces import DE, ES, FR, IT, UK, US
from tests.unit.sandbox.sandbox_harness import Harness

REPORTS = "/reports/2021-06-30"


def fetch_report(harness: Harness, seller_id: str, marketplace_id: str) -> tuple[dict[str, Any], Any, bytes]:
    """Requests the All Listings Report, waits the processing delay out; returns the document JSON, the download
    response and its raw body."""
    token = harness.token(seller_id)
    body = {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [marketplace_id]}
    report_id = harness.call("POST", f"{REPORTS}/reports", token, json=body).json["reportId"]
    harness.advance(46)
    report = harness.call("GET", f"{REPORTS}/reports/{report_id}", token).json
    document = harness.call("GET", f"{REPORTS}/documents/{report['reportDocumentId']}", token).json
    url = urlsplit(document["url"])
    response = harness.client.get(f"{url.path}?{url.query}")
    return document, response, response.get_data()


def table(raw: bytes) -> tuple[list[str], list[dict[str, str]]]:
    header, *rows = [line.split("\t") for line in gzip.decompress(raw).decode("cp1252").splitlines()]
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def test_the_document_is_gzip_cp1252_as_declared(harness: Harness) -> None:
    document, response, raw = fetch_report(harness, harness.seller("EU"), UK)

    assert document["compressionAlgorithm"] == "GZIP"
    assert raw[:2] == b"\x1f\x8b"
    assert response.headers["Content-Type"].replace(" ", "").lower() == "text/plain;charset=cp1252"


def test_the_report_waits_in_queue_then_in_progress(harness: Harness) -> None:
    token = harness.token(harness.seller("EU"))
    body = {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [UK]}
    report_id = harness.call("POST", f"{REPORTS}/reports", token, json=body).json["reportId"]
    statuses = []
    for step in (0, 16, 30):
        harness.advance(step)
        statuses.append(harness.call("GET", f"{REPORTS}/reports/{report_id}", token).json["processingStatus"])

    assert statuses == ["IN_QUEUE", "IN_PROGRESS", "DONE"]


@pytest.mark.parametrize(
    ("region", "index", "marketplace_id", "channel", "placeholders", "extra", "status"),
    [
        ("NA", 0, US, "fulfillment-channel", 0, [], True),
        ("EU", 0, UK, "fulfilment-channel", 0, ["optional-payment-type-exclusion"], True),
        ("EU", 1, DE, "fulfilment-channel", 5, ["Minimum order quantity", "Sell remainder"], True),
        ("EU", 1, FR, "fulfilment-channel", 5, [], True),
        ("EU", 1, IT, "fulfilment-channel", 5, [], False),
        ("EU", 1, ES, "fulfilment-channel", 5, [], False),
    ],
)
def test_the_header_drifts_per_marketplace(
    harness: Harness,
    region: str,
    index: int,
    marketplace_id: str,
    channel: str,
    placeholders: int,
    extra: list[str],
    status: bool,
) -> None:
    seller_id = harness.seller(region, index)

    _, _, raw = fetch_report(harness, seller_id, marketplace_id)
    header, rows = table(raw)

    assert channel in header and ("status" in header) == status
    assert header.count("Deprecated column") == placeholders
    assert header[len(header) - len(extra) :] == extra if extra else header[-1] in COLUMNS
    assert header.index("seller-sku") == COLUMNS.index("seller-sku")  # placeholders keep the ordinals
    assert {row[channel] for row in rows} == {"DEFAULT", "AMAZON_NA" if region == "NA" else "AMAZON_EU"}
    assert len(rows) == len(harness.sandbox.state.sellers[seller_id].listings)


def test_characters_outside_cp1252_are_question_marks_in_the_report(harness: Harness) -> None:
    seller_id = harness.seller("EU", 1)
    held = harness.sandbox.state.sellers[seller_id].listings

    _, _, raw = fetch_report(harness, seller_id, DE)
    _, rows = table(raw)
    titles = {row["seller-sku"]: row["item-name"] for row in rows}

    assert held["MODA-MUG-ŁÓDŹ"].title == "保温マグカップ 450ml"  # the sandbox holds the real text
    assert titles["MODA-MUG-?ÓD?"] == "??????? 450ml"
    assert titles["MODA-LANTERN"] == "Campinglaterne Ünïcödé ? 300lm"  # Cp1252 letters survive, the check mark not
    assert "MODA-MUG-ŁÓDŹ" not in titles
