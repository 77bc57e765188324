"""`sellersync status`: every connection's sync states at a glance, and its imported catalog per marketplace.

The catalog part is one GetItem per marketplace (the catalog sync state: the last report's time and counts), never a
count of the listings themselves; a stack deployed before the listings table existed shows none.

STALLED: an ACTIVE connection's sync type that its settings enable (or that is always on) and that has not succeeded
within three schedule intervals (shared/models/schedule.py; the schedules as cdk.json configures them, which the stack's
stall alarms are built from: infra/schedule_context.py), counted from its last success or, before one, from the
connection's authorization. An enabled sync type that never ran is listed in `never_ran_stalled` once stalled (a row
of its own in the table). Runs failed in a row (`consecutive_failures`) show beside the state, and from
FAILING_AFTER_RUNS the row is `failing`.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from cli.errors import reporting
from cli.options import DEFAULT_STACK_NAME, JsonOpt, LocalOpt, StackOpt
from cli.render import cell, console, print_json, table
from cli.tables import sync_cells
from cli.target import Target, resolve_target
from cli.views import country, days_left, short_time, sync_status_row
from cli.wiring import connections_repository, listings_repository, sync_status_repository
from infra.config import SYNC_TYPES
from infra.names import Table
from infra.outputs import table_output_key
from infra.schedule_context import configured_schedules
from shared.models.connection import Connection, ConnectionStatus
from shared.models.schedule import FAILING_AFTER_RUNS, is_stalled, stall_after
from shared.models.sync import SyncStatus
from shared.repositories.errors import ConnectionNotFoundError, InvalidStoredItemError

COLUMNS = ["connection", "status", "days left", "sync type", "state", "last run", "last success", "counts", "ms"]
COLUMNS += ["error / reason"]
NO_WRAP = {"connection", "status", "sync type", "last run", "last success"}
STALLED = "STALLED"
NEVER_RAN = "NEVER_RAN"
CATALOG_COLUMNS = ["connection", "marketplace", "listings", "report rows", "last report", "report pending since"]
# What the last applied report left stored (the report's garbled and unreadable rows are not among them).
STORED_COUNTS = ("added", "changed", "unchanged")

if TYPE_CHECKING:
    from shared.repositories.listings import ListingsRepository


def _connections(target: Target, connection_id: str | None) -> list[Connection]:
    repo = connections_repository(target)
    if connection_id is None:
        return repo.list_connections()
    connection = repo.get_connection(connection_id)
    if connection is None:
        raise ConnectionNotFoundError(connection_id)
    return [connection]


def _enabled(target: Target, connection: Connection, ran: set[str]) -> set[str]:
    """The sync types the connection's settings enable, always-on ones included (those that ran, when the settings
    do not validate: the status items then say so)."""
    always = {entry.name for entry in SYNC_TYPES if entry.always_on}
    try:
        settings = connections_repository(target).get_settings(connection.connection_id)
    except InvalidStoredItemError:
        return ran | always
    return always | (set(settings.enabled_syncs) & {entry.name for entry in SYNC_TYPES})


def sync_rows(
    connection: Connection,
    statuses: list[SyncStatus],
    enabled: set[str],
    now: datetime,
    schedules: Mapping[str, str | None],
) -> list[dict[str, Any]]:
    """The connection's status items, each with `consecutive_failures` and `stalled`."""
    rows = []
    for status in statuses:
        window = stall_after(schedules.get(status.sync_type))
        stalled = status.sync_type in enabled and is_stalled(
            status.last_success_at, connection.authorized_at, now, window
        )
        failures = status.consecutive_failures
        flags = {"consecutive_failures": failures, "failing": failures >= FAILING_AFTER_RUNS, "stalled": stalled}
        rows.append(sync_status_row(status) | flags)
    return rows


def never_ran_stalled(
    connection: Connection, ran: set[str], enabled: set[str], now: datetime, schedules: Mapping[str, str | None]
) -> list[str]:
    """Enabled sync types with no status item although three intervals passed since the authorization."""
    return [
        sync_type
        for sync_type in sorted(enabled - ran)
        if is_stalled(None, connection.authorized_at, now, stall_after(schedules.get(sync_type)))
    ]


def _never_ran_row(sync_type: str) -> dict[str, Any]:
    return {
        "sync_type": sync_type,
        "state": NEVER_RAN,
        "last_run_at": None,
        "last_success_at": None,
        "counts": {},
        "details": {},
        "duration_ms": None,
        "last_error": None,
        "reason": "no sync has run yet",
        "consecutive_failures": 0,
        "failing": False,
        "stalled": True,
    }


def state_text(row: Mapping[str, Any]) -> str:
    """The state cell: `STALLED` before a stalled row's state (alone for one that never ran), `×N` after it for N
    runs failed in a row, then `FAILING` from FAILING_AFTER_RUNS (what the ConnectionsFailing alarm counts)."""
    text = "" if row["state"] == NEVER_RAN else str(row["state"])
    failures = int(row.get("consecutive_failures") or 0)
    if failures:
        text += f" ×{failures}"
    if row.get("failing"):
        text += " FAILING"
    return f"{STALLED} {text}".strip() if row.get("stalled") else text


def catalog_rows(listings: "ListingsRepository", connection: Connection) -> list[dict[str, Any]]:
    """Per marketplace the catalog sync has worked on: listings stored by its last report, and a pending report."""
    rows = []
    for marketplace_id in connection.marketplace_ids:
        state = listings.sync_state(connection.connection_id, marketplace_id)
        if state.version == 0:
            continue
        imported = state.last_report_at is not None
        rows.append(
            {
                "marketplace_id": marketplace_id,
                "country": country(marketplace_id),
                "listings": sum(state.counts.get(k, 0) for k in STORED_COUNTS) if imported else None,
                "report_rows": state.counts.get("rows") if imported else None,
                "last_report_at": None if state.last_report_at is None else state.last_report_at.isoformat(),
                "report_pending_since": (
                    None if state.report_requested_at is None else state.report_requested_at.isoformat()
                ),
            }
        )
    return rows


def status_report(target: Target, connection_id: str | None, now: datetime) -> list[dict[str, Any]]:
    """Per connection: its status, days until re-authorization and the latest run of each sync type."""
    statuses = sync_status_repository(target)
    schedules = configured_schedules()
    has_catalog = table_output_key(Table.LISTINGS) in target.outputs
    listings = listings_repository(target) if has_catalog else None
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
            found = statuses.list_for_connection(connection.connection_id)
            ran = {status.sync_type for status in found}
            active = connection.status is ConnectionStatus.ACTIVE
            enabled = _enabled(target, connection, ran) if active else set()
            entry["syncs"] = sync_rows(connection, found, enabled, now, schedules)
            entry["never_ran_stalled"] = never_ran_stalled(connection, ran, enabled, now, schedules)
        except InvalidStoredItemError as exc:
            entry["syncs"], entry["syncs_error"], entry["never_ran_stalled"] = [], str(exc), []
        try:
            entry["catalog"] = [] if listings is None else catalog_rows(listings, connection)
        except ValidationError as exc:  # a STATE item edited by hand: the rest of the status is still shown
            entry["catalog"], entry["catalog_error"] = [], f"invalid catalog sync state: {exc.error_count()} errors"
        report.append(entry)
    return report


def _rows(entry: dict[str, Any]) -> list[list[str]]:
    connection = [cell(entry["connection_id"]), cell(entry["status"]), cell(entry["days_until_reauthorization"])]
    syncs = entry["syncs"] + [_never_ran_row(sync_type) for sync_type in entry["never_ran_stalled"]]
    if not syncs:
        note = entry.get("syncs_error") or "no sync has run yet"
        return [[*connection, "-", "-", "-", "-", "-", "-", cell(note)]]
    blank = ["", "", ""]
    rows = []
    for index, sync in enumerate(syncs):
        cells = sync_cells(sync)
        cells[1] = cell(state_text(sync))
        rows.append([*(connection if index == 0 else blank), *cells])
    return rows


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
    catalog = [
        [cell(entry["connection_id"]), f"{c['country']} ({c['marketplace_id']})", cell(c["listings"])]
        + [cell(c["report_rows"]), short_time(c["last_report_at"]), short_time(c["report_pending_since"])]
        for entry in report
        for c in entry["catalog"]
    ]
    catalog += [
        [cell(e["connection_id"]), "-", "-", "-", "-", cell(e["catalog_error"])] for e in report if "catalog_error" in e
    ]
    if catalog:
        console.print(
            table("Catalog (as of each marketplace's last report)", CATALOG_COLUMNS, catalog, no_wrap=NO_WRAP)
        )
