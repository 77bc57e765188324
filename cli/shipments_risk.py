"""`sellersync shipments status --at-risk`: open orders near or past their latest ship date, not fully confirmed."""

from datetime import datetime
from typing import Any

from cli.render import cell, console, table
from cli.target import Target
from cli.wiring import orders_repository, shipments_repository
from shared.shipments.risk import connection_at_risk


def at_risk_rows(target: Target, connection_id: str, now: datetime) -> list[dict[str, Any]]:
    """The connection's orders at risk, soonest latest ship date first."""
    rows = connection_at_risk(connection_id, orders_repository(target), shipments_repository(target), now)
    return [
        {
            "order_id": row.order_id,
            "latest_ship_date": row.latest_ship_date.isoformat(),
            "units_unconfirmed": row.units_unconfirmed,
            "prime": row.prime,
            "overdue": row.overdue,
        }
        for row in rows
    ]


def print_at_risk(rows: list[dict[str, Any]], connection_id: str) -> None:
    """The rows as a table, overdue first in red."""
    if not rows:
        console.print(f"No order of {connection_id} is at risk of shipping late.", highlight=False)
        return
    cells = [
        [
            cell(r["order_id"]),
            ("[red]" if r["overdue"] else "") + cell(r["latest_ship_date"]) + ("[/red]" if r["overdue"] else ""),
            cell(r["units_unconfirmed"]),
            "Prime" if r["prime"] else "",
            "OVERDUE" if r["overdue"] else "due soon",
        ]
        for r in rows
    ]
    columns = ["order", "latest ship date (UTC)", "units unconfirmed", "program", ""]
    console.print(table(f"Orders at risk of {connection_id}", columns, cells))
