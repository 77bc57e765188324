"""`sellersync settings get|set`."""

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from cli.commands.sync import run_sync
from cli.errors import FAILURE_EXIT, CliError, reporting
from cli.options import DEFAULT_STACK_NAME, JsonOpt, LocalOpt, StackOpt
from cli.render import cell, console, err_console, print_json, table
from cli.settings_edit import SettingsUpdate, changes_inventory_rules, parse_assignments, update_settings
from cli.sync_start import SyncsStarted, enqueue_first_runs, started_by
from cli.tables import print_settings, warn
from cli.target import Target, resolve_target
from cli.views import settings_view
from cli.wiring import connections_repository
from infra.config import SYNC_TYPES, Table
from infra.outputs import table_output_key
from shared.inventory import SYNC_TYPE as INVENTORY
from shared.repositories.errors import ConnectionNotFoundError, InvalidStoredSettingsError

app = typer.Typer(help="A connection's settings (docs/configuration.md, connection settings).", no_args_is_help=True)

IdArg = Annotated[str, typer.Argument(help="Connection id, e.g. eu-a1b2c3d4e5.", show_default=False)]


def utc_now() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


REPAIR_HINT = "repair it with `sellersync settings set {id} --replace [key=value ...]` (starts from the defaults)"


@app.command("get")
def get_settings(
    connection_id: IdArg, local: LocalOpt = False, stack_name: StackOpt = DEFAULT_STACK_NAME, as_json: JsonOpt = False
) -> None:
    """The connection's settings and the effective values in each of its marketplaces."""
    with reporting():
        repo = connections_repository(resolve_target(local, stack_name))
        connection = repo.get_connection(connection_id)
        if connection is None:
            raise ConnectionNotFoundError(connection_id)
        try:
            settings, version = repo.get_versioned_settings(connection_id)
        except InvalidStoredSettingsError as exc:
            raise _with_hint(exc) from None
    view = settings_view(settings, version, connection.marketplace_ids)
    if as_json:
        print_json({"connection_id": connection_id, **view})
    else:
        print_settings(view)


def _with_hint(exc: InvalidStoredSettingsError) -> CliError:
    return CliError(f"{exc}; {REPAIR_HINT.format(id=exc.connection_id)}")


@app.command("set")
def set_settings(
    connection_id: IdArg,
    assignments: Annotated[
        list[str] | None,
        typer.Argument(help="key=value, e.g. inventory_buffer=3 or marketplace_overrides.UK.inventory_buffer=5."),
    ] = None,
    unset: Annotated[list[str] | None, typer.Option(help="Reset KEY to its default (repeatable).")] = None,
    replace: Annotated[
        bool, typer.Option(help="Start from the defaults instead of the stored settings (repairs an invalid item).")
    ] = False,
    apply: Annotated[
        bool,
        typer.Option(
            "--apply/--no-apply",
            help="When the inventory rules change (or inventory is enabled), re-send every SKU at once "
            "(`sync inventory`), and when orders is enabled, enqueue its first import; otherwise both wait for "
            "their schedules.",
        ),
    ] = True,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Change settings: every value is validated and all are written at once, or none."""
    with reporting():
        parsed = parse_assignments(assignments or [], unset or [], allow_empty=replace)
        target = resolve_target(local, stack_name)
        repo = connections_repository(target)
        try:
            update = update_settings(
                repo,
                connection_id,
                parsed,
                replace=replace,
                stored_version=lambda: stored_version(target, connection_id),
            )
        except InvalidStoredSettingsError as exc:
            raise _with_hint(exc) from None
        applied = _apply_inventory(target, connection_id) if apply and changes_inventory_rules(update) else None
        to_start = started_by(update)
        started = enqueue_first_runs(target, connection_id, to_start, utc_now()) if apply else SyncsStarted([])
    if as_json:
        answer = {"connection_id": connection_id, "version": update.version, "changes": update.changes}
        print_json(
            answer
            | {"inventory_applied": applied, "first_runs_enqueued": started.enqueued, "first_runs_error": started.error}
        )
    else:
        rows = [[cell(c["key"]), cell(c["old"]), cell(c["new"])] for c in update.changes]
        title = f"Settings of {connection_id}: version {update.version}" + ("" if rows else " (no value changed)")
        console.print(table(title, ["setting", "before", "after"], rows, no_wrap={"setting"}))
        _print_applied(applied, connection_id, update, apply)
        _print_started(started, to_start, connection_id)
    _unknown_syncs(update)
    if started.error:
        hint = _run_hint(connection_id, to_start)
        warn("note", f"the settings are saved, but the first run was not enqueued ({started.error}); {hint}")
    if started.error or (isinstance(applied, dict) and applied.get("state") == "ERROR"):
        raise typer.Exit(FAILURE_EXIT)


def _run_hint(connection_id: str, sync_types: list[str]) -> str:
    runs = " / ".join(f"`sellersync sync {name} --connection {connection_id}`" for name in sync_types)
    return f"it runs at its next schedule, or now with {runs}"


def _print_started(started: SyncsStarted, to_start: list[str], connection_id: str) -> None:
    for name in started.enqueued:
        console.print(
            f"{name} enabled: its first import is enqueued on the {name} work queue "
            f"(follow it with `sellersync status --connection {connection_id}`)"
        )
    waiting = [name for name in to_start if name not in started.enqueued]
    if waiting and started.error is None:  # --no-apply
        console.print(f"{', '.join(waiting)} enabled: {_run_hint(connection_id, waiting)}")


def _apply_inventory(target: Target, connection_id: str) -> Any:
    """Runs the `inventory` sync (the reconciliation) for the connection: the new rules reach Amazon within minutes."""
    with err_console.status(f"Inventory rules changed: re-sending {connection_id}'s SKUs (sync inventory)"):
        try:
            return run_sync(target, INVENTORY, connection_id)
        except Exception as exc:  # the settings are saved already: report the failed run, do not hide the save
            return {"state": "ERROR", "error": f"{type(exc).__name__}: {exc}"}


def _print_applied(applied: Any, connection_id: str, update: SettingsUpdate, apply: bool) -> None:
    if applied is None:
        if not apply and changes_inventory_rules(update):
            console.print(
                f"Inventory rules changed: they reach Amazon at the daily reconciliation, or now with "
                f"`sellersync sync inventory --connection {connection_id}`"
            )
        return
    state = applied.get("state") if isinstance(applied, dict) else None
    counts = applied.get("counts", {}) if isinstance(applied, dict) else {}
    if state == "OK":
        console.print(
            f"Inventory rules applied: {counts.get('changes_queued', 0)} offer(s) of {counts.get('skus', 0)} SKU(s) "
            "queued towards Amazon (sync inventory)"
        )
        return
    error = applied.get("error") if isinstance(applied, dict) else applied
    warn(
        "note",
        f"the settings are saved, but re-sending inventory ended {state}: {error}; "
        f"retry with `sellersync sync inventory --connection {connection_id}`",
    )


def _unknown_syncs(update: SettingsUpdate) -> None:
    unknown = sorted(update.settings.enabled_syncs - {entry.name for entry in SYNC_TYPES})
    if unknown:
        warn("note", f"enabled_syncs names sync types this version does not have yet: {', '.join(unknown)}")


def stored_version(target: Target, connection_id: str) -> int:
    """The raw `version` of the SETTINGS item (0 when none), read without validating the item."""
    response = target.client("dynamodb").get_item(
        TableName=target.output(table_output_key(Table.CONNECTIONS)),
        Key={"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": "SETTINGS"}},
        ProjectionExpression="version",
        ConsistentRead=True,
    )
    return int(response.get("Item", {}).get("version", {}).get("N", "0"))
