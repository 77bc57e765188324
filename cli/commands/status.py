"""`sellersync status`: every connection's sync states at a glance."""

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from cli.errors import reporting
from cli.options import DEFAULT_STACK_NAME, JsonOpt, LocalOpt, StackOpt
from cli.render import cell, console, print_json, table
from cli.tables import sync_cells
from cli.target import Target, resolve_target
from cli.views import days_left, sync_status_row
from cli.wiring import connections_repository, sync_status_repository
from shared.models.connection import Connection
from shared.repositories.errors import ConnectionNotFoundError, InvalidStoredItemError

COLUMNS = ["connection", "status", "days left", "sync type", "state", "last run", "last success", "counts", "ms"]
COLUMNS += ["error / reason"]
NO_WRAP = {"connection", "status", "sync type", "state", "last run", "last success"}


def _connections(target: Target, connection_id: str | None) -> list[Connection]:
    repo = connections_repository(target)
    if connection_id is None:
        return repo.list_connections()
    connection = repo.get_connection(connection_id)
    if connection is None:
        raise ConnectionNotFoundError(connection_id)
    return [connection]


def status_report(target: Target, connection_id: str | None, now: datetime) -> list[dict[str, Any]]:
    """Per connection: its status, days until re-authorization and the latest run of each sync type."""
    statuses = sync_status_repository(target)
    report = []
    for connection in _connections(target, connection_id):
        entry: dict[str, Any] = {
            "connection_id": connection.connection_id,
            "name": connection.name,
            "status": connection.status.value,
            "status_reason": connection.status_reason,
            "days_until_reauthorization": days_left(connection, now),
        }
        try:
            entry["syncs"] = [sync_status_row(s) for s in statuses.list_for_connection(connection.connection_id)]
        except InvalidStoredItemError as exc:
            entry["syncs"], entry["syncs_error"] = [], str(exc)
        report.append(entry)
    return report


def _rows(entry: dict[str, Any]) -> list[list[str]]:
    connection = [cell(entry["connection_id"]), cell(entry["status"]), cell(entry["days_until_reauthorization"])]
    if not entry["syncs"]:
        note = entry.get("syncs_error") or "no sync has run yet"
        return [[*connection, "-", "-", "-", "-", "-", "-", cell(note)]]
    blank = ["", "", ""]
    return [[*(connection if i == 0 else blank), *sync_cells(s)] for i, s in enumerate(entry["syncs"])]


def status(
    connection: Annotated[str | None, typer.Option("--connection", help="Only this connection.")] = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Each connection with its status, days until re-authorization and the latest run of each sync type."""
    with reporting():
        report = status_report(resolve_target(local, stack_name), connection, datetime.now(UTC))
    if as_json:
        print_json(report)
        return
    rows = [row for entry in report for row in _rows(entry)]
    console.print(table(f"Sync status: {len(report)} connection(s)", COLUMNS, rows, no_wrap=NO_WRAP))
