"""`sellersync shipments confirm|import`: packages from the command line or a CSV file, as `ShipmentCreated` details.

A CSV has one row per package line: the package's columns (connection_id, order_id, reference, carrier,
tracking_number, and optionally service, ship_date, ship_from) repeat on each of its lines, and each line names a
`sku` or an `order_item_id` with its `quantity`. Rows are grouped by (connection, order, reference) into one package;
a package whose rows disagree on a package column, or a row that does not parse, is reported with its line number and
not sent. A package row with neither sku nor order_item_id (and no quantity) ships every unshipped unit of the order.
"""

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from cli.errors import UsageError
from shared.models.shipments import ShipmentCreated

REQUIRED_COLUMNS = ("connection_id", "order_id", "reference", "carrier", "tracking_number")
PACKAGE_COLUMNS = (*REQUIRED_COLUMNS, "service", "ship_date", "ship_from")
LINE_COLUMNS = ("sku", "order_item_id", "quantity")
_WIRE = {
    "connection_id": "connectionId",
    "order_id": "orderId",
    "reference": "reference",
    "carrier": "carrier",
    "tracking_number": "trackingNumber",
    "service": "service",
    "ship_date": "shipDate",
    "ship_from": "shipFromSupplySourceId",
}


class CsvFormatError(UsageError):
    """The file cannot be read as a shipments CSV (nothing was sent)."""


@dataclass(frozen=True)
class InvalidPackage:
    """A package that was not sent: the file lines it came from (the header is line 1), its reference, and why."""

    lines: tuple[int, ...]
    order_id: str
    reference: str
    reason: str


@dataclass
class ParsedShipments:
    """The valid packages and the refused ones of a CSV file."""

    rows: int = 0
    packages: list[ShipmentCreated] = field(default_factory=list)
    invalid: list[InvalidPackage] = field(default_factory=list)
    # The file lines of each valid package, by (connection id, order id, reference): a refusal names them too.
    lines: dict[tuple[str, str, str], tuple[int, ...]] = field(default_factory=dict)

    def lines_of(self, package: ShipmentCreated) -> str:
        """The file lines a package came from, as the refusals list them ("2, 3")."""
        return ", ".join(map(str, self.lines.get((package.connection_id, package.order_id, package.reference), ())))


def parse_items(items: Sequence[str]) -> list[dict[str, Any]]:
    """`--item SKU=QTY` options as wire items; an all-digit key longer than 10 digits is an order item id only when
    written `id:NNN=QTY`. Raises UsageError naming the bad option."""
    parsed = []
    for text in items:
        key, sep, quantity = text.rpartition("=")
        if not sep or not key.strip() or not quantity.strip().isdigit():
            raise UsageError(f"--item {text!r}: write SKU=QTY (or id:ORDER_ITEM_ID=QTY), QTY a whole number")
        name = "orderItemId" if key.startswith("id:") else "sku"
        parsed.append({name: key.removeprefix("id:").strip(), "quantity": int(quantity)})
    return parsed


def shipment(raw: Mapping[str, Any]) -> ShipmentCreated | str:
    """The package, or the first validation problem as one line."""
    try:
        return ShipmentCreated.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])


def parse_csv(lines: Iterable[str]) -> ParsedShipments:
    """Every package of a shipments CSV, grouped from its rows; raises CsvFormatError for a file without the columns."""
    reader = csv.DictReader(lines)
    columns = {(name or "").strip() for name in reader.fieldnames or []}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise CsvFormatError(f"the CSV has no {', '.join(missing)} column(s); expected {', '.join(PACKAGE_COLUMNS)}")
    if "quantity" not in columns and ({"sku", "order_item_id"} & columns):
        raise CsvFormatError("a CSV naming items needs a quantity column")
    result = ParsedShipments()
    groups: dict[tuple[str, str, str], list[tuple[int, dict[str, str]]]] = {}
    for number, row in enumerate(reader, start=2):
        result.rows += 1
        clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
        key = (clean.get("connection_id", ""), clean.get("order_id", ""), clean.get("reference", ""))
        groups.setdefault(key, []).append((number, clean))
    for (_, order_id, reference), rows in groups.items():
        built = _package(rows)
        if isinstance(built, ShipmentCreated):
            result.packages.append(built)
            result.lines[(built.connection_id, built.order_id, built.reference)] = tuple(n for n, _ in rows)
        else:
            result.invalid.append(InvalidPackage(tuple(n for n, _ in rows), order_id, reference, built))
    return result


def _package(rows: list[tuple[int, dict[str, str]]]) -> ShipmentCreated | str:
    first_line, first = rows[0]
    for number, row in rows[1:]:
        differing = [c for c in PACKAGE_COLUMNS if row.get(c, "") != first.get(c, "")]
        if differing:
            return f"line {number}: {', '.join(differing)} differ(s) from line {first_line} of the same package"
    raw: dict[str, Any] = {_WIRE[c]: first[c] for c in PACKAGE_COLUMNS if first.get(c)}
    items = []
    for number, row in rows:
        line = _item(row)
        if isinstance(line, str):
            return f"line {number}: {line}"
        if line is not None:
            items.append(line)
    if items and len(items) != len(rows):
        return "a package lists items on some lines only: name an item on every line, or on none"
    raw["items"] = items
    return shipment(raw)


def _item(row: Mapping[str, str]) -> dict[str, Any] | str | None:
    sku, item_id, quantity = (row.get(c, "") for c in LINE_COLUMNS)
    if not sku and not item_id:
        return None if not quantity else "a quantity needs a sku or an order_item_id"
    if sku and item_id:
        return "name the sku or the order_item_id, not both"
    if not quantity.isdigit():
        return f"quantity {quantity!r} is not a whole number"
    return {"sku": sku, "quantity": int(quantity)} if sku else {"orderItemId": item_id, "quantity": int(quantity)}
