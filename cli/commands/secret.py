"""`sellersync secret status` / `sellersync secret rotate`: the LWA client secret's age and rotation (never its value).

`status` reads the rotation status item (connections table, `APP#lwa` / `SECRET_ROTATION`) and the secret's creation
date; `rotate` runs the rotation check now with `force` (shared/credentials/rotation.py): it asks Amazon for a new
secret whatever the current one's age; the deployed function stores it when Amazon's notification arrives on the
rotation queue (docs/operations.md, "Client secret rotation").
"""

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import typer

from cli.errors import reporting
from cli.options import DEFAULT_STACK_NAME, JsonOpt, LocalOpt, StackOpt
from cli.render import cell, console, print_json, table

if TYPE_CHECKING:
    from cli.target import Target
    from shared.credentials.rotation import RotationDeps

HELP = "The LWA client secret: its age and rotation (never its value)."
app = typer.Typer(help=HELP, no_args_is_help=True)


class NoMetrics:
    """The CLI emits no metrics (the deployed function does)."""

    def add_metric(self, name: str, unit: Any, value: float, resolution: int = 60) -> None:
        """Ignored."""


def rotation_deps_of(target: "Target") -> "RotationDeps":
    """The rotation check's dependencies against the target stack (and, locally, its sandbox)."""
    import requests

    from infra.names import Table
    from infra.outputs import Output, table_output_key
    from shared.runtime.secret_rotation import RotationTarget, rotation_deps

    rotation_target = RotationTarget(
        lwa_secret_arn=target.output(Output.LWA_SECRET_ARN),
        connections_table=target.output(table_output_key(Table.CONNECTIONS)),
        spapi_endpoint_url=target.spapi_endpoint_url,
        lwa_token_url=target.lwa_token_url,
    )
    check, _ = rotation_deps(
        rotation_target, target.client("secretsmanager"), target.client("dynamodb"), NoMetrics(), requests.Session()
    )
    return check


def status_view(deps: "RotationDeps", now: datetime) -> dict[str, Any]:
    """What `secret status` shows: dates, age, outcomes; no secret value."""
    from shared.credentials.rotation import age_in_days, secret_created_at

    status = deps.status.get()
    created = secret_created_at(deps)
    app = deps.secret.load()
    # The daily check's date when it measured this secret (it knows the deployed rotate_after_days), else the default.
    checked = status.next_rotation_at if status.secret_created_at == created else None
    next_rotation = checked or created + timedelta(days=deps.rotate_after_days)
    notice = status.expiry_notice
    return {
        "client_id": app.client_id,
        "secret_created_at": created.isoformat(),
        "age_days": age_in_days(created, now),
        "secret_expires_at": app.client_secret_expires_at.isoformat() if app.client_secret_expires_at else None,
        "next_rotation_at": next_rotation.isoformat(),
        "state": status.state.value if status.state else None,
        "requested_at": status.requested_at.isoformat() if status.requested_at else None,
        "last_rotated_at": status.last_rotated_at.isoformat() if status.last_rotated_at else None,
        "last_error": status.last_error,
        "last_failure_at": status.last_failure_at.isoformat() if status.last_failure_at else None,
        "previous_secret_expires_at": (
            app.previous_client_secret_expires_at.isoformat() if app.previous_client_secret_expires_at else None
        ),
        "expiry_notice": notice.model_dump(mode="json") if notice else None,
    }


@app.command("status")
def status(local: LocalOpt = False, stack_name: StackOpt = DEFAULT_STACK_NAME, as_json: JsonOpt = False) -> None:
    """The secret's age, next rotation and the last rotation's outcome."""
    from cli.target import resolve_target

    with reporting():
        view = status_view(rotation_deps_of(resolve_target(local, stack_name)), datetime.now(UTC))
    if as_json:
        print_json(view)
        return
    rows = [[name, cell(value)] for name, value in view.items()]
    console.print(table("LWA client secret", ["field", "value"], rows, no_wrap={"field"}))


@app.command("rotate")
def rotate(local: LocalOpt = False, stack_name: StackOpt = DEFAULT_STACK_NAME, as_json: JsonOpt = False) -> None:
    """Ask Amazon for a new client secret now (the stack stores it when Amazon's notification arrives)."""
    from cli.target import resolve_target
    from shared.credentials.rotation import CheckOutcome, check_rotation

    with reporting():
        result = check_rotation(rotation_deps_of(resolve_target(local, stack_name)), datetime.now(UTC), force=True)
    view = {"outcome": result.outcome.value, "age_days": result.age_days, "error": result.error}
    if as_json:
        print_json(view)
    elif result.outcome is CheckOutcome.REQUESTED:
        console.print("Rotation requested: `sellersync secret status` shows ROTATED once the new secret is stored.")
    elif result.outcome is CheckOutcome.IN_FLIGHT:
        console.print("A rotation requested less than 24 hours ago is still awaiting its new secret.")
    else:
        console.print(f"[red]Rotation failed:[/red] {cell(result.error)}")
    if result.outcome is CheckOutcome.FAILED:
        raise typer.Exit(1)
