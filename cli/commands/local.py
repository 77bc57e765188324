"""`sellersync local up`: the embedded default in the foreground, facing the built-in sandbox or another Amazon;
`sellersync local alarms`: its alarms, evaluated (local/alarms.py: moto stores alarms but does not evaluate them).

Heavy imports (the CDK, moto, the local runtime) happen inside the command, so `sellersync --help` stays fast.
"""

import json
import signal
import threading
import time
from contextlib import ExitStack, nullcontext, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.errors import UsageError, reporting
from cli.options import DEFAULT_STACK_NAME as STACK_NAME
from cli.options import JsonOpt
from cli.render import cell, console, print_json, table
from local.endpoints import AmazonConfigError, check_http_url, external_endpoints, read_lwa_credentials

if TYPE_CHECKING:
    from local.alarms import AlarmState
    from local.up import Ready, UpPlan

DEFAULT_STATE_FILE = Path(".local") / "state.json"


def plan_up(
    *,
    state_file: Path,
    api_port: int = 8080,
    aws_port: int = 4566,
    aws_endpoint: str | None = None,
    sandbox_port: int = 8600,
    spapi_endpoint_url: str | None = None,
    lwa_token_url: str | None = None,
    seller_central_url: str | None = None,
    lwa_credentials: Path | None = None,
    time_scale: float = 1.0,
    clock_speed: float = 1.0,
    login_hop: bool = False,
) -> "UpPlan":
    """The validated plan; raises UsageError with one line naming what is wrong (never a secret)."""
    try:
        amazon = external_endpoints(spapi_endpoint_url, lwa_token_url, seller_central_url, time_scale)
        credentials = None if lwa_credentials is None else read_lwa_credentials(lwa_credentials)
        endpoint = None if aws_endpoint is None else check_http_url(aws_endpoint)
    except (AmazonConfigError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if amazon is not None and login_hop:
        raise UsageError("--login-hop configures the built-in sandbox; it cannot be used with --spapi-endpoint-url")
    from local.up import UpPlan  # after the checks: bad input is answered before the CDK and moto load

    return UpPlan(
        state_file=state_file,
        api_port=api_port,
        aws_port=aws_port,
        aws_endpoint_url=endpoint,
        sandbox_port=sandbox_port,
        amazon=amazon,
        credentials=credentials,
        time_scale=time_scale,
        clock_speed=clock_speed,
        login_hop=login_hop,
        log_dir=Path(".local") / "logs",
    )


def up(
    api_port: Annotated[int, typer.Option(help="Port of the local HTTP API (the Redirect URI is on it).")] = 8080,
    aws_port: Annotated[int, typer.Option(help="Port of the embedded AWS (moto server in this process).")] = 4566,
    aws_endpoint: Annotated[
        str | None, typer.Option(help="Deploy into this running moto server or LocalStack instead of starting one.")
    ] = None,
    sandbox_port: Annotated[int, typer.Option(help="Port of the built-in Amazon sandbox.")] = 8600,
    spapi_endpoint_url: Annotated[
        str | None, typer.Option(help="Face this SP-API endpoint instead of the built-in sandbox (with the next two).")
    ] = None,
    lwa_token_url: Annotated[str | None, typer.Option(help="LWA token endpoint of that Amazon.")] = None,
    seller_central_url: Annotated[
        str | None, typer.Option(help="Seller Central base URL of that Amazon ({region} is replaced).")
    ] = None,
    lwa_credentials: Annotated[
        Path | None, typer.Option(help="JSON file: application_id, client_id, client_secret (into the LWA secret).")
    ] = None,
    time_scale: Annotated[float, typer.Option(help="Amazon seconds per real second.", min=0.01)] = 1.0,
    clock_speed: Annotated[float, typer.Option(help="Run schedules this many times faster.", min=0.01)] = 1.0,
    login_hop: Annotated[bool, typer.Option(help="The sandbox consent goes through the Log-in URI first.")] = False,
    state_file: Annotated[
        Path, typer.Option(help="Where `--local` commands find it (they read $SELLERSYNC_LOCAL_STATE).")
    ] = DEFAULT_STATE_FILE,
    as_json: JsonOpt = False,
) -> None:
    """Keep the embedded AWS and an Amazon (the built-in sandbox or the one named) running, with the stack deployed,
    until Ctrl-C."""
    started = time.monotonic()
    with reporting():
        plan = plan_up(
            state_file=state_file,
            api_port=api_port,
            aws_port=aws_port,
            aws_endpoint=aws_endpoint,
            sandbox_port=sandbox_port,
            spapi_endpoint_url=spapi_endpoint_url,
            lwa_token_url=lwa_token_url,
            seller_central_url=seller_central_url,
            lwa_credentials=lwa_credentials,
            time_scale=time_scale,
            clock_speed=clock_speed,
            login_hop=login_hop,
        )
    from local.up import start_local  # the CDK, moto and the runtime load here

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with ExitStack() as running:
        with nullcontext() if as_json else console.status("Starting the embedded default"):
            ready = running.enter_context(start_local(plan, started))
        print_ready(ready, as_json)
        with suppress(KeyboardInterrupt):
            stopped.wait()


def print_ready(ready: "Ready", as_json: bool) -> None:
    """Prints what runs where (a JSON object on stdout with `as_json`)."""
    if as_json:
        print(json.dumps(ready.model_dump(mode="json")), flush=True)
        return
    amazon = ready.amazon
    rows: list[list[object]] = [
        ["HTTP API", ready.api_url],
        ["Redirect URI", ready.redirect_uri],
        ["AWS endpoint", ready.aws_endpoint],
        ["region", ready.region],
        ["notifications queue URL", ready.notifications_queue_url],
        ["notifications queue ARN", ready.notifications_queue_arn],
        ["Amazon", "built-in sandbox" if ready.builtin_sandbox else "external (not started here)"],
        ["SP-API endpoint", amazon.spapi_endpoint_url],
        ["LWA token URL", amazon.lwa_token_url],
        ["Seller Central URL", amazon.seller_central_url],
        ["time scale", amazon.time_scale],
        ["functions / schedules", f"{ready.functions} / {ready.schedules}"],
        ["template", "from the synthesis cache" if ready.template_cached else "synthesized (now cached)"],
        ["state file", ready.state_file],
        ["function logs", ".local/logs/"],
    ]
    console.print(table(f"Embedded default ready in {ready.startup_seconds} s", ["what", "where"], rows))
    console.print(f"Use it with: AWS_ENDPOINT_URL={ready.aws_endpoint} aws ...  or  sellersync stack outputs --local")
    if ready.state_file != str(DEFAULT_STATE_FILE):
        console.print(f"For `--local` commands: export SELLERSYNC_LOCAL_STATE={ready.state_file}")
    console.print("Ctrl-C stops it.")


ALARM_COLUMNS = ["alarm", "state", "why", "metric"]
STATE_STYLE = {"ALARM": "[red]ALARM[/red]", "OK": "[green]OK[/green]"}


def alarms(
    firing: Annotated[bool, typer.Option("--firing", help="Only the alarms in ALARM.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """The stack's alarms and their state, evaluated now on the embedded AWS's metrics and queues."""
    from cli.target import resolve_target
    from local.alarms import ALARM, evaluate_alarms

    with reporting():
        target = resolve_target(True, STACK_NAME)
        states = evaluate_alarms(target.client("cloudwatch"), target.client("sqs"), target.stack_name)
    shown = [s for s in states if s.state == ALARM] if firing else states
    if as_json:
        print_json(shown)
        return
    print_alarms(shown, target.stack_name)


def print_alarms(states: "list[AlarmState]", stack_name: str) -> None:
    """The alarms as a table, firing ones first."""
    prefix = f"{stack_name}-"
    rows = [
        [cell(s.name.removeprefix(prefix)), STATE_STYLE.get(s.state, s.state), cell(s.reason), cell(s.metric)]
        for s in states
    ]
    firing = sum(s.state == "ALARM" for s in states)
    console.print(table(f"Alarms: {firing} of {len(states)} in ALARM (evaluated locally)", ALARM_COLUMNS, rows))
