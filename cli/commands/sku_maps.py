"""`sellersync listings unmapped|mappings`: what the SKU map leaves without a source, and the map itself
(docs/catalog.md, "SKU mapping"). Read only: the listings table (listings and the map) and the inventory state.
Registered on the `listings` group (cli/commands/listings.py)."""

from typing import Annotated, Any

import typer

from cli.connection_choice import target_and_connection
from cli.errors import reporting
from cli.listings_views import marketplaces_of
from cli.options import DEFAULT_STACK_NAME, ConnectionOpt, JsonOpt, LocalOpt, StackOpt
from cli.render import cell, console, print_json, table
from cli.sku_map_input import unmapped_report
from cli.views import country
from cli.wiring import inventory_repository, listings_repository, sku_map_repository

MarketplaceOpt = Annotated[
    str | None, typer.Option("--marketplace", help="Country code (UK, DE, ...) or marketplace id; default: all.")
]
MerchantOpt = Annotated[
    str | None, typer.Option("--merchant-sku", help="Only the Amazon SKUs this merchant SKU feeds.")
]


def mappings(
    connection: ConnectionOpt = None,
    merchant_sku: MerchantOpt = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Every stored mapping of the connection (Amazon SKU -> merchant SKU), in Amazon SKU order; an Amazon SKU not
    listed answers to its own SKU."""
    with reporting():
        target, chosen = target_and_connection(local, stack_name, connection)
        found = [
            m
            for m in sku_map_repository(target).list_mappings(chosen.connection_id)
            if merchant_sku is None or m.merchant_sku == merchant_sku
        ]
    if as_json:
        rows = [m.model_dump(mode="json", exclude={"connection_id"}) for m in found]
        print_json({"connection_id": chosen.connection_id, "mappings": rows})
        return
    rows_shown = [
        [cell(m.amazon_sku), cell(m.merchant_sku) + (" (itself)" if m.amazon_sku == m.merchant_sku else "")]
        for m in found
    ]
    if rows_shown:
        console.print(table(f"SKU map of {chosen.connection_id}", ["amazon_sku", "merchant_sku"], rows_shown))
    console.print(f"{len(found)} mapping(s); every other Amazon SKU answers to its own SKU", highlight=False)


def unmapped(
    connection: ConnectionOpt = None,
    marketplace: MarketplaceOpt = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Merchant-fulfilled Amazon SKUs no merchant SKU feeds yet, and merchant SKUs sent that reach no listing."""
    with reporting():
        target, chosen = target_and_connection(local, stack_name, connection)
        marketplace_ids = marketplaces_of(chosen, marketplace)
        repo = listings_repository(target)
        found = {m: list(repo.list(chosen.connection_id, m)) for m in marketplace_ids}
        received = inventory_repository(target).iter_buckets(chosen.connection_id)
        skus = (sku for _, stored in received for sku in stored.bucket.skus)
        report = unmapped_report(found, skus, sku_map_repository(target).load(chosen.connection_id))
    if as_json:
        print_json({"connection_id": chosen.connection_id} | report)
        return
    no_source = [
        [country(r["marketplace_id"]), cell(r["amazon_sku"]), _merchant_cell(r)]
        for r in report["amazon_skus_without_source"]
    ]
    no_listing = [[cell(r["merchant_sku"]), cell(r["amazon_skus"])] for r in report["merchant_skus_without_listing"]]
    if no_source:
        title = "Amazon SKUs with no stock source (no record of their merchant SKU received)"
        console.print(table(title, ["marketplace", "amazon_sku", "merchant_sku"], no_source))
    if no_listing:
        title = "Merchant SKUs received that reach no stored listing"
        console.print(table(title, ["merchant_sku", "amazon_skus fed"], no_listing))
    console.print(
        f"{len(no_source)} Amazon SKU(s) without a source, {len(no_listing)} merchant SKU(s) without a listing",
        highlight=False,
    )


def _merchant_cell(row: dict[str, Any]) -> str:
    if row["merchant_sku"] is None:
        return "none (SKUs are mapped to its name)"
    return cell(row["merchant_sku"]) + ("" if row["mapped"] else " (own SKU)")
