"""Property tests of the report parser: any report Amazon could render parses back exactly, in bounded memory."""

import tracemalloc
import zlib
from collections.abc import Iterator
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.catalog.report import ListingsReport, ReportListing
from tests.unit.catalog.report_render import DOCUMENTED, Row, chunked, cp1252, gzipped, render

# Printable text as Amazon lets it into a SKU or title: no tabs, line breaks or other control characters.
TEXT = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"))
CP1252_TEXT = TEXT.filter(lambda c: cp1252(c) == c)
SKU_ALPHABET = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.ÄÖÜßéè")
STATUSES = st.sampled_from(["Active", "Inactive", "Incomplete"])
CHANNELS = st.sampled_from([("DEFAULT", "MERCHANT"), ("AMAZON_EU", "AMAZON"), ("AMAZON_NA", "AMAZON")])
OPTIONAL = [c for c in DOCUMENTED if c != "seller-sku"]


@st.composite
def rows(draw: st.DrawFn, alphabet: st.SearchStrategy[str]) -> tuple[Row, str]:
    sku = draw(st.text(alphabet, min_size=1, max_size=20).filter(lambda s: s.strip() == s and s))
    title = draw(st.text(alphabet, max_size=40))
    price = draw(st.none() | st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False))
    quantity = draw(st.none() | st.integers(min_value=0, max_value=10**6))
    channel, expected = draw(CHANNELS)
    return Row(sku, title, price=price, quantity=quantity, status=draw(STATUSES), channel=channel), expected


@st.composite
def headers(draw: st.DrawFn) -> list[str]:
    columns = draw(st.permutations(OPTIONAL))
    kept = [c for c in columns if draw(st.booleans()) or c in ("item-name", "price", "quantity")]
    kept.insert(draw(st.integers(0, len(kept))), "seller-sku")
    spelled = [
        draw(st.sampled_from(["fulfilment-channel", "Fulfillment-Channel "])) if c == "fulfillment-channel" else c
        for c in kept
    ]
    for extra in draw(st.lists(st.sampled_from(["Deprecated column", "Sell remainder", "zshop-boldface"]), max_size=4)):
        spelled.insert(draw(st.integers(0, len(spelled))), extra)
    return spelled


@settings(max_examples=150, deadline=None)
@given(
    listings=st.lists(rows(SKU_ALPHABET | CP1252_TEXT), max_size=25),
    header=headers(),
    compress=st.booleans(),
    sizes=st.lists(st.integers(1, 300), min_size=1, max_size=5),
)
def test_any_cp1252_report_parses_back_exactly(
    listings: list[tuple[Row, str]], header: list[str], compress: bool, sizes: list[int]
) -> None:
    data = render([row for row, _ in listings], header)
    report = ListingsReport(chunked(gzipped(data) if compress else data, sizes), compressed=compress, charset="Cp1252")

    parsed = list(report)

    assert all(isinstance(item, ReportListing) for item in parsed)
    has = {c.strip().lower() for c in header}
    assert [_seen(item, has) for item in parsed] == [_expected(row, channel, has) for row, channel in listings]
    assert report.summary.rows == len(listings) and report.summary.gzip == compress


@settings(max_examples=100, deadline=None)
@given(listings=st.lists(rows(TEXT), min_size=1, max_size=10), sizes=st.lists(st.integers(1, 50), min_size=1))
def test_characters_outside_cp1252_come_back_as_question_marks_and_garbled(
    listings: list[tuple[Row, str]], sizes: list[int]
) -> None:
    data = render([row for row, _ in listings], DOCUMENTED)

    parsed = list(ListingsReport(chunked(gzipped(data), sizes)))

    for (row, _), item in zip(listings, parsed, strict=True):
        assert isinstance(item, ReportListing)
        assert (item.seller_sku, item.title or "") == (cp1252(row.sku), cp1252(row.title))
        assert item.garbled == ("?" in cp1252(row.sku) or "?" in cp1252(row.title))


def test_a_200000_row_gzip_report_parses_in_bounded_memory() -> None:
    count = 200_000
    tracemalloc.start()
    try:
        report = ListingsReport(_generated_gzip_report(count), compressed=True)
        seen = sum(1 for item in report if isinstance(item, ReportListing))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert seen == count == report.summary.rows
    # The document is ~27 MB of text; streaming keeps the peak near 1 MB whatever its size.
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def _generated_gzip_report(count: int) -> Iterator[bytes]:
    """A gzip report made row by row, never held whole (titles vary so it does not compress to nothing)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    yield packer.compress(("\t".join(DOCUMENTED) + "\n").encode())
    template = render([Row("{sku}", "{title}", price=Decimal("9.99"), quantity=3)], DOCUMENTED).decode("cp1252")
    line = template.split("\n", 1)[1]
    for number in range(count):
        text = line.format(sku=f"SKU-{number:07d}", title=f"Product {number * 7919 % 100003} Ünïcödé")
        out = packer.compress(text.encode("cp1252"))
        if out:
            yield out
    yield packer.flush()


def _seen(item: object, has: set[str]) -> tuple[object, ...]:
    assert isinstance(item, ReportListing)
    return (item.seller_sku, item.title, item.price, item.quantity, item.status, item.fulfillment_channel)


def _expected(row: Row, channel: str, has: set[str]) -> tuple[object, ...]:
    def present(column: str, value: object) -> object:
        return value if column in has else None

    return (
        row.sku,
        row.title or None,
        row.price,
        row.quantity,
        present("status", row.status),
        channel if {"fulfillment-channel", "fulfilment-channel"} & has else None,
    )


@settings(max_examples=100, deadline=None)
@given(
    listings=st.lists(rows(TEXT), min_size=1, max_size=10),
    sizes=st.lists(st.integers(1, 7), min_size=1),
    compress=st.booleans(),
)
def test_a_utf8_report_cut_inside_characters_parses_back_exactly(
    listings: list[tuple[Row, str]], sizes: list[int], compress: bool
) -> None:
    data = render([row for row, _ in listings], DOCUMENTED, encoding="utf-8")

    parsed = list(ListingsReport(chunked(gzipped(data) if compress else data, sizes), charset="utf-8"))

    assert [(item.seller_sku, item.title or "") for item in parsed] == [(row.sku, row.title) for row, _ in listings]  # type: ignore[union-attr]
    assert [item.garbled for item in parsed] == [  # type: ignore[union-attr]
        "?" in row.sku or "?" in row.title for row, _ in listings
    ]
