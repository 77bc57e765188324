"""`sellersync inventory` without AWS: CSV parsing and validation, bucket-sorted batches, plan and status views."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from cli.inventory_input import (
    CsvFormatError,
    batches,
    message_body,
    parse_csv,
    raw_record,
    read_csv,
    validate,
)
from cli.inventory_views import feed_views, offer_text, plan_rows, send_reasons, state_counts, status_rows
from shared.inventory.input import parse_message
from shared.inventory.state import bucket_of
from shared.inventory.submissions import Submission
from shared.models.inventory import (
    Accepted,
    InventoryRecord,
    MarketState,
    OfferValues,
    SkuState,
    SourceValue,
    Verdict,
)
from shared.models.settings import ConnectionSettings
from shared.repositories.feeds import FeedRecord

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
CONN = "eu-a1b2c3"
UK = "A1F83G8C2ARO7P"


def test_valid_rows_become_records_with_defaults() -> None:
    parsed = parse_csv(
        [
            "sku,available,price,currency,handling_days,product_type,as_of\n",
            "A-1,5,9.99,GBP,2,SHIRT,2026-11-20T09:00:00Z\n",
            "B-2,0,,,,,\n",
        ],
        CONN,
        NOW,
    )
    assert parsed.rows == 2 and not parsed.invalid
    first, second = parsed.records
    assert first == InventoryRecord(
        connection_id=CONN,
        sku="A-1",
        available=5,
        price=Decimal("9.99"),
        currency="GBP",
        handling_days=2,
        product_type="SHIRT",
        as_of=datetime(2026, 11, 20, 9, tzinfo=UTC),
    )
    assert second.available == 0 and second.price is None and second.as_of == NOW + timedelta(microseconds=2)


def test_invalid_rows_are_reported_with_line_sku_and_reason() -> None:
    parsed = parse_csv(
        [
            "SKU, Available ,price,currency\n",
            "ok,1,,\n",
            "\n",
            "neg,-1,,\n",
            "nocur,3,9.99,\n",
            "few,3\n",
            ",4,,\n",
            "abc,x,,\n",
        ],
        CONN,
        NOW,
    )
    assert [r.sku for r in parsed.records] == ["ok"]
    assert parsed.rows == 6
    by_sku = {row.sku: row for row in parsed.invalid}
    assert by_sku["neg"].row == 4 and "available" in by_sku["neg"].reason
    assert "price and currency go together" in by_sku["nocur"].reason
    assert by_sku["few"].reason == "2 field(s), the header has 4"
    assert "sku" in by_sku[""].reason
    assert "available" in by_sku["abc"].reason


def test_a_future_as_of_is_refused_as_the_function_refuses_it() -> None:
    later = (NOW + timedelta(hours=1)).isoformat()
    parsed = parse_csv(["sku,available,as_of\n", f"A,1,{later}\n"], CONN, NOW)
    assert not parsed.records and "in the future" in parsed.invalid[0].reason


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("", "empty"),
        ("sku,qty\n", "lacks the column(s) available"),
        ("sku,available,colour\n", "unknown column(s) colour"),
    ],
)
def test_unusable_headers(header: str, message: str) -> None:
    with pytest.raises(CsvFormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_csv([header] if header else [], CONN, NOW)


def test_read_csv_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CsvFormatError, match="no file"):
        read_csv(str(tmp_path / "nope.csv"), CONN, NOW)


def test_read_csv_skips_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("\ufeffsku,available\nA,1\n", encoding="utf-8")
    assert [r.sku for r in read_csv(str(path), CONN, NOW).records] == ["A"]


def test_set_validation_goes_through_the_same_path() -> None:
    assert validate(raw_record(CONN, {"sku": "A", "available": "3"}, NOW), NOW) == InventoryRecord(
        connection_id=CONN, sku="A", available=3, as_of=NOW
    )
    reason = validate(raw_record(CONN, {"sku": "A", "available": "3", "price": "0"}, NOW), NOW)
    assert isinstance(reason, str) and "price" in reason


def test_batches_are_bucket_sorted_and_bounded() -> None:
    records = [InventoryRecord(connection_id=CONN, sku=f"SKU-{i}", available=i, as_of=NOW) for i in range(1203)]
    chunks = list(batches(records, size=500))
    assert [len(c) for c in chunks] == [500, 500, 203]
    flat = [r for c in chunks for r in c]
    assert sorted(r.sku for r in flat) == sorted(r.sku for r in records)
    keys = [bucket_of(r.sku) for r in flat]
    assert keys == sorted(keys)


def test_message_body_is_what_the_input_function_reads() -> None:
    record = InventoryRecord(connection_id=CONN, sku="A", available=2, price=Decimal("9.99"), currency="GBP", as_of=NOW)
    body = message_body([record])
    assert json.loads(body)["records"][0]["connectionId"] == CONN
    assert parse_message(body, NOW).records == (record,)


def offer(quantity: int, price: str | None = None) -> OfferValues:
    priced = {"price": Decimal(price), "minimum_price": Decimal("1"), "currency": "GBP"} if price else {}
    return OfferValues(quantity=quantity, handling_days=2, **priced)


def sku_state(available: int, market: MarketState | None = None) -> SkuState:
    source = SourceValue(available=available, as_of=NOW, received_at=NOW)
    return SkuState(source=source, markets={UK: market} if market else {})


def market(rev: int, desired: OfferValues, accepted_rev: int | None = None, rejected: bool = False) -> MarketState:
    accepted = Accepted(rev=accepted_rev, values=desired, channel="feed", at=NOW) if accepted_rev else None
    verdict = (
        Verdict(rev=rev, status="REJECTED", channel="feed", at=NOW, code="8541", message="bad")
        if rejected
        else (Verdict(rev=accepted_rev, status="ACCEPTED", channel="feed", at=NOW) if accepted_rev else None)
    )
    return MarketState(rev=rev, desired=desired, desired_at=NOW, accepted=accepted, verdict=verdict)


def test_send_reasons() -> None:
    assert send_reasons(None, offer(1)) == ["never planned for this marketplace"]
    assert send_reasons(market(1, offer(1), accepted_rev=1), offer(1)) == []
    assert "other values" in send_reasons(market(1, offer(1), accepted_rev=1), offer(2))[0]
    assert send_reasons(market(2, offer(1), accepted_rev=1), offer(1)) == ["revision 2 is not accepted yet"]
    assert "rejected revision 1: 8541 bad" in send_reasons(market(1, offer(1), rejected=True), offer(1))[0]


def test_plan_rows_use_the_current_settings() -> None:
    states = {"A": sku_state(5, market(1, offer(5), accepted_rev=1)), "B": None}
    rows = plan_rows(states, ConnectionSettings(inventory_buffer=6, default_handling_days=2), [UK])
    a, b = rows
    assert a["planned"]["quantity"] == 0 and a["rules"] == ["available 5 is below the buffer 6"]
    assert a["would_send"] and a["desired"]["quantity"] == 5 and a["marketplace"] == "UK"
    assert b == {"sku": "B", "received": False}
    unchanged = plan_rows(states, ConnectionSettings(default_handling_days=2), [UK])[0]
    assert not unchanged["would_send"] and unchanged["send_reasons"] == []


def test_status_rows_and_counts() -> None:
    states = {
        "A": sku_state(5, market(1, offer(5), accepted_rev=1)),
        "B": sku_state(1, market(1, offer(1), rejected=True)),
        "C": sku_state(1, market(2, offer(1), accepted_rev=1)),
        "D": None,
        # revision 2 in the unanswered feed F9, after revision 1's verdict: awaiting Amazon's answer
        "E": sku_state(1, market(2, offer(1), accepted_rev=1)),
        # rejected, then the same revision in the unanswered feed F10 (a transient failure's retry)
        "F": sku_state(1, market(1, offer(1), rejected=True)),
    }
    later = NOW + timedelta(minutes=1)
    pending = {
        ("E", UK): Submission(2, "feed", "F9", later, offer(1)),
        ("F", UK): Submission(1, "feed", "F10", later, offer(1)),
    }
    rows = status_rows(states, pending)
    assert [r["state"] for r in rows] == ["accepted", "rejected", "pending", "never received", "submitted", "submitted"]
    assert rows[1]["verdict"]["code"] == "8541" and rows[0]["accepted"]["quantity"] == 5
    assert [r["awaiting_verdict"] for r in rows[:3]] == [False, False, False]
    assert rows[4]["submitted"] == {
        "rev": 2,
        "lane": "feed",
        "feed_id": "F9",
        "submitted_at": (NOW + timedelta(minutes=1)).isoformat(),
        "values": {"quantity": 1, "handling_days": 2},
    }
    assert rows[4]["awaiting_verdict"] and rows[4]["verdict"]["rev"] == 1
    counts = {"accepted": 1, "rejected": 1, "submitted": 2, "pending": 1, "never received": 1}
    assert state_counts(rows) == counts


def test_offer_text_and_feed_views() -> None:
    assert offer_text(None) == "-"
    assert offer_text(offer(3, "9.99")) == "qty 3, 2 d, 9.99 GBP (min 1)"
    feeds = [
        FeedRecord(f"F{i}", CONN, UK, "DONE", NOW + timedelta(minutes=i), message_count=i, accepted=i) for i in range(3)
    ]
    views = feed_views(feeds, 2)
    assert [v.feed_id for v in views] == ["F2", "F1"] and views[0].marketplace == "UK"


def test_a_file_naming_a_sku_twice_is_refused_with_the_lines() -> None:
    with pytest.raises(CsvFormatError, match=r"'A-1' on lines 2, 4.*nothing was sent"):
        parse_csv(["sku,available\n", "A-1,5\n", "B-2,1\n", "A-1,0\n"], CONN, NOW)


def test_rows_get_distinct_as_ofs_in_file_order() -> None:
    parsed = parse_csv(["sku,available\n", "A,1\n", "B,2\n", "C,3\n"], CONN, NOW)
    as_ofs = [r.as_of for r in parsed.records]
    assert as_ofs == sorted(as_ofs) and len(set(as_ofs)) == 3


def test_csv_quantities_become_json_numbers_and_non_numbers_are_refused() -> None:
    assert raw_record(CONN, {"sku": "A", "available": "7", "handling_days": "2"}, NOW)["available"] == 7
    parsed = parse_csv(["sku,available\n", "A,true\n", "B,7.5\n"], CONN, NOW)
    assert not parsed.records and all("available" in r.reason for r in parsed.invalid)


def test_every_table_cell_strips_control_characters() -> None:
    from cli.render import cell, table

    assert cell("A\x1b[31mRED\x07\x9b") == "A[31mRED"
    assert cell("two\nlines") == "two\nlines"
    rendered = table("t", ["a"], [["x\x1b]0;owned\x07y"]])
    assert list(rendered.columns[0].cells) == ["x]0;ownedy"]
