"""Steered report faults and storms per seller: a report that stays IN_QUEUE or IN_PROGRESS for ever, one that ends
FATAL with an error document or CANCELLED, cancelReport (IN_QUEUE only), and the next N calls of one operation of one
seller answered 429 or 500 while other sellers are untouched."""

import json
from urllib.parse import urlsplit

import pytest

from local.sandbox.marketplaces import UK
from tests.unit.sandbox.sandbox_harness import Harness

REPORTS = "/reports/2021-06-30"
ALL_LISTINGS = {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [UK]}


def request(harness: Harness, token: str, marketplace_id: str = UK) -> str:
    body = ALL_LISTINGS | {"marketplaceIds": [marketplace_id]}
    return str(harness.call("POST", f"{REPORTS}/reports", token, json=body).json["reportId"])


def status(harness: Harness, token: str, report_id: str) -> dict[str, object]:
    return dict(harness.call("GET", f"{REPORTS}/reports/{report_id}", token).json)


def outcome(harness: Harness, seller_id: str, value: str | None) -> None:
    harness.steer("PATCH", "/_sandbox/faults", json={"report_outcomes": {seller_id: value} if value else {}})


@pytest.mark.parametrize(("steered", "stuck"), [("stays_in_queue", "IN_QUEUE"), ("stays_in_progress", "IN_PROGRESS")])
def test_a_report_can_be_made_to_never_finish(harness: Harness, steered: str, stuck: str) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    outcome(harness, seller_id, steered)
    report_id = request(harness, token)
    harness.advance(7 * 24 * 3600)
    token = harness.token(seller_id)  # a week later: a fresh access token
    assert status(harness, token, report_id)["processingStatus"] == stuck
    outcome(harness, seller_id, None)  # only reports requested from now on finish again
    again = request(harness, token)
    harness.advance(46)
    assert status(harness, token, again)["processingStatus"] == "DONE"
    assert status(harness, token, report_id)["processingStatus"] == stuck
    seen = harness.steer("GET", f"/_sandbox/sellers/{seller_id}/reports")
    assert [(r["reportId"], r["status"], r["outcome"]) for r in seen] == [
        (report_id, stuck, steered),
        (again, "DONE", None),
    ]


def test_only_a_report_in_queue_can_be_cancelled(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    queued = request(harness, token)
    assert harness.call("DELETE", f"{REPORTS}/reports/{queued}", token).status_code == 200
    assert status(harness, token, queued)["processingStatus"] == "CANCELLED"
    harness.advance(60)
    assert status(harness, token, queued)["processingStatus"] == "CANCELLED"  # the processing never picks it up

    outcome(harness, seller_id, "stays_in_progress")
    running = request(harness, token)
    harness.advance(20)
    refused = harness.call("DELETE", f"{REPORTS}/reports/{running}", token)
    assert refused.status_code == 400 and refused.json["errors"][0]["code"] == "InvalidInput"
    assert status(harness, token, running)["processingStatus"] == "IN_PROGRESS"
    other = harness.token(harness.seller("EU", 1))
    assert harness.call("DELETE", f"{REPORTS}/reports/{running}", other).status_code == 404


def test_a_fatal_report_has_an_error_document_and_a_cancelled_one_none(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    outcome(harness, seller_id, "fatal")
    fatal = request(harness, token)
    outcome(harness, seller_id, "cancelled")
    cancelled = request(harness, token)
    harness.advance(46)

    report = status(harness, token, fatal)
    assert report["processingStatus"] == "FATAL" and "processingEndTime" in report
    document = harness.call("GET", f"{REPORTS}/documents/{report['reportDocumentId']}", token).json
    assert "compressionAlgorithm" not in document
    url = urlsplit(document["url"])
    details = json.loads(harness.client.get(f"{url.path}?{url.query}").get_data())["errorDetails"]
    assert fatal in details and "could not be generated" in details
    report = status(harness, token, cancelled)
    assert report["processingStatus"] == "CANCELLED" and "reportDocumentId" not in report


def test_a_storm_answers_the_next_calls_of_one_seller_and_operation_then_ends(harness: Harness) -> None:
    seller_id, bystander = harness.seller("EU"), harness.seller("EU", 1)
    token, other = harness.token(seller_id), harness.token(bystander)
    report_id = request(harness, token)
    storms = [{"seller_id": seller_id, "operation": "getReport", "status": 500, "calls": 3}]
    storms.append({"seller_id": seller_id, "operation": "createReport", "status": 429, "calls": 1})
    harness.steer("PATCH", "/_sandbox/faults", json={"storms": storms})

    other_report = request(harness, other, harness.sandbox.state.sellers[bystander].marketplace_ids[0])
    assert status(harness, other, other_report)["processingStatus"] == "IN_QUEUE"  # another seller: no storm
    answers = [harness.call("GET", f"{REPORTS}/reports/{report_id}", token) for _ in range(4)]
    assert [a.status_code for a in answers] == [500, 500, 500, 200]
    assert answers[0].json["errors"][0]["code"] == "InternalFailure"
    throttled = harness.call("POST", f"{REPORTS}/reports", token, json=ALL_LISTINGS)
    assert throttled.status_code == 429 and throttled.json["errors"][0]["code"] == "QuotaExceeded"
    assert harness.call("POST", f"{REPORTS}/reports", token, json=ALL_LISTINGS).status_code == 202
    assert [s["left"] for s in harness.steer("GET", "/_sandbox/faults/storms")] == [0, 0]

    harness.steer("PATCH", "/_sandbox/faults", json={"storms": storms[:1]})  # set again: the storm starts afresh
    assert harness.call("GET", f"{REPORTS}/reports/{report_id}", token).status_code == 500
