"""The demo report's shipments and catalog parts: each package as the warehouse named it, as sent, and as Amazon
holds it; each marketplace's imported catalog."""

from typing import TYPE_CHECKING

from rich.columns import Columns
from rich.tree import Tree

from cli.render import cell, console, mark, table

if TYPE_CHECKING:
    from local.demo_catalog import CatalogImported
    from local.demo_shipments import ShipmentsRun


def print_shipments(run: "ShipmentsRun | None") -> None:
    """The packages table and the cancellation line."""
    if run is None:
        return
    if not run.rows:
        console.print(f"[red]Shipments step failed: {run.error}[/red]")
        return
    rows = [
        [
            cell(r.order),
            cell(r.reference),
            cell(r.carrier_given),
            cell(r.carrier_sent),
            cell(r.tracking),
            cell(r.items),
            r.state,
            r.amazon_status,
            mark(r.at_amazon),
        ]
        for r in run.rows
    ]
    headers = ["order", "package", "carrier given", "sent as", "tracking", "items", "ours", "Amazon order", "held"]
    confirmed = f"all confirmed {run.confirm_seconds} s after the events" if run.confirm_seconds is not None else ""
    console.print(table(f"Shipments: ShipmentCreated events to confirmShipment; {confirmed}", headers, rows))
    settled = f" {run.cancel_seconds} s after the event" if run.cancel_seconds is not None else ""
    console.print(
        f"Cancellation of {run.cancelled_order} ('out of stock' -> {run.cancellation}){settled}; "
        f"Amazon's order is {run.amazon_cancelled}",
        highlight=False,
    )
    if run.error:
        console.print(f"[red]{run.error}[/red]")


def print_catalog(run: "CatalogImported | None") -> None:
    """Per marketplace: the listings imported, by status and channel, the families and starting quantities."""
    if run is None:
        return
    if not run.marketplaces:
        console.print(f"[red]Catalog step failed: {run.error}[/red]")
        return
    rows = []
    for m in run.marketplaces:
        starting = ", ".join(f"{sku} {qty}" for sku, qty in m.starting.items()) or "-"
        statuses = ", ".join(f"{status.lower()} {n}" for status, n in m.by_status.items())
        channels = f"{m.merchant} / {m.amazon}"
        rows.append([m.marketplace, m.listings, statuses, channels, len(m.families), cell(starting)])
    headers = ["mkt", "listings", "status", "merchant / Amazon", "families", "starting quantities (first 5)"]
    counts = ", ".join(f"{k} {v}" for k, v in run.counts.items() if v)
    console.print(table(f"Catalog: All Listings Reports imported in {run.seconds} s ({counts})", headers, rows))
    # Each marketplace's families as trees: the parent SKU, its children with their starting quantities.
    trees = []
    for m in run.marketplaces:
        tree = Tree(f"[bold]{m.marketplace}[/bold] families (child: starting quantity)")
        for parent, children in m.families.items():
            branch = tree.add(parent)
            for child in children:
                branch.add(child)
        trees.append(tree)
    console.print(Columns(trees, padding=(0, 4)))
    if run.error:
        console.print(f"[red]{run.error}[/red]")
