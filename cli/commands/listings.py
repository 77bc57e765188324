"""`sellersync listings list|show`: the seller's listings as the catalog sync stored them (docs/catalog.md).

Reads only: the listings table, a Query per marketplace (and one per family shown); nothing is asked of Amazon.
Variation families are drawn as trees: a parent with its children under it.
"""

from typing import Annotated, Any

import typer

from cli.connection_choice import resolve_connection
from cli.errors import UsageError, reporting
from cli.listings_views import (
    COLUMNS,
    NO_WRAP,
    detail_rows,
    family_of,
    family_tree,
    marketplaces_of,
    read_listings,
    tree_cells,
)
from cli.options import DEFAULT_STACK_NAME, ConnectionOpt, JsonOpt, LocalOpt, StackOpt
from cli.render import cell, console, print_json, table
from cli.target import resolve_target
from cli.views import country
from cli.wiring import listings_repository
from shared.models.listings import Listing, ListingStatus

app = typer.Typer(help="The imported catalog: the seller's listings per marketplace, as stored.", no_args_is_help=True)

MarketplaceOpt = Annotated[
    str | None, typer.Option("--marketplace", help="Country code (UK, DE, ...) or marketplace id; default: all.")
]
DEFAULT_LIMIT = 200


class ListingNotFoundError(UsageError):
    """No stored listing with this SKU in the marketplaces asked for."""

    def __init__(self, sku: str, connection_id: str, marketplace_ids: list[str]) -> None:
        where = ", ".join(country(m) for m in marketplace_ids)
        super().__init__(
            f"no listing {sku!r} of {connection_id} in {where} (listings appear once the catalog sync imported them; "
            "SKUs are case-sensitive)"
        )


@app.command("list")
def list_listings(
    connection: ConnectionOpt = None,
    marketplace: MarketplaceOpt = None,
    status: Annotated[
        ListingStatus | None, typer.Option(case_sensitive=False, help="Only listings in this status.")
    ] = None,
    family: Annotated[
        str | None, typer.Option("--family", help="Only this parent SKU and its children.", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many listings in all, in SKU order.")] = DEFAULT_LIMIT,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """The stored listings per marketplace in SKU order, variation families as trees (times in UTC)."""
    with reporting():
        target = resolve_target(local, stack_name)
        chosen = resolve_connection(target, connection)
        marketplace_ids = marketplaces_of(chosen, marketplace)
        repo = listings_repository(target)
        found = read_listings(repo, chosen.connection_id, marketplace_ids, status=status, family=family, limit=limit)
    if as_json:
        print_json([listing.model_dump(mode="json") for listings in found.values() for listing in listings])
        return
    total = 0
    for marketplace_id, listings in found.items():
        total += len(listings)
        if not listings:
            continue
        title = f"Listings of {chosen.connection_id} in {country(marketplace_id)} ({marketplace_id})"
        title += (f", {status.value}" if status else "") + (f", family {family}" if family else "")
        rows = [tree_cells(row) for row in family_tree(listings)]
        console.print(table(title, COLUMNS, rows, no_wrap=NO_WRAP))
    per_marketplace = ", ".join(f"{country(m)} {len(ls)}" for m, ls in found.items())
    summary = f"{total} listing(s): {per_marketplace}"
    if total >= limit:
        summary += f" (the first {limit}; --limit shows more)"
    elif total == 0 and status is None and family is None:
        summary += f" (the catalog sync imports them: sellersync sync catalog --connection {chosen.connection_id})"
    console.print(summary, highlight=False)


def show_report(found: list[tuple[Listing, dict[str, Any]]]) -> list[dict[str, Any]]:
    """`listings show --json`: per marketplace, the listing and its family."""
    return [{"listing": listing.model_dump(mode="json"), "family": family} for listing, family in found]


@app.command("show")
def show(
    sku: Annotated[str, typer.Argument(help="Seller SKU (case-sensitive).", show_default=False)],
    connection: ConnectionOpt = None,
    marketplace: MarketplaceOpt = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """One SKU in every marketplace it is listed in: every field, Amazon's issues and its variation family."""
    with reporting():
        target = resolve_target(local, stack_name)
        chosen = resolve_connection(target, connection)
        marketplace_ids = marketplaces_of(chosen, marketplace)
        repo = listings_repository(target)
        listings = [listing for m in marketplace_ids if (listing := repo.get(chosen.connection_id, m, sku)) is not None]
        if not listings:
            raise ListingNotFoundError(sku, chosen.connection_id, marketplace_ids)
        found = [(listing, family_of(repo, listing)) for listing in listings]
    if as_json:
        print_json(show_report(found))
        return
    for listing, family in found:
        _print_listing(listing, family)


def _family_text(listing: Listing, family: dict[str, Any]) -> str | None:
    more = " and more" if family["more"] else ""
    if listing.is_parent:
        return f"parent of {len(family['children'])} child(ren){more}: " + (cell(family["children"]) or "-")
    if family["parent"] is None:
        return None
    stored = "" if family["parent_stored"] else " (not stored)"
    siblings = cell(family["siblings"]) if family["siblings"] else "none"
    return f"child of {cell(family['parent'])}{stored}; siblings{more}: {siblings}"


def _print_listing(listing: Listing, family: dict[str, Any]) -> None:
    rows = detail_rows(listing)
    text = _family_text(listing, family)
    if text is not None:
        rows.append(["family", text])
    title = f"Listing {cell(listing.sku)} of {listing.connection_id} in {country(listing.marketplace_id)}"
    console.print(table(title, ["field", "value"], rows, no_wrap={"field"}))
    if listing.issues:
        issues = [[cell(i.severity), cell(i.code), cell(i.message)] for i in listing.issues]
        console.print(table(f"Issues ({len(issues)})", ["severity", "code", "message"], issues))
    else:
        console.print("No issues reported by Amazon.", highlight=False)
