"""`sellersync listings map|unmap|unmapped`: the SKU map from the command line or a CSV file, and what has no source.

A CSV (`amazon_sku,merchant_sku`) is all-or-nothing: every row is validated first (both SKUs valid seller SKUs, an
Amazon SKU named once), and one invalid row means nothing is written, every invalid row reported with its line.
A valid file is then written row by row, each a conditional write (re-running the same file writes nothing), so an
interrupted run is finished by running it again. A row mapping a SKU to itself removes its mapping (identity).

`unmapped` compares three reads: the stored listings per marketplace (merchant-fulfilled, not variation parents:
those have no offer to feed), the SKUs the inventory state holds (what records reached, already per Amazon SKU) and
the map. Both lists follow `SkuMap.merchant_of`, the definition the input function fans out by (docs/catalog.md).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from cli.errors import UsageError
from cli.render import cell, console, print_json, table
from shared.models.inventory import Sku
from shared.models.listings import FulfillmentChannel, Listing
from shared.models.sku_map import SkuMap

if TYPE_CHECKING:
    from shared.repositories.sku_map import MapWrite, SkuMapRepository

COLUMNS = ("amazon_sku", "merchant_sku")
_SKU: TypeAdapter[str] = TypeAdapter(Sku)


class MapCsvError(UsageError):
    """The file cannot be read as a SKU map CSV (nothing was written)."""


@dataclass(frozen=True)
class InvalidMapRow:
    """A row that cannot be written: its line (the header is line 1), the Amazon SKU as given, and why."""

    row: int
    amazon_sku: str
    reason: str


@dataclass
class ParsedMap:
    """The rows of a SKU map CSV: (Amazon SKU, merchant SKU) pairs and the invalid rows."""

    rows: int = 0
    pairs: list[tuple[str, str]] = field(default_factory=list)
    invalid: list[InvalidMapRow] = field(default_factory=list)


def check_sku(value: str, what: str) -> str | None:
    """Why `value` is not a seller SKU (None: it is one)."""
    try:
        _SKU.validate_python(value)
    except ValidationError as exc:
        return f"{what} {value!r}: {exc.errors()[0]['msg']}"
    return None


def _header(fieldnames: Sequence[str] | None) -> list[str]:
    if not fieldnames:
        raise MapCsvError("the file is empty: expected a header line amazon_sku,merchant_sku")
    names = [name.strip().lower() for name in fieldnames]
    if sorted(names) != sorted(COLUMNS):
        raise MapCsvError(f"the header must be amazon_sku,merchant_sku (found: {','.join(names)})")
    return names


def parse_map_csv(lines: Iterable[str]) -> ParsedMap:
    """Every data row checked alone; an Amazon SKU on two lines makes both invalid (which is meant cannot be told)."""
    reader = csv.reader(lines)
    header = _header(next(reader, None))
    out = ParsedMap()
    seen: dict[str, int] = {}
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        out.rows += 1
        fields = dict(zip(header, values, strict=False))
        amazon_sku, merchant_sku = fields.get("amazon_sku", ""), fields.get("merchant_sku", "")
        reason = (
            f"{len(values)} field(s), the header has {len(header)}"
            if len(values) != len(header)
            else check_sku(amazon_sku, "amazon_sku") or check_sku(merchant_sku, "merchant_sku")
        )
        if reason is None and amazon_sku in seen:
            reason = f"amazon_sku {amazon_sku!r} is on line {seen[amazon_sku]} already"
        seen.setdefault(amazon_sku, reader.line_num)
        if reason is not None:
            out.invalid.append(InvalidMapRow(reader.line_num, amazon_sku, reason))
        else:
            out.pairs.append((amazon_sku, merchant_sku))
    return out


def read_map_csv(path: str) -> ParsedMap:
    """parse_map_csv on a file (UTF-8, a BOM allowed); a missing or unreadable file is a MapCsvError."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return parse_map_csv(handle)
    except FileNotFoundError:
        raise MapCsvError(f"no file {path!r}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise MapCsvError(f"cannot read {path!r}: {exc}") from None


@dataclass
class MapCounts:
    """What writing mappings did."""

    mapped: int = 0  # a new or changed mapping
    removed: int = 0  # a mapping to itself removed a stored one
    unchanged: int = 0  # already so: nothing written

    def as_dict(self) -> dict[str, int]:
        """For --json."""
        return {"mapped": self.mapped, "removed": self.removed, "unchanged": self.unchanged}


def write_mappings(
    repo: SkuMapRepository,
    connection_id: str,
    pairs: Sequence[tuple[str, str]],
    now: datetime,
    advance: Callable[[], None] = lambda: None,
) -> MapCounts:
    """One conditional write per pair (see the module doc), counted."""
    counts = MapCounts()
    for amazon_sku, merchant_sku in pairs:
        written = repo.put(connection_id, amazon_sku, merchant_sku, now)
        if not written.written:
            counts.unchanged += 1
        elif amazon_sku == merchant_sku:
            counts.removed += 1
        else:
            counts.mapped += 1
        advance()
    return counts


def _has_offer(listing: Listing) -> bool:
    return not listing.is_parent and listing.fulfillment_channel is FulfillmentChannel.MERCHANT


def unmapped_report(
    listings: Mapping[str, Sequence[Listing]], received: Iterable[str], sku_map: SkuMap
) -> dict[str, Any]:
    """Amazon SKUs with no stock source and merchant SKUs with no listing (see the module doc).

    An Amazon SKU has a source when some SKU the inventory state holds has the same merchant SKU (the SKU itself,
    or another Amazon SKU its merchant SKU reached). A merchant SKU received has no listing when none of the Amazon
    SKUs it feeds is a stored listing in the marketplaces read.
    """
    received = set(received)
    sent = {sku_map.merchant_of(sku) for sku in received}
    listed = {listing.sku for found in listings.values() for listing in found}
    no_source = [
        {
            "marketplace_id": marketplace_id,
            "amazon_sku": listing.sku,
            "merchant_sku": sku_map.merchant_of(listing.sku),
            "mapped": sku_map.is_mapped(listing.sku),
        }
        for marketplace_id, found in listings.items()
        for listing in found
        if _has_offer(listing) and sku_map.merchant_of(listing.sku) not in sent
    ]
    no_listing = [
        {"merchant_sku": merchant_sku, "amazon_skus": list(sku_map.amazon_skus_for(merchant_sku))}
        for merchant_sku in sorted(sent)
        if not listed.intersection(sku_map.amazon_skus_for(merchant_sku))
    ]
    return {"amazon_skus_without_source": no_source, "merchant_skus_without_listing": no_listing}


def print_mapped(connection_id: str, amazon_sku: str, merchant_sku: str, written: MapWrite, as_json: bool) -> None:
    """`listings map A M`: what was written (--json: as JSON)."""
    if as_json:
        print_json(
            {"connection_id": connection_id, "amazon_sku": amazon_sku, "merchant_sku": merchant_sku}
            | {"previous": written.previous, "written": written.written}
        )
        return
    was = f" (was {cell(written.previous)})" if written.previous and written.written else ""
    if amazon_sku == merchant_sku:
        text = f"{cell(amazon_sku)} answers to its own SKU{was}"
    else:
        text = f"Amazon SKU {cell(amazon_sku)} is fed by merchant SKU {cell(merchant_sku)}{was}"
    console.print(text + ("" if written.written else " (already so: nothing written)"), highlight=False)


def print_csv_report(report: dict[str, Any]) -> None:
    """`listings map --csv`: the invalid rows (nothing written), or the counts."""
    invalid = [[r["row"], cell(r["amazon_sku"]), cell(r["reason"])] for r in report["invalid_rows"]]
    if invalid:
        console.print(table("Invalid rows", ["row", "amazon_sku", "reason"], invalid, no_wrap=["row", "amazon_sku"]))
        console.print(f"[red]{len(invalid)} invalid row(s) of {report['rows']}: nothing was written")
        return
    counts = ", ".join(f"{k} {report[k]}" for k in ("mapped", "removed", "unchanged"))
    console.print(f"{report['rows']} row(s) for {report['connection_id']}: {counts}", highlight=False)
