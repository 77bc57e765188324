"""Strict types at the event boundary: quantities are numbers, currencies are ISO 4217, SKUs follow Amazon's rules."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.inventory.input import parse_message
from shared.models.currencies import ISO_4217_CODES
from shared.spapi.marketplaces import MARKETPLACES

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def parsed(**fields: Any) -> tuple[list[Any], list[str]]:
    record = {"connectionId": "eu-1", "sku": "A-1", "available": 3, "asOf": NOW.isoformat()} | fields
    message = parse_message(json.dumps({"detail-type": "InventoryChanged", "detail": record}), NOW)
    return list(message.records), [r.reason for r in message.rejected]


@pytest.mark.parametrize("available", [True, False, "7", 7.0, "0"])
def test_a_quantity_that_is_not_a_json_integer_is_refused(available: Any) -> None:
    records, reasons = parsed(available=available)
    assert records == [] and reasons and reasons[0].startswith("available:")


@pytest.mark.parametrize("days", [True, "3"])
def test_handling_days_that_are_not_a_json_integer_are_refused(days: Any) -> None:
    records, reasons = parsed(handlingDays=days)
    assert records == [] and reasons[0].startswith("handlingDays:")


def test_a_boolean_price_is_refused_and_a_number_or_decimal_string_is_taken() -> None:
    assert parsed(price=True, currency="GBP")[1][0].startswith("price:")
    assert parsed(price=9.99, currency="GBP")[0][0].price == parsed(price="9.99", currency="GBP")[0][0].price


@pytest.mark.parametrize("currency", ["GPB", "XXX", "XAU", "ABC", "gbp"])
def test_a_currency_that_is_not_iso_4217_is_refused(currency: str) -> None:
    records, reasons = parsed(price="9.99", currency=currency)
    assert records == [] and reasons[0].startswith("currency:")


def test_every_amazon_marketplace_currency_is_iso_4217() -> None:
    assert {m.currency for m in MARKETPLACES} <= ISO_4217_CODES
    for marketplace in MARKETPLACES:
        assert parsed(price="9.99", currency=marketplace.currency)[0], marketplace.currency


@pytest.mark.parametrize(
    "sku", ["A\x1b[31mRED", "A\x00B", "A\x07", "A\tB", "A\nB", "A\x9bB", "A\x7fB", " A", "A ", "", "S" * 41]
)
def test_a_sku_with_control_characters_or_off_amazons_rules_is_refused(sku: str) -> None:
    records, reasons = parsed(sku=sku)
    assert records == [] and reasons[0].startswith("sku:")


@pytest.mark.parametrize("sku", ["A", "A B", "Größe-XL/rot", "S" * 40, "sku_1.2#x"])
def test_skus_within_amazons_rules_are_taken(sku: str) -> None:
    assert parsed(sku=sku)[0][0].sku == sku


def test_a_dead_letter_of_a_huge_unreadable_message_is_cut_under_the_sqs_limit_and_says_so() -> None:
    from shared.inventory.input import RejectedRecord, dead_letter_body
    from shared.inventory.queues import MAX_DEAD_LETTER_BYTES

    huge = '"\x01' * 120_000  # not JSON; every character escapes in the dead letter's JSON
    body = dead_letter_body(RejectedRecord(huge, "not JSON: Expecting value"))
    assert len(body.encode()) <= MAX_DEAD_LETTER_BYTES
    letter = json.loads(body)
    assert letter["truncated"] and letter["record_chars"] == len(huge) and letter["reason"].startswith("not JSON")
    small = json.loads(dead_letter_body(RejectedRecord({"sku": "A"}, "why")))
    assert small == {"record": {"sku": "A"}, "reason": "why"}
