"""The All Listings Report (GET_MERCHANT_LISTINGS_ALL_DATA) parsed as Amazon serves it, in bounded memory.

Amazon's document drifts from its docs (LISTINGS-SHIPMENTS-CANCELLATIONS.md A1): gzip whether or not
compressionAlgorithm says so (sniffed by the magic bytes), Cp1252 with every other character already replaced by "?",
EU headers spelling `fulfilment-channel`, `Deprecated column` placeholders, undocumented extra columns, `status`
sometimes missing. So columns are found by header name, never by position; the body is gunzipped, decoded and split
into lines chunk by chunk (zlib with a bounded output, an incremental decoder), so only one line is ever held; and a
bad row is reported as a ReportProblem with its line number instead of failing the import.
"""

import codecs
import zlib
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, ConfigDict

GZIP_MAGIC = b"\x1f\x8b"
DEFAULT_CHARSET = "cp1252"
_OUTPUT_CHUNK = 64 * 1024  # at most this much gunzipped text per step, whatever the compression ratio
PLACEHOLDER = "deprecated column"
# Spellings seen in real headers -> the documented name (after trimming and case-folding).
ALIASES = {"fulfilment-channel": "fulfillment-channel"}
# Documented columns we read, and the field each fills.
FIELDS = {
    "seller-sku": "seller_sku",
    "asin1": "asin",
    "item-name": "title",
    "price": "price",
    "quantity": "quantity",
    "status": "status",
    "fulfillment-channel": "fulfillment_channel",
    "open-date": "open_date",
    "listing-id": "listing_id",
    "product-id": "product_id",
    "product-id-type": "product_id_type",
    "merchant-shipping-group": "merchant_shipping_group",
}
REQUIRED = "seller-sku"
PRODUCT_ID_TYPES = {"1": "ASIN", "2": "ISBN", "3": "UPC", "4": "EAN"}
FulfillmentChannel = Literal["MERCHANT", "AMAZON"]


class ReportHeaderError(ValueError):
    """The document has no header row with a seller-sku column: nothing in it can be read."""


class ReportTruncatedError(ValueError):
    """The gzip stream ended early (a broken download): the rows read so far are not the whole catalog."""


class ReportListing(BaseModel):
    """One row of the report; None where the column is absent or empty."""

    model_config = ConfigDict(frozen=True)

    line: int
    seller_sku: str
    asin: str | None = None
    title: str | None = None
    price: Decimal | None = None
    quantity: int | None = None
    status: str | None = None  # as Amazon gives it: Active, Inactive, Incomplete...
    fulfillment_channel: FulfillmentChannel | None = None
    open_date: str | None = None  # kept as served: its format and zone abbreviation vary by marketplace
    listing_id: str | None = None
    product_id: str | None = None
    product_id_type: str | None = None  # ASIN/ISBN/UPC/EAN for Amazon's codes 1-4, else as served
    merchant_shipping_group: str | None = None
    # The SKU or title holds "?" (maybe a non-Cp1252 character Amazon replaced) or an undecodable byte: re-read it
    # from the Listings Items API before trusting it.
    garbled: bool = False


class ReportProblem(BaseModel):
    """A row that could not be read, and why (the rest of the report still is)."""

    model_config = ConfigDict(frozen=True)

    line: int
    reason: str
    seller_sku: str | None = None


class ReportSummary(BaseModel):
    """What a parse saw; filled while the rows are read, complete once the iteration ends."""

    rows: int = 0
    problems: int = 0
    garbled: int = 0
    columns: list[str] = []  # the header as canonical names, placeholders included
    unknown_columns: list[str] = []
    missing_columns: list[str] = []  # documented columns we read that the header lacks (e.g. status)
    gzip: bool = False  # the body was gzip, by its bytes
    declared_gzip: bool | None = None
    charset: str = DEFAULT_CHARSET


def canonical_column(name: str) -> str:
    """A header name trimmed, case-folded and with its known aliases resolved."""
    folded = name.strip().strip("\ufeff").strip().casefold()
    return ALIASES.get(folded, folded)


def codec_of(charset: str | None) -> str:
    """The Python codec for a Content-Type charset (Cp1252 when none is declared or it is unknown)."""
    if not charset:
        return DEFAULT_CHARSET
    try:
        name = codecs.lookup(charset.strip().strip('"')).name
    except LookupError:
        return DEFAULT_CHARSET
    return "utf-8-sig" if name == "utf-8" else name


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None


class ListingsReport:
    """Iterates the rows of one report document; `summary` is complete once the iteration has ended."""

    def __init__(self, chunks: Iterable[bytes], *, compressed: bool | None = None, charset: str | None = None) -> None:
        self._chunks = chunks
        self.summary = ReportSummary(declared_gzip=compressed, charset=codec_of(charset))

    def __iter__(self) -> Iterator[ReportListing | ReportProblem]:
        lines = _lines(_decoded(self._bytes(), self.summary.charset))
        header: list[str] | None = None
        for number, line in enumerate(lines, start=1):
            if header is None:
                header = self._header(line)
                continue
            if not line:
                continue
            item = _row(number, header, line.split("\t"))
            self._count(item)
            yield item
        if header is None:
            raise ReportHeaderError("the report document is empty")

    def _bytes(self) -> Iterator[bytes]:
        chunks = iter(self._chunks)
        head = b""
        for chunk in chunks:
            head += chunk
            if len(head) >= len(GZIP_MAGIC):
                break
        self.summary.gzip = head.startswith(GZIP_MAGIC)
        if not self.summary.gzip:
            yield head
            yield from chunks
            return
        yield from _gunzipped(head, chunks)

    def _header(self, line: str) -> list[str]:
        header = [canonical_column(name) for name in line.split("\t")]
        if REQUIRED not in header:
            raise ReportHeaderError(f"no {REQUIRED} column in the header ({len(header)} columns)")
        self.summary.columns = header
        self.summary.unknown_columns = [c for c in header if c not in FIELDS and c != PLACEHOLDER]
        self.summary.missing_columns = [c for c in FIELDS if c not in header]
        return header

    def _count(self, item: ReportListing | ReportProblem) -> None:
        if isinstance(item, ReportProblem):
            self.summary.problems += 1
            return
        self.summary.rows += 1
        self.summary.garbled += item.garbled


def iter_report(
    chunks: Iterable[bytes], *, compressed: bool | None = None, charset: str | None = None
) -> Iterator[ReportListing | ReportProblem]:
    """The report's rows and problems in document order (see ListingsReport for the summary)."""
    return iter(ListingsReport(chunks, compressed=compressed, charset=charset))


def _gunzipped(head: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Gunzips a stream (several gzip members too), never producing more than _OUTPUT_CHUNK at a time."""
    inflater, fed = zlib.decompressobj(wbits=31), False
    pending: bytes | None = head
    while pending is not None:
        fed = fed or bool(pending)
        while True:
            try:
                out = inflater.decompress(pending, _OUTPUT_CHUNK)
            except zlib.error as exc:
                raise ReportTruncatedError(f"the gzip stream is corrupt: {exc}") from None
            yield out
            pending = inflater.unconsumed_tail
            if inflater.eof:
                pending, inflater, fed = inflater.unused_data, zlib.decompressobj(wbits=31), bool(inflater.unused_data)
            elif not pending and len(out) < _OUTPUT_CHUNK:
                break
        pending = next(chunks, None)
    yield inflater.flush()
    if fed and not inflater.eof:
        raise ReportTruncatedError("the gzip stream ended before its end marker")


def _decoded(data: Iterator[bytes], codec: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    for chunk in data:
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def _lines(texts: Iterator[str]) -> Iterator[str]:
    """Lines split on LF (a CR before it dropped); a last line without LF is still a line."""
    rest = ""
    for text in texts:
        if "\n" not in text:
            rest += text
            continue
        *complete, tail = (rest + text).split("\n")
        for line in complete:
            yield line.removesuffix("\r")
        rest = tail
    if rest:
        yield rest.removesuffix("\r")


def _row(line: int, header: list[str], values: list[str]) -> ReportListing | ReportProblem:
    fields = dict(zip(header, values, strict=False))
    sku = fields.get(REQUIRED) or None
    if len(values) != len(header):
        return ReportProblem(line=line, reason=f"{len(values)} columns, the header has {len(header)}", seller_sku=sku)
    if sku is None or not sku.strip():
        return ReportProblem(line=line, reason="empty seller-sku")
    data: dict[str, object] = {FIELDS[c]: v for c, v in fields.items() if c in FIELDS and v}
    try:
        data["price"] = _decimal(fields.get("price"))
        data["quantity"] = _integer(fields.get("quantity"))
    except ValueError as exc:
        return ReportProblem(line=line, reason=str(exc), seller_sku=sku)
    data["fulfillment_channel"] = _channel(fields.get("fulfillment-channel"))
    kind = fields.get("product-id-type", "").strip()
    data["product_id_type"] = PRODUCT_ID_TYPES.get(kind, kind or None)
    data["seller_sku"] = sku
    title = fields.get("item-name") or ""
    data["garbled"] = any("?" in text or "\ufffd" in text for text in (sku, title))
    return ReportListing.model_validate(data | {"line": line})


def _decimal(value: str | None) -> Decimal | None:
    if value is None or not value.strip():
        return None
    try:
        text = value.strip()
        number = Decimal(text.replace(",", ".") if "." not in text else text)
    except InvalidOperation:
        raise ValueError(f"price {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"price {value!r} is not a number")
    return number


def _integer(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise ValueError(f"quantity {value!r} is not a whole number") from None


def _channel(value: str | None) -> FulfillmentChannel | None:
    code = (value or "").strip().upper()
    if code == "DEFAULT":
        return "MERCHANT"
    if code.startswith("AMAZON"):
        return "AMAZON"
    return None
