"""`sellersync inventory set|import`: merchant values from the command line or a CSV file, validated and batched.

Every row goes through the input function's own validation (`shared.inventory.input.parse_message` on a one-record
batch), so a row the CLI accepts is a row the function accepts. Valid records are sorted by bucket
(`shared.inventory.state.bucket_of`) and sent in `{"records": [...]}` messages of at most MAX_RECORDS_PER_MESSAGE,
so that one message touches few buckets (few conditional writes in the function).
"""

import csv
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cli.errors import UsageError
from shared.inventory.input import parse_message
from shared.inventory.state import bucket_of
from shared.models.inventory import InventoryRecord

MAX_RECORDS_PER_MESSAGE = 500
REQUIRED_COLUMNS = ("sku", "available")
OPTIONAL_COLUMNS = ("price", "currency", "handling_days", "product_type", "as_of")
# CSV column -> InventoryRecord's wire (camelCase) name.
_WIRE_NAMES = {
    "sku": "sku",
    "available": "available",
    "price": "price",
    "currency": "currency",
    "handling_days": "handlingDays",
    "product_type": "productType",
    "as_of": "asOf",
}


class CsvFormatError(UsageError):
    """The file cannot be read as an inventory CSV (nothing was sent)."""


@dataclass(frozen=True)
class InvalidRow:
    """A row that was not sent: its line in the file (the header is line 1), SKU as given, and why."""

    row: int
    sku: str
    reason: str


@dataclass
class ParsedCsv:
    """The valid records and the invalid rows of a CSV file."""

    rows: int = 0
    records: list[InventoryRecord] = field(default_factory=list)
    invalid: list[InvalidRow] = field(default_factory=list)


# Whole-number columns: sent as JSON numbers (the function takes no quantity as a string).
_INTEGER_COLUMNS = ("available", "handling_days")
_INTEGER = re.compile(r"^[+-]?[0-9]{1,12}$")


def raw_record(connection_id: str, fields: Mapping[str, str | None], now: datetime) -> dict[str, Any]:
    """A row as an InventoryRecord on the wire (camelCase); empty fields are left out, as_of defaults to now, whole
    numbers become numbers (anything else stays text, for the validation to refuse)."""
    raw: dict[str, Any] = {"connectionId": connection_id, "asOf": now.isoformat()}
    for column, wire in _WIRE_NAMES.items():
        value = (fields.get(column) or "").strip()
        if value:
            raw[wire] = int(value) if column in _INTEGER_COLUMNS and _INTEGER.match(value) else value
    return raw


def validate(raw: Mapping[str, Any], now: datetime) -> InventoryRecord | str:
    """The record, or why the input function would refuse it (the function's own validation)."""
    parsed = parse_message(json.dumps({"records": [raw]}), now)
    if parsed.records:
        return parsed.records[0]
    return parsed.rejected[0].reason if parsed.rejected else "not a record"


def _header(fieldnames: Sequence[str] | None) -> list[str]:
    if not fieldnames:
        raise CsvFormatError("the file is empty: expected a header line with the columns sku,available")
    names = [name.strip().lower() for name in fieldnames]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise CsvFormatError(f"the header lacks the column(s) {', '.join(missing)} (found: {', '.join(names)})")
    unknown = [n for n in names if n not in _WIRE_NAMES]
    if unknown:
        known = ", ".join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))
        raise CsvFormatError(f"unknown column(s) {', '.join(unknown)}; the columns are: {known}")
    return names


def parse_csv(lines: Iterable[str], connection_id: str, now: datetime) -> ParsedCsv:
    """Reads an inventory CSV: every data row validated alone; raises CsvFormatError for an unusable header or a
    SKU named on more than one line (which value is meant cannot be told: nothing is sent).

    Rows without an as_of are as of `now` plus their row number in microseconds: distinct and in file order."""
    reader = csv.reader(lines)
    header = _header(next(reader, None))
    out = ParsedCsv()
    lines_of: dict[str, list[int]] = {}
    for values in reader:
        if not any(v.strip() for v in values):
            continue  # blank lines
        out.rows += 1
        line = reader.line_num
        fields = dict(zip(header, values, strict=False))
        sku = (fields.get("sku") or "").strip()
        lines_of.setdefault(sku, []).append(line)
        if len(values) != len(header):
            out.invalid.append(InvalidRow(line, sku, f"{len(values)} field(s), the header has {len(header)}"))
            continue
        as_of = now + timedelta(microseconds=out.rows)
        checked = validate(raw_record(connection_id, fields, as_of), now)
        if isinstance(checked, str):
            out.invalid.append(InvalidRow(line, sku, checked))
        else:
            out.records.append(checked)
    _refuse_repeated_skus(lines_of)
    return out


def _refuse_repeated_skus(lines_of: Mapping[str, list[int]]) -> None:
    repeated = [(sku, lines) for sku, lines in lines_of.items() if sku and len(lines) > 1]
    if repeated:
        named = "; ".join(f"{sku!r} on lines {', '.join(map(str, lines))}" for sku, lines in repeated[:20])
        more = f" (and {len(repeated) - 20} more)" if len(repeated) > 20 else ""
        raise CsvFormatError(f"a SKU may be named once per file: {named}{more}; nothing was sent")


def read_csv(path: str, connection_id: str, now: datetime) -> ParsedCsv:
    """parse_csv on a file; a missing or unreadable file is a CsvFormatError."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return parse_csv(handle, connection_id, now)
    except FileNotFoundError:
        raise CsvFormatError(f"no file {path!r}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CsvFormatError(f"cannot read {path!r}: {exc}") from None


def batches(records: Iterable[InventoryRecord], size: int = MAX_RECORDS_PER_MESSAGE) -> Iterator[list[InventoryRecord]]:
    """The records sorted by bucket (then SKU, then as_of) in chunks of at most `size`: a chunk covers few buckets."""
    ordered = sorted(records, key=lambda r: (bucket_of(r.sku), r.sku, r.as_of))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def message_body(records: Sequence[InventoryRecord]) -> str:
    """The input queue's CLI batch: `{"records": [...]}` with camelCase records."""
    return json.dumps({"records": [record_json(r) for r in records]})


def record_json(record: InventoryRecord) -> dict[str, Any]:
    """A record as it travels (camelCase, no empty fields)."""
    return record.model_dump(mode="json", by_alias=True, exclude_none=True)
