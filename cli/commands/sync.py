"""`sellersync sync TYPE --connection ID`: one on-demand run of a sync type for one connection.

In the cloud the sync type's Lambda function is invoked (RequestResponse) with the run event; locally its handler runs
the way the local runtime runs it (local/workers.py): a spawned worker with the function's environment as deployed into
the embedded AWS, pointed at the embedded AWS and the local Amazon sandbox, killed at the function's timeout.
`sync catalog` shows a progress bar per marketplace meanwhile (the invocation in a thread) and follows the run's
continuation jobs until its reports are applied (cli/catalog_progress.py); `--json` prints only the result.
"""

import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from botocore.config import Config

from cli.errors import CliError, UsageError, reporting
from cli.options import DEFAULT_STACK_NAME, JsonOpt, LocalOpt, StackOpt
from cli.render import cell, console, err_console, print_json, table
from cli.tables import counts_text, details_text
from cli.target import Target, resolve_target
from cli.wiring import connections_repository
from infra.config import SYNC_TYPES, SyncType
from infra.outputs import function_output_key
from shared.repositories.errors import ConnectionNotFoundError

if TYPE_CHECKING:
    from cli.catalog_progress import CatalogFollower

# The sync type whose runs show a progress bar (its report imports write their progress).
CATALOG = "catalog"

# A RequestResponse invocation answers when the function ends: wait past the longest Lambda timeout (900 s), and
# never retry, since a retry would run the sync a second time.
_INVOKE_CONFIG = Config(read_timeout=960, connect_timeout=10, retries={"total_max_attempts": 1})


class SyncFailedError(CliError):
    """The function failed (an error raised, a timeout) or reported the run as failed."""


def registered(sync_type: str, registry: Sequence[SyncType] = SYNC_TYPES) -> SyncType:
    """The registry entry of a sync type; raises UsageError naming the registered ones."""
    for entry in registry:
        if entry.name == sync_type:
            return entry
    known = ", ".join(entry.name for entry in registry) or "none yet"
    raise UsageError(f"unknown sync type {sync_type!r}; registered sync types: {known}")


def run_event(sync_type: str, connection_id: str) -> dict[str, str]:
    """The on-demand run event a sync function takes."""
    return {"sync_type": sync_type, "action": "run", "connection_id": connection_id}


def invoke_cloud(lambda_client: Any, function_name: str, event: dict[str, Any]) -> Any:
    """Invokes the function and returns its result; raises SyncFailedError with the function's error."""
    response = lambda_client.invoke(
        FunctionName=function_name, InvocationType="RequestResponse", Payload=json.dumps(event).encode()
    )
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        error = payload if isinstance(payload, dict) else {}
        kind, message = error.get("errorType", response["FunctionError"]), error.get("errorMessage", "")
        raise SyncFailedError(f"{function_name} failed: {kind}: {message}")
    return payload


def local_function_env(target: Target) -> dict[str, str]:
    """What the local runtime adds to a function's environment: the embedded AWS and the Amazon it faces (endpoints
    and time scale, as the state file records them)."""
    from local.aws import LocalAws

    return LocalAws(str(target.endpoint_url), target.region).env() | {str(k): v for k, v in target.amazon_env().items()}


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Sends what the worker prints (the function's logs) to stderr, keeping stdout for the command's result.

    The worker inherits file descriptor 1 when it is spawned, so the descriptor itself is pointed at stderr meanwhile.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def invoke_local(target: Target, function_name: str, event: dict[str, Any]) -> Any:
    """Runs the deployed function's handler in a worker as the local runtime does; raises SyncFailedError."""
    from local.specs import FunctionSpec
    from local.workers import FunctionPool

    conf = target.client("lambda").get_function_configuration(FunctionName=function_name)
    spec = FunctionSpec(
        logical_id=function_name,
        name=function_name,
        handler=conf["Handler"],
        environment=dict(conf.get("Environment", {}).get("Variables", {})),
        timeout_seconds=int(conf.get("Timeout", 3)),
        memory_mb=int(conf.get("MemorySize", 128)),
    )
    pool = FunctionPool(spec, local_function_env(target), max_concurrency=1)
    try:
        with _stdout_to_stderr():
            result = pool.invoke(event)
    finally:
        pool.stop()
    if not result.ok:
        raise SyncFailedError(f"{function_name} failed: {result.payload.get('errorType')}: {result.error_message}")
    return result.payload


def run_sync(target: Target, sync_type: str, connection_id: str, registry: Sequence[SyncType] = SYNC_TYPES) -> Any:
    """Runs one sync type for one connection, in the cloud or locally; returns the function's result."""
    entry = registered(sync_type, registry)
    if connections_repository(target).get_connection(connection_id) is None:
        raise ConnectionNotFoundError(connection_id)
    function_name = target.output(function_output_key(entry))
    event = run_event(entry.name, connection_id)
    if target.local:
        return invoke_local(target, function_name, event)
    return invoke_cloud(target.client("lambda", _INVOKE_CONFIG), function_name, event)


def sync(
    sync_type: Annotated[str, typer.Argument(help="A registered sync type (infra/config.py).", show_default=False)],
    connection: Annotated[str, typer.Option("--connection", help="Connection id, e.g. eu-a1b2c3d4e5.")],
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Run one sync type for one connection now and show its outcome."""
    follower = None
    with reporting():
        target = resolve_target(local, stack_name)
        where = "locally" if target.local else "in Lambda"
        if sync_type == CATALOG and not as_json:
            result, follower = _run_catalog(target, connection, where)
        else:
            with err_console.status(f"Running {sync_type} for {connection} {where}"):
                result = run_sync(target, sync_type, connection)
    if as_json:
        print_json(result)
    else:
        _print_result(result)
    if follower is not None and follower.followed:
        columns = ["marketplace", "rows", "added", "changed", "unchanged", "removed", "re-read", "not re-read"]
        console.print(table("Catalog: the last report applied", columns, follower.counts()))
    if isinstance(result, dict) and result.get("state") == "ERROR":
        raise typer.Exit(1)


def _run_catalog(target: Target, connection_id: str, where: str) -> tuple[Any, "CatalogFollower"]:
    """The catalog run with its report imports followed (cli/catalog_progress.py): a bar per marketplace on a
    terminal, plain lines elsewhere, until every report is applied or the user stops waiting."""
    from cli import catalog_progress
    from cli.wiring import listings_repository

    found = connections_repository(target).get_connection(connection_id)
    if found is None:
        raise ConnectionNotFoundError(connection_id)
    listings = listings_repository(target)
    follower = catalog_progress.CatalogFollower(
        listings,
        connection_id,
        found.marketplace_ids,
        err_console,
        show_bar=err_console.is_terminal,
        poll_seconds=catalog_progress.POLL_SECONDS,
        line_seconds=catalog_progress.LINE_SECONDS,
    )
    err_console.print(f"Running {CATALOG} for {connection_id} {where}")
    try:
        result = follower.run(lambda: run_sync(target, CATALOG, connection_id))
    except KeyboardInterrupt:
        err_console.print("Stopped waiting: a run in Lambda goes on, and so do its continuation jobs.")
        raise typer.Exit(130) from None
    return result, follower


def _compact(key: str, value: Any) -> Any:
    if key == "counts":
        return counts_text(value)
    return details_text(value) if key == "details" else value


def _print_result(result: Any) -> None:
    if not isinstance(result, dict):
        console.print(cell(result))
        return
    rows = [[key, cell(_compact(key, value))] for key, value in result.items()]
    console.print(table("Sync run", ["field", "value"], rows))
