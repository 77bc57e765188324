"""The JSON_LISTINGS_FEED document, its processing report and the fast lane's patches."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest

from local.sandbox.listings_feed import process_listings_feed
from local.sandbox.marketplaces import UK
from local.sandbox.records import Feed
from shared.inventory.feed_document import (
    CONTENT_TYPE,
    FEED_SCHEMA,
    MAX_MESSAGES,
    NOT_PROCESSED,
    FeedEntry,
    FeedProblem,
    InvalidFeedError,
    MessageOutcome,
    build_feed,
    offer_patch,
    outcomes,
    parse_report,
    stock_out_patch,
    validate_feed,
)
from shared.models.inventory import Change, OfferValues
from tests.unit.sandbox.sandbox_harness import build_harness

DE = "A1PA6795UKMFR9"
SELLER = "A3SELLER"
EXAMPLE_REPORT = Path(__file__).with_name("listings-feed-processing-report.example.json")
REPORT_SCHEMA = FEED_SCHEMA.with_name("listings-feed-processing-report-schema-v2.json")


def change(sku: str = "SKU-1", rev: int = 1, **values: Any) -> Change:
    offer = {"quantity": 7, "handling_days": 3, **values}
    return Change(sku=sku, rev=rev, values=OfferValues.model_validate(offer))


def priced(sku: str = "SKU-1", price: str = "19.99", minimum: str | None = "15.00", currency: str = "EUR") -> Change:
    floor = Decimal(minimum) if minimum is not None else None
    return change(sku, price=Decimal(price), minimum_price=floor, currency=currency)


def document(content: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(content)
    return loaded


def report(issues: list[dict[str, Any]], processed: int, **summary: int) -> bytes:
    """A processing report, checked against Amazon's report schema so the cases stay realistic."""
    errors = sum(1 for i in issues if i["severity"] == "ERROR")
    counts = {"errors": errors, "warnings": len(issues) - errors, "messagesProcessed": processed}
    counts |= {"messagesAccepted": processed, "messagesInvalid": 0, **summary}
    body = {"header": {"sellerId": SELLER, "version": "2.0", "feedId": "F-1"}, "issues": issues, "summary": counts}
    fastjsonschema.compile(json.loads(REPORT_SCHEMA.read_text()), use_default=False)(body)
    return json.dumps(body).encode()


def issue(message_id: int | None, code: str, message: str, severity: str = "ERROR") -> dict[str, Any]:
    found = {"code": code, "severity": severity, "message": message}
    return found | ({"messageId": message_id, "sku": f"SKU-{message_id}"} if message_id else {})


def entries(count: int) -> list[FeedEntry]:
    return [FeedEntry(message_id=i, sku=f"SKU-{i}", rev=10 + i) for i in range(1, count + 1)]


def test_a_built_feed_is_one_patch_message_per_change_and_matches_the_schema() -> None:
    built = build_feed(SELLER, DE, [priced("SKU-1"), change("SKU-2", rev=4, quantity=0)], issue_locale="de_DE")

    doc = document(built.content)
    validate_feed(doc)
    assert built.content_type == CONTENT_TYPE == "application/json; charset=UTF-8"
    assert doc["header"] == {"sellerId": SELLER, "version": "2.0", "issueLocale": "de_DE"}
    assert [(m["messageId"], m["sku"], m["operationType"], m["productType"]) for m in doc["messages"]] == [
        (1, "SKU-1", "PATCH", "PRODUCT"),
        (2, "SKU-2", "PATCH", "PRODUCT"),
    ]
    assert doc["messages"][1]["patches"] == [
        {
            "op": "replace",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0, "lead_time_to_ship_max_days": 3}],
        }
    ]
    assert doc["messages"][0]["patches"][1] == {
        "op": "replace",
        "path": "/attributes/purchasable_offer",
        "value": [
            {
                "marketplace_id": DE,
                "currency": "EUR",
                "audience": "ALL",
                "our_price": [{"schedule": [{"value_with_tax": 19.99}]}],
                "minimum_seller_allowed_price": [{"schedule": [{"value_with_tax": 15.0}]}],
            }
        ],
    }
    assert built.entries == (FeedEntry(message_id=1, sku="SKU-1", rev=1), FeedEntry(message_id=2, sku="SKU-2", rev=4))


def test_the_header_has_no_issue_locale_unless_given() -> None:
    assert document(build_feed(SELLER, DE, [change()]).content)["header"] == {"sellerId": SELLER, "version": "2.0"}


def test_prices_are_json_numbers_with_the_exact_decimal_value() -> None:
    content = build_feed(SELLER, DE, [priced(price="19.99", minimum="0.10"), priced("SKU-2", "1234567.89")]).content

    assert b'"value_with_tax":19.99}' in content and b'"value_with_tax":0.1}' in content
    values = [
        offer["our_price"][0]["schedule"][0]["value_with_tax"]
        for message in json.loads(content, parse_float=Decimal)["messages"]
        for offer in message["patches"][1]["value"]
    ]
    assert values == [Decimal("19.99"), Decimal("1234567.89")]


def test_a_price_a_json_number_cannot_hold_exactly_or_without_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="exactly"):
        build_feed(SELLER, DE, [priced(price="0.12345678901234567")])
    with pytest.raises(ValueError, match="currency"):
        build_feed(SELLER, DE, [change(price=Decimal("9.99"))])


def test_no_purchasable_offer_without_a_price_and_no_floor_without_a_minimum() -> None:
    doc = document(build_feed(SELLER, DE, [change(minimum_price=Decimal("5")), priced(minimum=None)]).content)

    assert [p["path"] for p in doc["messages"][0]["patches"]] == ["/attributes/fulfillment_availability"]
    assert "minimum_seller_allowed_price" not in doc["messages"][1]["patches"][1]["value"][0]


def test_a_feed_takes_at_most_25000_changes() -> None:
    changes = [change(f"SKU-{i}", rev=i) for i in range(MAX_MESSAGES + 1)]

    built = build_feed(SELLER, DE, changes[:MAX_MESSAGES])

    assert len(built.entries) == 25_000 and built.entries[-1].message_id == 25_000
    with pytest.raises(ValueError, match="25000"):
        build_feed(SELLER, DE, changes)
    with pytest.raises(ValueError):
        build_feed(SELLER, DE, [])


def test_a_document_off_the_schema_is_never_returned_and_the_error_names_the_messages() -> None:
    # Given changes that skipped the model's checks (a bug elsewhere): an empty productType
    broken = Change.model_construct(
        sku="SKU-2", rev=2, values=OfferValues(quantity=1, handling_days=1), product_type=""
    )

    with pytest.raises(InvalidFeedError) as caught:
        build_feed(SELLER, DE, [change(), broken])

    assert caught.value.problems == (
        FeedProblem(
            message_id=2, sku="SKU-2", error="data.messages[1].productType must be longer than or equal to 1 characters"
        ),
    )
    assert "messageId 2 (SKU 'SKU-2')" in str(caught.value)


def test_validate_feed_reports_document_level_and_message_level_problems() -> None:
    doc = document(build_feed(SELLER, DE, [change(), change("SKU-2")]).content)
    doc["header"]["version"] = "1.0"
    doc["messages"][0]["attributes"] = {"item_name": [{"value": "x"}]}  # PATCH forbids attributes

    with pytest.raises(InvalidFeedError) as caught:
        validate_feed(doc)

    assert [(p.message_id, p.sku) for p in caught.value.problems] == [(None, None), (1, "SKU-1")]
    assert "const" in caught.value.problems[0].error


def test_amazons_example_report_parses_and_maps_to_outcomes() -> None:
    parsed = parse_report(EXAMPLE_REPORT.read_bytes())

    assert (parsed.header.feed_id, len(parsed.issues), parsed.summary.messages_processed) == ("1234567890", 3, 4)
    assert parsed.issues[2].attribute_name == "purchasable_offer.our_price"
    found = outcomes(parsed, entries(5)[1:])
    assert found[2] == found[3] == MessageOutcome(status="ACCEPTED")
    assert found[4] == MessageOutcome(
        status="REJECTED",
        code="90220",
        message="'[batteries_required]' is required but not supplied.; "
        "'[supplier_declared_dg_hz_regulation]' is required but not supplied.",
    )
    assert found[5].status == "REJECTED" and found[5].code == "99022" and not found[5].transient


def test_warnings_only_is_accepted_with_the_warning_kept() -> None:
    parsed = parse_report(report([issue(1, "18448", "Provide item_weight.", "WARNING"), issue(1, "1", "x", "INFO")], 2))

    assert outcomes(parsed, entries(2)) == {
        1: MessageOutcome(status="ACCEPTED", code="18448", message="Provide item_weight.; x"),
        2: MessageOutcome(status="ACCEPTED"),
    }


def test_the_first_error_gives_the_code_and_the_messages_are_joined_up_to_500_characters() -> None:
    issues = [issue(1, "WARN", "a warning", "WARNING")] + [issue(1, str(90000 + n), f"{n}" * 100) for n in range(8)]

    outcome = outcomes(parse_report(report(issues, 1, messagesAccepted=0, messagesInvalid=1)), entries(1))[1]

    assert outcome.status == "REJECTED" and outcome.code == "90000" and not outcome.transient
    assert outcome.message is not None and outcome.message.startswith("0" * 100 + "; " + "1" * 100)
    assert len(outcome.message) == 500 and outcome.message.endswith("…") and "a warning" not in outcome.message


def test_internal_errors_are_transient_unless_a_real_error_comes_with_them() -> None:
    internal = "An internal error has occurred. Please try again."
    issues = [issue(1, "4000000", internal), issue(2, "4000000", internal), issue(2, "99022", "Missing value.")]

    found = outcomes(parse_report(report(issues, 2, messagesAccepted=0, messagesInvalid=2)), entries(2))

    assert found[1] == MessageOutcome(status="REJECTED", code="4000000", message=internal, transient=True)
    assert found[2].code == "4000000" and not found[2].transient


def test_a_feed_rejected_as_a_whole_rejects_every_message() -> None:
    parsed = parse_report(report([issue(None, "4002006", "The attribute 'version' is wrong.")], 0))

    assert outcomes(parsed, entries(2)) == dict.fromkeys(
        [1, 2], MessageOutcome(status="REJECTED", code="4002006", message="The attribute 'version' is wrong.")
    )


def test_a_message_neither_mentioned_nor_counted_is_not_processed_and_retried() -> None:
    found = outcomes(parse_report(report([], 1)), entries(2))

    assert found[1] == found[2]
    assert found[1].status == "REJECTED" and found[1].code == NOT_PROCESSED and found[1].transient


def test_the_local_sandbox_takes_a_built_feed() -> None:
    # Given a sandbox seller with OUT-MUG listed in the UK, and a feed built for it plus an unknown SKU
    harness = build_harness()
    seller_id = harness.seller("EU")
    mug = Change(
        sku="OUT-MUG",
        rev=3,
        values=OfferValues(
            quantity=7, handling_days=4, price=Decimal("19.99"), minimum_price=Decimal("15.00"), currency="GBP"
        ),
    )
    built = build_feed(seller_id, UK, [mug, change("NO-SUCH-SKU")], issue_locale="en_GB")
    feed = Feed("F-1", seller_id, "JSON_LISTINGS_FEED", [UK], "D-1", created=0.0)

    # When the sandbox processes it as Amazon would
    status, content, _ = process_listings_feed(harness.sandbox, feed, built.content)

    # Then the document passes its schema check, the mug carries the exact values and the unknown SKU is rejected
    assert status == "DONE"
    found = outcomes(parse_report(content), built.entries)
    assert found[1] == MessageOutcome(status="ACCEPTED")
    assert (found[2].status, found[2].code, found[2].transient) == ("REJECTED", "SANDBOX_SKU_NOT_FOUND", False)
    offer = harness.sandbox.state.sellers[seller_id].listings["OUT-MUG"].offers[UK]
    assert (offer.quantity, offer.handling_days, offer.price, offer.minimum_price) == (7, 4, "19.99", "15.00")


def test_the_stock_out_patch_carries_availability_only() -> None:
    body = stock_out_patch(priced(price="12.50").model_copy(update={"product_type": "MUG"})).to_body()

    assert body == {
        "productType": "MUG",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 7, "lead_time_to_ship_max_days": 3}],
            }
        ],
    }


def test_the_offer_patch_carries_what_a_feed_message_carries() -> None:
    single = priced(price="19.99")

    body = offer_patch(single, DE).to_body()

    message = document(build_feed(SELLER, DE, [single]).content)["messages"][0]
    assert body == {"productType": "PRODUCT", "patches": message["patches"]}
    assert '"value_with_tax": 19.99}' in json.dumps(body)
