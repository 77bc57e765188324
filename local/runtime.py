"""The embedded default, running: moto server with the stack deployed, functions, pollers, clock and HTTP adapter.

Every invocation's metrics (the EMF its function printed, and Lambda's Invocations and Errors) are put to the embedded
CloudWatch (local/emf.py), where `sellersync local alarms` evaluates the template's alarms on them (local/alarms.py).
"""

import json
import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.aws import LocalAws, free_port, moto_server
from local.clock import ScheduleClock
from local.deploy import deploy_template
from local.emf import LAMBDA_NAMESPACE, lambda_data, put_emf, put_entries
from local.http_adapter import HttpAdapter
from local.pollers import QueuePoller
from local.specs import DeployedStack, ScheduleSpec
from local.workers import FunctionPool, InvocationResult
from shared.clock import scaled_monotonic

log = logging.getLogger(__name__)


@dataclass
class LocalOptions:
    """How to run the embedded default."""

    stack_name: str = "SellerSync"
    aws_port: int | None = None
    # An AWS already running (a moto server or LocalStack) to deploy into instead of starting moto in this process.
    aws_endpoint_url: str | None = None
    api_port: int | None = None
    # Extra environment for every function, e.g. the Amazon endpoints of the local sandbox.
    function_env: dict[str, str] = field(default_factory=dict)
    run_pollers: bool = True
    run_clock: bool = True
    clock_speed: float = 1.0
    retry_visibility_seconds: int | None = None
    # Amazon seconds per real second: the pollers' batching windows pass this much faster (as the feed lane's
    # window is sized for Amazon's feed quota, which a time-scaled Amazon refills faster).
    time_scale: float = 1.0
    # Where the functions' logs go (one file per function); None: this process's stdout/stderr.
    log_dir: Path | None = None


class LocalRuntime:
    """Invokes the deployed functions as Lambda would, from queues, schedules and HTTP requests."""

    def __init__(self, deployed: DeployedStack, options: LocalOptions) -> None:
        self.deployed, self.options = deployed, options
        extra = {**deployed.aws.env(), **options.function_env}
        concurrency = {e.function: e.max_concurrency or 10 for e in deployed.event_sources}
        self.pools = {
            name: FunctionPool(spec, extra, concurrency.get(name, 10), log_dir=options.log_dir)
            for name, spec in deployed.functions.items()
        }
        self.pollers = self._new_pollers()
        self.clock = ScheduleClock(deployed.schedules, self.fire, speed=options.clock_speed)
        self.http = HttpAdapter(deployed.routes, self.invoke, options.api_port or free_port())
        self.fired: list[tuple[str, InvocationResult]] = []

    def _new_pollers(self) -> list[QueuePoller]:
        sqs = self.deployed.aws.client("sqs")
        region, visibility = self.deployed.aws.region, self.options.retry_visibility_seconds
        monotonic = scaled_monotonic(self.options.time_scale)
        return [
            QueuePoller(spec, sqs, self.invoke, region, visibility, monotonic=monotonic)
            for spec in self.deployed.event_sources
        ]

    @contextmanager
    def polling(self) -> Iterator[None]:
        """Runs the queue pollers for the duration of the block, in a runtime started without them (tests that share
        one deployed stack turn them on for the modules that need Lambda's event sources)."""
        if self.options.run_pollers:
            yield
            return
        self.pollers = self._new_pollers()
        for poller in self.pollers:
            poller.start()
        try:
            yield
        finally:
            self._stop_pollers()

    def _stop_pollers(self) -> None:
        for poller in self.pollers:
            poller.stop()
        for poller in self.pollers:
            if poller.is_alive():
                poller.join(5)

    def invoke(self, function: str, event: Any) -> InvocationResult:
        """Invokes one function synchronously."""
        if function not in self.pools:
            raise KeyError(f"no function {function!r} in the local stack")
        result = self.pools[function].invoke(event)
        self._put_metrics(function, result)
        return result

    def _put_metrics(self, function: str, result: InvocationResult) -> None:
        """The invocation's metrics into the embedded CloudWatch; a failure there is logged, never the invocation's."""
        try:
            cloudwatch = self.deployed.aws.client("cloudwatch")
            put_emf(cloudwatch, result.metrics)
            put_entries(cloudwatch, LAMBDA_NAMESPACE, lambda_data(function, not result.ok, datetime.now(UTC)))
        except Exception as exc:  # the embedded AWS stopping under a late invocation, say
            log.warning("metrics of %s not put to the embedded CloudWatch: %s", function, exc)

    def fire(self, schedule: ScheduleSpec) -> InvocationResult:
        """Fires a schedule now, with its payload, as EventBridge Scheduler would."""
        result = self.invoke(schedule.function, json.loads(schedule.payload or "{}"))
        self.fired.append((schedule.logical_id, result))
        if not result.ok:
            log.warning("schedule %s: %s", schedule.logical_id, result.error_message)
        return result

    def start(self) -> None:
        """Starts the HTTP adapter and, as configured, the pollers and the clock."""
        self.http.start()
        if self.options.run_pollers:
            for poller in self.pollers:
                poller.start()
        if self.options.run_clock:
            self.clock.start()

    def stop(self) -> None:
        """Stops everything it started."""
        self.clock.stop()
        self._stop_pollers()
        self.http.stop()
        for pool in self.pools.values():
            pool.stop()


@dataclass
class LocalStack:
    """A running embedded default."""

    deployed: DeployedStack
    runtime: LocalRuntime

    @property
    def api_url(self) -> str:
        """Base URL of the local HTTP API."""
        return self.runtime.http.url


@contextmanager
def run_local_stack(template: dict[str, Any], options: LocalOptions | None = None) -> Iterator[LocalStack]:
    """Starts moto server (or uses `options.aws_endpoint_url`), deploys `template` into it and runs it until the block
    ends."""
    options = options or LocalOptions()
    with ExitStack() as stack:
        if options.aws_endpoint_url:
            aws = LocalAws(options.aws_endpoint_url.rstrip("/"))
        else:
            aws = stack.enter_context(moto_server(options.aws_port))
        options = replace(options, api_port=options.api_port or free_port())
        api_url = f"http://127.0.0.1:{options.api_port}"
        in_process = options.aws_endpoint_url is None
        deployed = deploy_template(template, options.stack_name, aws, api_url, in_process=in_process)
        runtime = LocalRuntime(deployed, options)
        runtime.start()
        stack.callback(runtime.stop)
        yield LocalStack(deployed, runtime)
