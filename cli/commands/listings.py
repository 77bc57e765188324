"""`sellersync listings list|show`: the seller's listings as the catalog sync stored them (docs/catalog.md); and
`listings map|unmap|unmapped|mappings`: the SKU map (Amazon SKU -> merchant SKU, cli/sku_map_input.py).

list and show read only: the listings table, a Query per marketplace (and one per family shown); nothing is asked of
Amazon. Variation families are drawn as trees: a parent with its children under it.
"""

from functools import partial
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cli.commands.sku_maps import MarketplaceOpt, mappings, unmapped
from cli.connection_choice import target_and_connection
from cli.errors import FAILURE_EXIT, UsageError, reporting
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
from cli.render import cell, console, err_console, print_json, table
from cli.sku_map_input import (
    check_sku,
    listed_lookup,
    map_around,
    own_names_kept,
    print_csv_report,
    print_mapped,
    read_map_csv,
    write_mappings,
)
from cli.target import Target
from cli.views import country
from cli.wiring import listings_repository, sku_map_repository
from shared.clock import utc_now
from shared.models.connection import Connection
from shared.models.listings import Listing, ListingStatus

app = typer.Typer(help="The imported catalog: the seller's listings per marketplace, as stored.", no_args_is_help=True)

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
        target, chosen = target_and_connection(local, stack_name, connection)
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
        target, chosen = target_and_connection(local, stack_name, connection)
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


AmazonSkuArg = Annotated[str | None, typer.Argument(help="Amazon seller SKU (case-sensitive).", show_default=False)]
MerchantSkuArg = Annotated[str | None, typer.Argument(help="The merchant's SKU that feeds it.", show_default=False)]
# Progress bar from this many CSV rows on (one conditional write each).
PROGRESS_FROM = 200


@app.command("map")
def map_skus(
    amazon_sku: AmazonSkuArg = None,
    merchant_sku: MerchantSkuArg = None,
    csv_file: Annotated[
        str | None, typer.Option("--csv", help="CSV with the header amazon_sku,merchant_sku.", show_default=False)
    ] = None,
    connection: ConnectionOpt = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Feed an Amazon SKU from a merchant SKU, or every row of a CSV file; a merchant SKU that is a listing too is
    mapped to itself, so it keeps its own stock. A CSV is checked whole first: one invalid row and nothing is written
    (exit 1)."""
    with reporting():
        single = amazon_sku is not None and merchant_sku is not None
        if (csv_file is None) != single or (csv_file is not None and amazon_sku is not None):
            raise UsageError("give AMAZON_SKU MERCHANT_SKU, or --csv FILE")
        target, chosen = target_and_connection(local, stack_name, connection)
        if amazon_sku is not None and merchant_sku is not None:
            problem = check_sku(amazon_sku, "AMAZON_SKU") or check_sku(merchant_sku, "MERCHANT_SKU")
            if problem:
                raise UsageError(problem)
            repo, now, pair = sku_map_repository(target), utc_now(), (amazon_sku, merchant_sku)
            kept = own_names_kept(
                [pair],
                map_around(repo, chosen.connection_id, merchant_sku),
                listed_lookup(listings_repository(target), chosen, whole=False),
            )
            written = repo.put(chosen.connection_id, amazon_sku, merchant_sku, now)
            kept_own = bool(kept) and repo.put(chosen.connection_id, merchant_sku, merchant_sku, now).written
            print_mapped(chosen.connection_id, amazon_sku, merchant_sku, written, kept_own, as_json)
            return
        parsed = read_map_csv(str(csv_file))
        report: dict[str, Any] = {"connection_id": chosen.connection_id, "rows": parsed.rows}
        if not parsed.invalid:
            report |= _write_csv(target, chosen, parsed.pairs, show=len(parsed.pairs) >= PROGRESS_FROM)
    report["invalid_rows"] = [{"row": r.row, "amazon_sku": r.amazon_sku, "reason": r.reason} for r in parsed.invalid]
    if as_json:
        print_json(report)
    else:
        print_csv_report(report)
    if parsed.invalid:
        raise typer.Exit(FAILURE_EXIT)


def _write_csv(target: Target, chosen: Connection, pairs: list[tuple[str, str]], show: bool) -> dict[str, int]:
    repo = sku_map_repository(target)
    kept = own_names_kept(
        pairs, repo.load(chosen.connection_id), listed_lookup(listings_repository(target), chosen, whole=True)
    )
    columns = (TextColumn("mapping"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True, disable=not show) as progress:
        task = progress.add_task("map", total=len(pairs) + len(kept))
        advance = partial(progress.advance, task)
        counts = write_mappings(repo, chosen.connection_id, pairs, utc_now(), kept, advance=advance)
    return counts.as_dict()


@app.command("unmap")
def unmap(
    amazon_sku: Annotated[str, typer.Argument(help="Amazon seller SKU (case-sensitive).", show_default=False)],
    connection: ConnectionOpt = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Remove an Amazon SKU's mapping: it answers to its own SKU again (nothing to remove is not an error)."""
    with reporting():
        target, chosen = target_and_connection(local, stack_name, connection)
        previous = sku_map_repository(target).remove(chosen.connection_id, amazon_sku)
    if as_json:
        print_json({"connection_id": chosen.connection_id, "amazon_sku": amazon_sku, "removed": previous})
        return
    text = f"was fed by {cell(previous)}" if previous else "had no mapping"
    console.print(f"{cell(amazon_sku)} answers to its own SKU ({text})", highlight=False)


app.command("unmapped")(unmapped)
app.command("mappings")(mappings)
