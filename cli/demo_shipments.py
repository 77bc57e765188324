"""The demo report's shipments part: each package as the warehouse named it, as sent, and as Amazon holds it."""

from typing import TYPE_CHECKING

from cli.render import cell, console, mark, table

if TYPE_CHECKING:
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
