"""`sellersync local up`, without the terminal: start the embedded default facing an Amazon, record it, report it.

The Amazon is the built-in sandbox (started here, with the stack's Redirect URI registered) or one that runs elsewhere
(`amazon` given: nothing is started for it). The AWS is moto in this process, or one that runs elsewhere
(`aws_endpoint_url`). The template comes from the synthesis cache when the sources are unchanged (local/synth.py).
"""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from infra.config import STACK_NAME
from infra.outputs import Output
from local.amazon import CALLBACK_PATH, run_facing, run_local_world
from local.endpoints import AmazonEndpoints, LwaCredentials
from local.runtime import LocalOptions, LocalStack
from local.state import LocalState, clear_state, write_state
from local.synth import CACHE_DIR, synthesize_cached


@dataclass(frozen=True)
class UpPlan:
    """What `local up` was asked for, validated."""

    state_file: Path
    api_port: int | None = None
    aws_port: int | None = None
    aws_endpoint_url: str | None = None
    sandbox_port: int = 0
    amazon: AmazonEndpoints | None = None
    credentials: LwaCredentials | None = None
    time_scale: float = 1.0
    clock_speed: float = 1.0
    login_hop: bool = False
    log_dir: Path | None = None
    cache_dir: Path = CACHE_DIR
    stack_name: str = STACK_NAME


class Ready(BaseModel):
    """What a started embedded default reports (printed, and with --json written as this object)."""

    api_url: str
    redirect_uri: str
    aws_endpoint: str
    region: str
    notifications_queue_url: str
    notifications_queue_arn: str
    amazon: AmazonEndpoints
    builtin_sandbox: bool
    template_cached: bool
    functions: int
    schedules: int
    state_file: str
    startup_seconds: float


def _options(plan: UpPlan) -> LocalOptions:
    return LocalOptions(
        stack_name=plan.stack_name,
        aws_port=None if plan.aws_endpoint_url else plan.aws_port,
        aws_endpoint_url=plan.aws_endpoint_url,
        api_port=plan.api_port,
        clock_speed=plan.clock_speed,
        time_scale=plan.time_scale,
        log_dir=plan.log_dir,
    )


@contextmanager
def _facing(template: dict[str, object], plan: UpPlan) -> Iterator[tuple[LocalStack, AmazonEndpoints]]:
    options = _options(plan)
    if plan.amazon is not None:
        with run_facing(template, options, plan.amazon, plan.credentials) as stack:
            yield stack, plan.amazon
        return
    # The built-in sandbox plays the LWA app of the credentials given, if any (so the secret and Amazon agree).
    app = {} if plan.credentials is None else _sandbox_app(plan.credentials)
    with run_local_world(
        template, options, sandbox_port=plan.sandbox_port, login_hop=plan.login_hop, time_scale=plan.time_scale, **app
    ) as world:
        yield world.stack, world.amazon


def _sandbox_app(credentials: LwaCredentials) -> dict[str, object]:
    return {
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret.get_secret_value(),
        "application_id": credentials.application_id,
    }


@contextmanager
def start_local(plan: UpPlan, started: float | None = None) -> Iterator[Ready]:
    """Runs the embedded default until the block ends; the state file names it meanwhile."""
    started = time.monotonic() if started is None else started
    synthesis = synthesize_cached(cache_dir=plan.cache_dir)
    with _facing(synthesis.template, plan) as (stack, amazon):
        deployed = stack.deployed
        write_state(
            LocalState(
                deployed.aws.endpoint_url,
                deployed.aws.region,
                plan.stack_name,
                stack.api_url,
                deployed.outputs,
                os.getpid(),
                amazon,
            ),
            plan.state_file,
        )
        try:
            yield Ready(
                api_url=stack.api_url,
                redirect_uri=f"{stack.api_url}{CALLBACK_PATH}",
                aws_endpoint=deployed.aws.endpoint_url,
                region=deployed.aws.region,
                notifications_queue_url=deployed.outputs[Output.NOTIFICATIONS_QUEUE_URL],
                notifications_queue_arn=deployed.outputs[Output.NOTIFICATIONS_QUEUE_ARN],
                amazon=amazon,
                builtin_sandbox=plan.amazon is None,
                template_cached=synthesis.cached,
                functions=len(deployed.functions),
                schedules=len(deployed.schedules),
                state_file=str(plan.state_file),
                startup_seconds=round(time.monotonic() - started, 1),
            )
        finally:
            clear_state(plan.state_file)
