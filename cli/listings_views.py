"""What `sellersync listings list|show` read and how they lay it out: the marketplaces asked for, families as trees,
one listing's every field.

The `start` column is the quantity a SKU the merchant never sent starts from in inventory with the connection setting
`seed_inventory_from_amazon` (shared/models/listings.starting_quantity: Amazon's quantity of a merchant-fulfilled
offer); an Amazon-fulfilled listing shows NOT_PUSHED, "never" (inventory never pushes it stock), a parent nothing.

Reading stays a few queries: a marketplace's listings are one paginated Query of its partition (bounded by --limit),
a family one Query of gsi1. Families are drawn from what was read: a child is shown under its parent when the parent
is among the listings shown, else on its own row naming its parent (a --status filter or the limit may leave the
parent out).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cli.errors import UsageError
from cli.render import cell
from cli.views import country
from shared.models.connection import Connection
from shared.models.listings import FulfillmentChannel, Listing, ListingStatus, starting_quantity
from shared.spapi.marketplaces import UnknownMarketplaceError, marketplace_by_country, marketplace_by_id

if TYPE_CHECKING:
    from shared.repositories.listings import ListingsRepository

COLUMNS = ["sku", "asin", "title", "status", "channel", "qty", "start", "price", "handling", "last changed"]
# The `start` cell of an Amazon-fulfilled listing: inventory never pushes it stock (docs/inventory.md).
NOT_PUSHED = "never"
NO_WRAP = {"sku", "asin", "status", "channel", "last changed"}
# Titles are cut to this many characters in the list (`listings show` prints them whole): every row on one line of a
# 160-column terminal.
TITLE_WIDTH = 32
# A family shown by `listings show` names at most this many of its other members.
FAMILY_SHOWN = 100


def marketplaces_of(connection: Connection, marketplace: str | None) -> list[str]:
    """The connection's marketplaces to read: all of them, or the one named by id or country code (UsageError when it
    is unknown or not one of the connection's)."""
    if marketplace is None:
        return list(connection.marketplace_ids)
    found = None
    for lookup in (marketplace_by_id, marketplace_by_country):
        try:
            found = lookup(marketplace).id
            break
        except UnknownMarketplaceError:
            continue
    if found is None:
        raise UsageError(f"unknown marketplace {marketplace!r}: give its country code (UK, DE, ...) or its id")
    if found not in connection.marketplace_ids:
        held = ", ".join(country(m) for m in connection.marketplace_ids)
        raise UsageError(f"{connection.connection_id} does not sell in {country(found)} ({found}); it sells in {held}")
    return [found]


@dataclass(frozen=True)
class TreeRow:
    """One row of the list: a listing and where it sits in its family tree."""

    listing: Listing
    depth: int  # 0: a parent, a standalone listing or a child shown without its parent; 1: under its parent
    last: bool = False  # the parent's last child shown


def family_tree(listings: Sequence[Listing]) -> list[TreeRow]:
    """The listings in their order, each shown child moved under its parent (children in their order)."""
    shown = {listing.sku for listing in listings}
    children: dict[str, list[Listing]] = {}
    for listing in listings:
        if listing.parent_sku is not None and listing.parent_sku in shown:
            children.setdefault(listing.parent_sku, []).append(listing)
    rows: list[TreeRow] = []
    for listing in listings:
        if listing.parent_sku is not None and listing.parent_sku in shown:
            continue
        rows.append(TreeRow(listing, 0))
        kids = children.get(listing.sku, [])
        rows += [TreeRow(child, 1, last=i == len(kids) - 1) for i, child in enumerate(kids)]
    return rows


def _short(text: str | None, width: int = TITLE_WIDTH) -> str | None:
    if text is None or len(text) <= width:
        return text
    return text[: width - 1] + "…"


def price_text(listing: Listing) -> str | None:
    """The price with its currency, at least two decimals whatever the stored spelling (12.5 -> 12.50)."""
    if listing.price is None:
        return None
    price = listing.price.normalize()
    shown = price if price.as_tuple().exponent <= -2 else price.quantize(Decimal("0.01"))  # type: ignore[operator]
    return f"{shown:f} {listing.currency}"


def start_text(listing: Listing) -> str | None:
    """The starting quantity as the list shows it (see the module doc); None where there is none."""
    if listing.fulfillment_channel is FulfillmentChannel.AMAZON and not listing.is_parent:
        return NOT_PUSHED
    quantity = starting_quantity(listing)
    return None if quantity is None else str(quantity)


def offer_cells(listing: Listing) -> list[str]:
    """Quantity, starting quantity, price with currency, handling days."""
    price = price_text(listing)
    handling = None if listing.handling_days is None else f"{listing.handling_days} d"
    return [cell(listing.quantity), cell(start_text(listing)), cell(price), cell(handling)]


def sku_text(row: TreeRow) -> str:
    """The SKU as the tree shows it: children indented under their parent, a parent marked, an orphan naming its
    parent."""
    listing = row.listing
    if row.depth:
        return ("└─ " if row.last else "├─ ") + cell(listing.sku)
    if listing.is_parent:
        return cell(listing.sku) + " (parent)"
    if listing.parent_sku is not None:
        return cell(listing.sku) + f" (child of {cell(listing.parent_sku)})"
    return cell(listing.sku)


def tree_cells(row: TreeRow) -> list[str]:
    """One row of the list's table (COLUMNS)."""
    listing = row.listing
    return [
        sku_text(row),
        cell(listing.asin),
        cell(_short(listing.title)),
        cell(listing.status.value),
        cell(listing.fulfillment_channel.value.lower()),
        *offer_cells(listing),
        cell(listing.last_changed),
    ]


def read_listings(
    repo: "ListingsRepository",
    connection_id: str,
    marketplace_ids: Iterable[str],
    *,
    status: ListingStatus | None = None,
    family: str | None = None,
    limit: int,
) -> dict[str, list[Listing]]:
    """Per marketplace, its listings in SKU order (with --family: the parent first, then its children), at most
    `limit` in all."""
    found: dict[str, list[Listing]] = {}
    left = limit
    for marketplace_id in marketplace_ids:
        listings: list[Listing] = []
        if family is not None and left > 0:
            parent = repo.get(connection_id, marketplace_id, family)
            if parent is not None and (status is None or parent.status == status):
                listings.append(parent)
        if left - len(listings) > 0:
            listings += repo.list(
                connection_id, marketplace_id, status=status, family=family, limit=left - len(listings)
            )
        found[marketplace_id] = listings
        left -= len(listings)
    return found


def family_of(repo: "ListingsRepository", listing: Listing) -> dict[str, Any]:
    """`listings show`'s family of a listing: its parent and siblings (a child), or its children (a parent)."""
    cid, mkt = listing.connection_id, listing.marketplace_id
    if listing.is_parent:
        children = [c.sku for c in repo.list(cid, mkt, family=listing.sku, limit=FAMILY_SHOWN + 1)]
        return {
            "parent": None,
            "siblings": [],
            "children": children[:FAMILY_SHOWN],
            "more": len(children) > FAMILY_SHOWN,
        }
    if listing.parent_sku is None:
        return {"parent": None, "siblings": [], "children": [], "more": False}
    parent = repo.get(cid, mkt, listing.parent_sku)
    members = [c.sku for c in repo.list(cid, mkt, family=listing.parent_sku, limit=FAMILY_SHOWN + 2)]
    siblings = [sku for sku in members if sku != listing.sku]
    return {
        "parent": listing.parent_sku,
        "parent_stored": parent is not None,
        "siblings": siblings[:FAMILY_SHOWN],
        "children": [],
        "more": len(siblings) > FAMILY_SHOWN,
    }


def detail_rows(listing: Listing) -> list[list[str]]:
    """Every field of a listing as (field, value) rows."""
    rows = [["marketplace", f"{country(listing.marketplace_id)} ({listing.marketplace_id})"]]
    for name in ("sku", "asin", "title", "status", "fulfillment_channel", "quantity"):
        value = getattr(listing, name)
        rows.append([name.replace("_", " "), cell(getattr(value, "value", value))])
    rows.append(["starting quantity", cell(start_text(listing))])
    rows.append(["price", cell(price_text(listing))])
    rows.append(["handling days", cell(listing.handling_days)])
    rows.append(["variation parent", "yes" if listing.is_parent else "no"])
    for name in ("parent_sku", "variation_theme", "first_seen", "last_changed"):
        rows.append([name.replace("_", " "), cell(getattr(listing, name))])
    return rows
