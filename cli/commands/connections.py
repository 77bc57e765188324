"""`sellersync connections list|show|add|disconnect|pause|resume`."""

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from cli.errors import reporting
from cli.options import DEFAULT_STACK_NAME, JsonOpt, LocalOpt, StackOpt
from cli.render import cell, console, err_console, print_json, table
from cli.target import Target, resolve_target
from cli.views import connection_detail, connection_summary, subscription_row
from cli.wiring import connections_repository
from shared.models.connection import ConnectionStatus
from shared.spapi.marketplaces import Region

# show, add and disconnect import what only they use (the SP-API client, the OAuth flow) in their bodies: the
# commands start in a fraction of a second (docs/cli.md, "Start-up").

app = typer.Typer(
    help="Seller connections: list, inspect, add (private apps), disconnect, pause and resume.", no_args_is_help=True
)

IdArg = Annotated[str, typer.Argument(help="Connection id, e.g. eu-a1b2c3d4e5.", show_default=False)]
StatusOpt = Annotated[
    ConnectionStatus | None, typer.Option(case_sensitive=False, help="Only connections of this status.")
]
LIST_COLUMNS = ["id", "name", "seller id", "region", "marketplaces", "status", "reason", "days left"]


def utc_now() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


@app.command("list")
def list_connections(
    status: StatusOpt = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Every connection with its status and the days left until the seller must authorize again."""
    with reporting():
        found = connections_repository(resolve_target(local, stack_name)).list_connections(status)
    now = utc_now()
    rows = [connection_summary(c, now) for c in found]
    if as_json:
        print_json(rows)
        return
    title = f"Connections: {len(rows)}{'' if status is None else ' ' + status.value}"
    cells = [[cell(v) for v in row.values()] for row in rows]
    console.print(table(title, LIST_COLUMNS, cells, no_wrap={"id", "seller id", "status"}))


@app.command("show")
def show_connection(
    connection_id: IdArg, local: LocalOpt = False, stack_name: StackOpt = DEFAULT_STACK_NAME, as_json: JsonOpt = False
) -> None:
    """One connection: every field, its settings (effective per marketplace), sync states and subscriptions."""
    from cli.tables import print_connection_report

    with reporting():
        report = connection_report(resolve_target(local, stack_name), connection_id, utc_now())
    if as_json:
        print_json(report)
    else:
        print_connection_report(report)


def connection_report(target: Target, connection_id: str, now: datetime) -> dict[str, Any]:
    """What `connections show` shows; a settings or status item that no longer validates is reported in place."""
    from cli.views import settings_view, sync_status_row
    from cli.wiring import subscriptions_repository, sync_status_repository
    from shared.repositories.errors import ConnectionNotFoundError, InvalidStoredItemError

    repo = connections_repository(target)
    connection = repo.get_connection(connection_id)
    if connection is None:
        raise ConnectionNotFoundError(connection_id)
    report: dict[str, Any] = {"connection": connection_detail(connection, now), "settings": None}
    try:
        settings, version = repo.get_versioned_settings(connection_id)
        report["settings"] = settings_view(settings, version, connection.marketplace_ids)
    except InvalidStoredItemError as exc:
        report["settings_error"] = str(exc)
    try:
        statuses = sync_status_repository(target).list_for_connection(connection_id)
        report["sync_statuses"] = [sync_status_row(s) for s in statuses]
    except InvalidStoredItemError as exc:
        report["sync_statuses"], report["sync_statuses_error"] = [], str(exc)
    subscriptions = subscriptions_repository(target).list_subscriptions(connection_id)
    report["subscriptions"] = [subscription_row(r) for r in subscriptions]
    return report


@app.command("add")
def add_connection(
    seller_id: Annotated[str, typer.Option(help="The selling partner id (Seller Central: Merchant Token).")],
    region: Annotated[Region, typer.Option(case_sensitive=False, help="SP-API region.")],
    refresh_token_stdin: Annotated[
        bool, typer.Option("--refresh-token-stdin", help="Read the refresh token from stdin (required).")
    ] = False,
    name: Annotated[str | None, typer.Option(help="Connection name (default: kept, or '<seller> (<region>)').")] = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Connect a seller of a private (self-authorized) app with the refresh token Seller Central shows (on stdin)."""
    from cli.commands.private_app import add_private_connection, read_refresh_token
    from cli.tables import field_rows, warn

    with reporting():
        token = read_refresh_token(refresh_token_stdin)
        target = resolve_target(local, stack_name)
        with err_console.status("Checking the refresh token at Amazon") as progress:
            added = add_private_connection(target, seller_id, region, name, token, progress.update)
    if added.event_warning:
        warn("warning", added.event_warning)
    summary = connection_detail(added.stored.connection, utc_now()) | {"reauthorized": added.stored.reauthorized}
    if as_json:
        print_json(summary)
        return
    verb = "re-authorized (settings kept)" if added.stored.reauthorized else "connected"
    console.print(table(f"Connection {summary['connection_id']} {verb}", ["field", "value"], field_rows(summary)))


@app.command("disconnect")
def disconnect(
    connection_id: IdArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Remove a connection's notification subscriptions at Amazon and its refresh token; settings and history stay."""
    from cli.commands.disconnect import find_connection, run_disconnect

    with reporting():
        target = resolve_target(local, stack_name)
        connection, region = find_connection(target, connection_id)
        if not yes:
            name = connection_id if connection is None else f"{connection.name} ({connection_id})"
            typer.confirm(
                f"Disconnect {name}? Its refresh token and its notification subscriptions at Amazon are removed; "
                "its settings and history stay",
                abort=True,
                err=True,
            )
        with err_console.status("Disconnecting") as progress:
            result = run_disconnect(target, connection_id, region, progress.update)
    removed = [subscription_row(r) | {"result": "removed"} for r in result.removed]
    removed += [subscription_row(r) | {"result": "already gone at Amazon"} for r in result.already_gone]
    if as_json:
        print_json(
            {"connection_id": connection_id, "status": ConnectionStatus.DISCONNECTED.value, "subscriptions": removed}
        )
        return
    rows = [[cell(s["notification_type"]), cell(s["subscription_id"]), cell(s["result"])] for s in removed]
    if rows:
        console.print(table("Notification subscriptions", ["type", "subscription id", "result"], rows))
    console.print(
        f"Connection {cell(connection_id)} is DISCONNECTED: its refresh token is deleted, settings and history kept."
    )


SyncOpt = Annotated[
    str | None, typer.Option("--sync", help="Only this sync type (default: the whole connection).", show_default=False)
]


@app.command("pause")
def pause_connection(
    connection_id: IdArg,
    sync: SyncOpt = None,
    reason: Annotated[str | None, typer.Option(help="Why (shown by `status`).", show_default=False)] = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Pause a connection or one of its syncs, without redeploying: its runs are skipped, its work is kept."""
    from cli.pausing import operator, pause, pauses_for, scope_of
    from shared.repositories.errors import ConnectionNotFoundError

    with reporting():
        scope = scope_of(sync)
        target = resolve_target(local, stack_name)
        connection = connections_repository(target).get_connection(connection_id)
        if connection is None:
            raise ConnectionNotFoundError(connection_id)
        change = pause(pauses_for(target), connection, scope, operator(), reason)
    if as_json:
        print_json(change.as_json())
        return
    what = "Connection" if sync is None else f"The {sync} sync of connection"
    note = "is paused" if change.changed else "was already paused (the first pause stands)"
    console.print(f"{what} {cell(connection_id)} {note}: `sellersync connections resume` sends what is kept.")


@app.command("resume")
def resume_connection(
    connection_id: IdArg,
    sync: SyncOpt = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Resume a paused connection or sync: each released sync runs once now and carries on from where it stopped."""
    from cli.pausing import job_sender, pauses_for, resume, scope_of
    from shared.repositories.errors import ConnectionNotFoundError

    with reporting():
        scope = scope_of(sync)
        target = resolve_target(local, stack_name)
        repo = connections_repository(target)
        connection = repo.get_connection(connection_id)
        if connection is None:
            raise ConnectionNotFoundError(connection_id)
        settings = repo.get_settings(connection_id)
        sender = job_sender(target, connection_id, utc_now())
        change = resume(pauses_for(target), connection, settings, scope, sender)
    if as_json:
        print_json(change.as_json())
        return
    what = "Connection" if sync is None else f"The {sync} sync of connection"
    if not change.changed:
        console.print(f"{what} {cell(connection_id)} was not paused: nothing to resume.")
        return
    runs = ", ".join(change.enqueued) or "none"
    console.print(f"{what} {cell(connection_id)} is resumed; runs started now: {runs}.")
    if change.error:
        err_console.print(f"[yellow]warning[/]: not every run was started ({change.error}); the schedule runs it.")
