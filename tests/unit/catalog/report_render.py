"""Renders All Listings Reports the way Amazon serves them, for the parser's tests: any header order, the EU alias,
placeholder and unknown columns, Cp1252 with "?" for what it cannot hold, optionally gzip, cut into chunks."""

import gzip
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

ALIASES = {"fulfilment-channel": "fulfillment-channel"}
DOCUMENTED = (
    "item-name",
    "item-description",
    "listing-id",
    "seller-sku",
    "price",
    "quantity",
    "open-date",
    "product-id-type",
    "asin1",
    "product-id",
    "fulfillment-channel",
    "merchant-shipping-group",
    "status",
)


@dataclass(frozen=True)
class Row:
    """One listing as the test means it (before Amazon's Cp1252 substitution)."""

    sku: str
    title: str
    asin: str = "B000000001"
    price: Decimal | None = None
    quantity: int | None = None
    status: str = "Active"
    channel: str = "DEFAULT"


def cp1252(text: str) -> str:
    """What survives Amazon's Cp1252 rendering: every other character becomes "?"."""
    return text.encode("cp1252", errors="replace").decode("cp1252")


def values(row: Row) -> dict[str, str]:
    """The row's cells by documented column name."""
    return {
        "item-name": row.title,
        "listing-id": "0101ABCDEF",
        "seller-sku": row.sku,
        "price": "" if row.price is None else str(row.price),
        "quantity": "" if row.quantity is None else str(row.quantity),
        "open-date": "2026-01-15 10:00:00 GMT",
        "product-id-type": "1",
        "asin1": row.asin,
        "product-id": row.asin,
        "fulfillment-channel": row.channel,
        "merchant-shipping-group": "Migrated Template" if row.channel == "DEFAULT" else "",
        "status": row.status,
    }


def render(rows: Sequence[Row], header: Sequence[str], *, encoding: str = "cp1252", crlf: bool = False) -> bytes:
    """The document: `header` may hold aliases ("fulfilment-channel"), "Deprecated column" and unknown names."""
    canonical = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    end = "\r\n" if crlf else "\n"
    lines = ["\t".join(header)]
    lines += ["\t".join(values(row).get(name, "") for name in canonical) for row in rows]
    return (end.join(lines) + end).encode(encoding, errors="replace")


def chunked(data: bytes, sizes: Sequence[int]) -> Iterator[bytes]:
    """`data` cut at the given sizes in turn (cycled), as a download arrives."""
    position, turn = 0, 0
    while position < len(data):
        size = max(1, sizes[turn % len(sizes)])
        yield data[position : position + size]
        position, turn = position + size, turn + 1


def gzipped(data: bytes) -> bytes:
    """Gzip as Amazon's document store serves it."""
    return gzip.compress(data)
