"""The readable (non-JSON) form of the commands' results: rich tables built from the dicts of views.py."""

from datetime import UTC, datetime
from typing import Any

from rich.table import Table

from cli.render import cell, console, err_console, table
from cli.views import cancellation_text, country, money_text, order_flags, short_time
from shared.models.orders import OrderLine
from shared.repositories.orders import StoredOrder

SYNC_COLUMNS = ["sync type", "state", "last run", "last success", "counts", "ms", "error / reason"]
SYNC_NO_WRAP = {"sync type", "state", "last run", "last success"}
ORDER_COLUMNS = ["order id", "connection", "mkt", "status", "purchased", "ship by", "items", "total", "flags"]
ORDER_COLUMNS += ["shipping", "updated"]
ORDER_NO_WRAP = {"order id", "connection", "status", "purchased", "ship by", "updated"}
LINE_COLUMNS = ["item id", "SKU", "ASIN", "title", "ordered", "shipped", "unshipped", "unit price", "cancellation"]
OVERRIDABLE = ["inventory_buffer", "inventory_ceiling", "minimum_price", "pricing_disabled", "default_handling_days"]


def field_rows(values: dict[str, Any]) -> list[list[str]]:
    """A dict as (field, value) rows."""
    return [[key.replace("_", " "), cell(value)] for key, value in values.items()]


def warn(what: str, message: str) -> None:
    """A problem shown next to the results (on stderr, so that stdout stays the results)."""
    err_console.print(f"[yellow]{what}:[/yellow] {cell(message)}", soft_wrap=True)


def counts_text(counts: dict[str, int]) -> str | None:
    """Counts as `name=n, …` (None when there are none)."""
    return ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or None


def details_text(details: dict[str, str]) -> str | None:
    """A run's details as `name=value, …`, timestamps to the minute in UTC (None when there are none)."""
    return ", ".join(f"{k}={_compact(v)}" for k, v in sorted(details.items())) or None


def _compact(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return (moment.astimezone(UTC) if moment.tzinfo else moment).strftime("%Y-%m-%d %H:%M")


def outcome_text(counts: dict[str, int], details: dict[str, str]) -> str | None:
    """Counts, and the details below them (None when there are neither)."""
    return "\n".join(text for text in (counts_text(counts), details_text(details)) if text) or None


def sync_cells(status: dict[str, Any]) -> list[str]:
    """A sync status (views.sync_status_row) as table cells."""
    return [
        cell(status["sync_type"]),
        cell(status["state"]),
        short_time(status["last_run_at"]),
        short_time(status["last_success_at"]),
        cell(outcome_text(status["counts"], status.get("details", {}))),
        cell(status["duration_ms"]),
        cell(status["last_error"] or status["reason"]),
    ]


def print_settings(view: dict[str, Any]) -> None:
    """Settings (views.settings_view): connection-wide, then effective per marketplace, overrides marked with *."""
    wide = {k: v for k, v in view["settings"].items() if k != "marketplace_overrides"}
    rows = [[key, cell(value)] for key, value in wide.items()]
    console.print(table(f"Settings (version {view['version']})", ["setting", "value"], rows))
    marketplace_rows = [
        [f"{values['country']} {marketplace_id}"]
        + [cell(values[f]) + ("*" if f in values["overridden"] else "") for f in OVERRIDABLE]
        for marketplace_id, values in view["effective"].items()
    ]
    if marketplace_rows:
        title = "Effective per marketplace (* = marketplace override)"
        console.print(table(title, ["marketplace", *OVERRIDABLE], marketplace_rows))


def print_connection_report(report: dict[str, Any]) -> None:
    """`connections show`: the connection, its settings, sync states and subscriptions."""
    connection = report["connection"]
    title = f"Connection {connection['connection_id']}"
    console.print(table(title, ["field", "value"], field_rows(connection), no_wrap={"field"}))
    if report["settings"] is None:
        warn("settings", report["settings_error"])
    else:
        print_settings(report["settings"])
    if "sync_statuses_error" in report:
        warn("sync states", report["sync_statuses_error"])
    statuses = [sync_cells(s) for s in report["sync_statuses"]]
    console.print(table("Sync states", SYNC_COLUMNS, statuses, SYNC_NO_WRAP) if statuses else "No sync has run yet.")
    columns = ["type", "subscription id", "destination id", "created at"]
    subscriptions = [[cell(v) for v in s.values()] for s in report["subscriptions"]]
    if subscriptions:
        console.print(table("Notification subscriptions", columns, subscriptions))
    else:
        console.print("No notification subscriptions recorded.")


def order_cells(row: dict[str, Any]) -> list[str]:
    """An order (views.order_row) as the cells of ORDER_COLUMNS; the purchase as a date (ship-by has the time)."""
    return [
        cell(row["order_id"]),
        cell(row["connection_id"]),
        cell(row["marketplace"]),
        cell(row["status"]),
        short_time(row["purchase_date"])[:10],
        short_time(row["ship_by_latest"]),
        cell(row["items"]),
        cell(row["total"]),
        cell(" ".join(row["flags"]) or None),
        cell(row["shipping"]),
        short_time(row["last_updated"]),
    ]


def orders_table(title: str, rows: list[dict[str, Any]], with_connection: bool = True) -> Table:
    """`orders list` (views.order_row each); without the connection column when the title names the connection."""
    keep = [i for i, column in enumerate(ORDER_COLUMNS) if with_connection or column != "connection"]
    kept = [[row_cells[i] for i in keep] for row_cells in map(order_cells, rows)]
    return table(title, [ORDER_COLUMNS[i] for i in keep], kept, ORDER_NO_WRAP)


def _window(earliest: datetime | None, latest: datetime | None) -> str | None:
    if earliest is None and latest is None:
        return None
    return f"{cell(earliest)} to {cell(latest)}"  # cell() of a time holds no markup, so it is escaped only once


def _order_fields(stored: StoredOrder) -> list[list[str]]:
    order = stored.order
    was = f" (was {stored.previous_status})" if stored.previous_status else ""
    values: list[tuple[str, Any]] = [
        ("order id", order.order_id),
        ("connection", order.connection_id),
        ("marketplace", f"{country(order.marketplace_id)} ({order.marketplace_id})"),
        ("status", order.status + was),
        ("fulfilled by", order.fulfilled_by),
        ("purchased", order.purchase_date),
        ("last updated", order.last_updated),
        ("ship by", _window(order.ship_by_earliest, order.ship_by_latest)),
        ("deliver by", _window(order.deliver_by_earliest, order.deliver_by_latest)),
        ("flags", ", ".join(order_flags(order)) or None),
        ("service level", order.shipping_service_level),
        ("shipping method", order.shipping_method),
        ("total", money_text(order.order_total)),
        ("pending events", list(stored.pending_events)),
        ("pending since", stored.pending_since),
    ]
    return [[name, cell(value)] for name, value in values]


def _line_cells(line: OrderLine) -> list[str]:
    values = [line.order_item_id, line.sku, line.asin, line.title, line.quantity_ordered, line.quantity_shipped]
    values += [line.quantity_unshipped, money_text(line.unit_price), cancellation_text(line)]
    return [cell(value) for value in values]


def print_order(stored: StoredOrder) -> None:
    """`orders show`: the order, its items and (when Amazon shares it) the recipient's address."""
    order = stored.order
    console.print(table(f"Order {order.order_id}", ["field", "value"], _order_fields(stored), no_wrap={"field"}))
    lines = [_line_cells(line) for line in order.items]
    console.print(table("Items", LINE_COLUMNS, lines, no_wrap={"item id", "SKU", "ASIN"}) if lines else "No items.")
    if order.recipient is not None:
        address = field_rows(order.recipient.model_dump(exclude_none=True))
        console.print(table("Ship to", ["field", "value"], address, no_wrap={"field"}))
