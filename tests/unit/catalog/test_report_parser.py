"""The All Listings Report parser on the quirks Amazon's documents have (LISTINGS-SHIPMENTS-CANCELLATIONS.md A1)."""

import gzip
from decimal import Decimal

import pytest

from shared.catalog.report import (
    ListingsReport,
    ReportHeaderError,
    ReportListing,
    ReportProblem,
    ReportTruncatedError,
    charset_of,
    codec_of,
    iter_report,
)
from tests.unit.catalog.report_render import DOCUMENTED, Row, chunked, render

MUG = Row("OUT-MUG", "Insulated Travel Mug 450ml", price=Decimal("14.99"), quantity=7)
LAMP = Row("OUT-LAMP", "Headlamp", status="Inactive", channel="AMAZON_EU")


def parse(data: bytes, **kwargs: object) -> list[ReportListing | ReportProblem]:
    return list(iter_report([data], **kwargs))  # type: ignore[arg-type]


def test_a_documented_report_gives_every_field() -> None:
    (mug, lamp) = parse(render([MUG, LAMP], DOCUMENTED))

    assert mug == ReportListing(
        line=2,
        seller_sku="OUT-MUG",
        asin="B000000001",
        title="Insulated Travel Mug 450ml",
        price=Decimal("14.99"),
        quantity=7,
        status="Active",
        fulfillment_channel="MERCHANT",
        open_date="2026-01-15 10:00:00 GMT",
        listing_id="0101ABCDEF",
        product_id="B000000001",
        product_id_type="ASIN",
        merchant_shipping_group="Migrated Template",
        garbled=False,
    )
    assert isinstance(lamp, ReportListing)
    assert (lamp.fulfillment_channel, lamp.status, lamp.price, lamp.quantity) == ("AMAZON", "Inactive", None, None)


def test_eu_header_drift_is_read_by_name() -> None:
    header = ["Deprecated column", " Seller-SKU ", "fulfilment-channel", "item-name", "Minimum order quantity"]
    header += ["asin1", "Deprecated column", "quantity", "optional-payment-type-exclusion"]
    report = ListingsReport([render([MUG, LAMP], header)])

    rows = list(report)

    assert [(r.seller_sku, r.fulfillment_channel, r.status, r.quantity) for r in rows] == [  # type: ignore[union-attr]
        ("OUT-MUG", "MERCHANT", None, 7),
        ("OUT-LAMP", "AMAZON", None, None),
    ]
    summary = report.summary
    assert "status" in summary.missing_columns and "price" in summary.missing_columns
    assert summary.unknown_columns == ["minimum order quantity", "optional-payment-type-exclusion"]
    assert summary.columns[:3] == ["deprecated column", "seller-sku", "fulfillment-channel"]
    assert (summary.rows, summary.problems, summary.garbled) == (2, 0, 0)


def test_characters_outside_cp1252_come_back_as_question_marks_flagged_garbled() -> None:
    rows = [Row("MODA-ŁÓDŹ-1", "Bluse Ünïcödé ✓"), Row("JP-1", "保温マグ"), Row("WHY?", "Plain"), MUG]
    report = ListingsReport(chunked(render(rows, DOCUMENTED), [5]), charset="Cp1252")

    parsed = list(report)

    assert [(r.seller_sku, r.title, r.garbled) for r in parsed] == [  # type: ignore[union-attr]
        ("MODA-?ÓD?-1", "Bluse Ünïcödé ?", True),
        ("JP-1", "????", True),
        ("WHY?", "Plain", True),  # a real "?" cannot be told apart: the Listings API decides
        ("OUT-MUG", MUG.title, False),
    ]
    assert report.summary.garbled == 3


def test_utf8_is_decoded_when_declared_and_a_bom_is_dropped() -> None:
    data = "\ufeff".encode() + render([Row("SKU-É", "Tée 保温")], DOCUMENTED, encoding="utf-8")

    (row,) = parse(data, charset="UTF-8")

    assert isinstance(row, ReportListing)
    assert (row.seller_sku, row.title, row.garbled) == ("SKU-É", "Tée 保温", False)


@pytest.mark.parametrize("declared", [True, False, None])
def test_gzip_is_detected_by_its_bytes_whatever_is_declared(declared: bool | None) -> None:
    plain = render([MUG], DOCUMENTED, crlf=True)

    for data, is_gzip in ((gzip.compress(plain), True), (plain, False)):
        report = ListingsReport(chunked(data, [1, 3, 7]), compressed=declared)
        (row,) = list(report)
        assert isinstance(row, ReportListing) and row.seller_sku == "OUT-MUG" and row.title == MUG.title
        assert (report.summary.gzip, report.summary.declared_gzip) == (is_gzip, declared)


def test_concatenated_gzip_members_are_all_read() -> None:
    header, body = render([MUG], DOCUMENTED).split(b"\n", 1)
    data = (
        gzip.compress(header + b"\n")
        + gzip.compress(body)
        + gzip.compress(render([LAMP], DOCUMENTED)[len(header) + 1 :])
    )

    assert [r.seller_sku for r in parse(data)] == ["OUT-MUG", "OUT-LAMP"]


def test_a_truncated_gzip_download_raises_instead_of_passing_for_a_smaller_catalog() -> None:
    data = gzip.compress(render([MUG, LAMP] * 50, DOCUMENTED))

    with pytest.raises(ReportTruncatedError):
        parse(data[: len(data) - 12])


def test_malformed_rows_are_reported_with_their_line_and_the_rest_is_read() -> None:
    good = render([MUG], DOCUMENTED).decode()
    header = good.splitlines()[0]
    width = len(DOCUMENTED)
    short = "\t".join(["x"] * (width - 2))
    no_sku = "\t".join("" for _ in DOCUMENTED)
    bad_quantity = good.splitlines()[1].replace("\t7\t", "\tseven\t")
    bad_price = good.splitlines()[1].replace("14.99", "abc")
    text = "\n".join([header, short, no_sku, "", bad_quantity, bad_price, good.splitlines()[1]]) + "\n"
    report = ListingsReport([text.encode("cp1252")])

    items = list(report)

    assert [(type(i).__name__, i.line) for i in items] == [
        ("ReportProblem", 2),
        ("ReportProblem", 3),
        ("ReportProblem", 5),
        ("ReportProblem", 6),
        ("ReportListing", 7),
    ]
    reasons = [i.reason for i in items if isinstance(i, ReportProblem)]
    assert reasons[0] == f"{width - 2} columns, the header has {width}"
    assert reasons[1] == "empty seller-sku"
    assert "seven" in reasons[2] and "abc" in reasons[3]
    assert (report.summary.rows, report.summary.problems) == (1, 4)


def test_prices_with_a_decimal_comma_are_read() -> None:
    (row,) = parse(render([MUG], DOCUMENTED).replace(b"14.99", b"14,99"))
    assert isinstance(row, ReportListing) and row.price == Decimal("14.99")


def test_a_report_without_a_seller_sku_column_or_empty_raises() -> None:
    with pytest.raises(ReportHeaderError):
        parse(b"item-name\tasin1\nMug\tB000000001\n")
    with pytest.raises(ReportHeaderError):
        parse(b"")


def test_header_only_report_has_no_rows() -> None:
    report = ListingsReport([render([], DOCUMENTED)])
    assert list(report) == [] and report.summary.rows == 0


@pytest.mark.parametrize(
    ("content_type", "charset", "codec"),
    [
        ("text/plain; charset=Cp1252", "Cp1252", "cp1252"),
        ('text/tab-separated-values;charset="UTF-8"', "UTF-8", "utf-8-sig"),
        ("text/plain", None, "cp1252"),
        ("text/plain; charset=x-unknown-thing", "x-unknown-thing", "cp1252"),
        ("text/plain; charset=windows-31j", "windows-31j", "cp932"),
    ],
)
def test_charset_from_content_type(content_type: str, charset: str | None, codec: str) -> None:
    assert charset_of(content_type) == charset
    assert codec_of(charset) == codec


def test_bytes_undefined_in_cp1252_are_replaced_and_flag_the_row() -> None:
    data = render([Row("SKU-1", "Mug X")], DOCUMENTED).replace(b"Mug X", b"Mug \x81")

    (row,) = parse(data)

    assert isinstance(row, ReportListing) and row.title == "Mug \ufffd" and row.garbled
