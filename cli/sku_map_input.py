"""`sellersync listings map|unmap|unmapped`: the SKU map from the command line or a CSV file, and what has no source.

A CSV (`amazon_sku,merchant_sku`) is all-or-nothing: every row is validated first (both SKUs valid seller SKUs, an
Amazon SKU named once), and one invalid row means nothing is written, every invalid row reported with its line.
A valid file is then written row by row, each a conditional write (re-running the same file writes nothing), so an
interrupted run is finished by running it again. A row mapping a SKU to itself stores an explicit identity.

A merchant SKU that is itself a stored listing keeps its own stock when SKUs are first mapped to it: the command maps
it to itself as well (`own_names_kept`), since once SKUs are mapped to a merchant SKU its own name is fed only when
mapped to itself (shared/models/sku_map.py says why).

`unmapped` compares three reads: the stored listings per marketplace (merchant-fulfilled, not variation parents:
those have no offer to feed), the SKUs the inventory state holds (what records reached, already per Amazon SKU) and
the map. Both follow `SkuMap.feeder`, the exact inverse of the fan-out the input function applies (docs/catalog.md).
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
    from shared.models.connection import Connection
    from shared.repositories.listings import ListingsRepository
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
    unchanged: int = 0  # already so: nothing written
    kept_own: int = 0  # a listed merchant SKU mapped to itself, to keep its own stock

    def as_dict(self) -> dict[str, int]:
        """For --json."""
        return {"mapped": self.mapped, "unchanged": self.unchanged, "kept_own": self.kept_own}


def own_names_kept(
    pairs: Sequence[tuple[str, str]], sku_map: SkuMap, is_listed: Callable[[str], bool]
) -> list[tuple[str, str]]:
    """The identities (M, M) to add: each merchant SKU M of the pairs that no pair maps as an Amazon SKU, that has no
    mapping and nothing mapped to it yet (its own name is fed now), and that is a stored listing."""
    named = {amazon_sku for amazon_sku, _ in pairs}
    merchants = sorted({m for a, m in pairs if a != m} - named)
    return [(m, m) for m in merchants if not sku_map.is_mapped(m) and sku_map.feeder(m) == m and is_listed(m)]


def map_around(repo: SkuMapRepository, connection_id: str, merchant_sku: str) -> SkuMap:
    """The part of the map `own_names_kept` asks about for one merchant SKU: its own mapping and the SKUs mapped to
    it (a GetItem and a gsi1 Query, not the whole map)."""
    own = repo.get(connection_id, merchant_sku)
    mapped = [(amazon_sku, merchant_sku) for amazon_sku in repo.amazon_skus_mapped_to(connection_id, merchant_sku)]
    return SkuMap(mapped + ([(merchant_sku, own.merchant_sku)] if own else []))


def write_mappings(
    repo: SkuMapRepository,
    connection_id: str,
    pairs: Sequence[tuple[str, str]],
    now: datetime,
    kept: Sequence[tuple[str, str]] = (),
    advance: Callable[[], None] = lambda: None,
) -> MapCounts:
    """One conditional write per pair and per kept identity (see the module doc), counted."""
    counts = MapCounts()
    for amazon_sku, merchant_sku in pairs:
        if repo.put(connection_id, amazon_sku, merchant_sku, now).written:
            counts.mapped += 1
        else:
            counts.unchanged += 1
        advance()
    for own, _ in kept:
        counts.kept_own += repo.put(connection_id, own, own, now).written
        advance()
    return counts


def listed_lookup(repo: ListingsRepository, chosen: Connection, whole: bool) -> Callable[[str], bool]:
    """Whether a SKU is a stored listing in any of the connection's marketplaces: a GetItem per marketplace, or (for a
    file) every stored SKU read once (a keys-only Query per marketplace)."""
    connection_id = chosen.connection_id
    if not whole:
        return lambda sku: any(repo.get(connection_id, m, sku) is not None for m in chosen.marketplace_ids)
    listed: set[str] = set()
    for marketplace_id in chosen.marketplace_ids:
        listed.update(repo.skus(connection_id, marketplace_id))
    return listed.__contains__


def _has_offer(listing: Listing) -> bool:
    return not listing.is_parent and listing.fulfillment_channel is FulfillmentChannel.MERCHANT


def unmapped_report(
    listings: Mapping[str, Sequence[Listing]], received: Iterable[str], sku_map: SkuMap
) -> dict[str, Any]:
    """Amazon SKUs with no stock source and merchant SKUs with no listing (see the module doc).

    Received SKUs (the inventory state's, per Amazon SKU) count for the merchant SKU that feeds them now. An Amazon SKU
    has a source when its feeder was received; a merchant SKU received has no listing when none of the Amazon SKUs it
    feeds is a stored listing in the marketplaces read.
    """
    sent = {feeder for sku in received if (feeder := sku_map.feeder(sku)) is not None}
    listed = {listing.sku for found in listings.values() for listing in found}
    no_source = [
        {
            "marketplace_id": marketplace_id,
            "amazon_sku": listing.sku,
            "merchant_sku": sku_map.feeder(listing.sku),
            "mapped": sku_map.is_mapped(listing.sku),
        }
        for marketplace_id, found in listings.items()
        for listing in found
        if _has_offer(listing) and sku_map.feeder(listing.sku) not in sent
    ]
    no_listing = [
        {"merchant_sku": merchant_sku, "amazon_skus": list(sku_map.amazon_skus_for(merchant_sku))}
        for merchant_sku in sorted(sent)
        if not listed.intersection(sku_map.amazon_skus_for(merchant_sku))
    ]
    return {"amazon_skus_without_source": no_source, "merchant_skus_without_listing": no_listing}


def print_mapped(
    connection_id: str, amazon_sku: str, merchant_sku: str, written: MapWrite, kept_own: bool, as_json: bool
) -> None:
    """`listings map A M`: what was written (--json: as JSON)."""
    if as_json:
        print_json(
            {"connection_id": connection_id, "amazon_sku": amazon_sku, "merchant_sku": merchant_sku}
            | {"previous": written.previous, "written": written.written, "kept_own": kept_own}
        )
        return
    was = f" (was {cell(written.previous)})" if written.previous and written.written else ""
    text = f"Amazon SKU {cell(amazon_sku)} is fed by merchant SKU {cell(merchant_sku)}{was}"
    console.print(text + ("" if written.written else " (already so: nothing written)"), highlight=False)
    if kept_own:
        console.print(
            f"{cell(merchant_sku)} is a listing too: mapped to itself, so it keeps its own stock "
            f"(sellersync listings unmap {cell(merchant_sku)} to stop feeding it)",
            highlight=False,
        )


def print_csv_report(report: dict[str, Any]) -> None:
    """`listings map --csv`: the invalid rows (nothing written), or the counts."""
    invalid = [[r["row"], cell(r["amazon_sku"]), cell(r["reason"])] for r in report["invalid_rows"]]
    if invalid:
        console.print(table("Invalid rows", ["row", "amazon_sku", "reason"], invalid, no_wrap=["row", "amazon_sku"]))
        console.print(f"[red]{len(invalid)} invalid row(s) of {report['rows']}: nothing was written")
        return
    counts = ", ".join(f"{k.replace('_', ' ')} {report[k]}" for k in ("mapped", "unchanged", "kept_own"))
    console.print(f"{report['rows']} row(s) for {report['connection_id']}: {counts}", highlight=False)
