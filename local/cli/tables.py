"""The readable (non-JSON) form of the commands' results: rich tables built from the dicts of views.py."""

from typing import Any

from local.cli.render import cell, console, err_console, table
from local.cli.views import short_time

SYNC_COLUMNS = ["sync type", "state", "last run", "last success", "counts", "ms", "error / reason"]
SYNC_NO_WRAP = {"sync type", "state", "last run", "last success"}
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


def sync_cells(status: dict[str, Any]) -> list[str]:
    """A sync status (views.sync_status_row) as table cells."""
    return [
        cell(status["sync_type"]),
        cell(status["state"]),
        short_time(status["last_run_at"]),
        short_time(status["last_success_at"]),
        cell(counts_text(status["counts"])),
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
