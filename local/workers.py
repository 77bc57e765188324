"""Runs the real handler code the way Lambda does: one warm process per concurrent execution, its own environment.

Each worker is a spawned Python process that sets the function's environment (the same variables as in the cloud,
plus the endpoint of the embedded AWS), imports the handler once, and then serves invocations until stopped. A handler
that runs past the function's timeout is killed, as Lambda would, and the next invocation starts a fresh process.
Its stdout goes through `local.emf.EmfCapture`: the EMF lines (the metrics) an invocation printed come back with its
result (`InvocationResult.metrics`), for the runtime to put to the embedded CloudWatch.
"""

import contextlib
import importlib
import multiprocessing
import os
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from threading import BoundedSemaphore, Lock
from typing import Any

from local.emf import EmfCapture
from local.specs import FunctionSpec

_SPAWN = multiprocessing.get_context("spawn")


@dataclass
class LambdaContext:
    """The fields of the Lambda context object that our handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    deadline: float
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function times out."""
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class InvocationResult:
    """What an invocation returned, or how it failed."""

    ok: bool
    payload: Any
    duration_ms: float
    # The EMF documents the invocation printed (its metrics, as CloudWatch Logs would extract them).
    metrics: tuple[dict[str, Any], ...] = ()

    @property
    def error_message(self) -> str:
        """The error message of a failed invocation ('' when it succeeded)."""
        return "" if self.ok else str(self.payload.get("errorMessage", ""))


def _serve(
    conn: Connection, handler_path: str, env: dict[str, str], spec_name: str, memory: int, log_file: str | None
) -> None:
    if log_file:
        # The function's log stream: what Lambda would send to CloudWatch Logs goes to this file instead.
        descriptor = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(descriptor, 1)
        os.dup2(descriptor, 2)
    os.environ.clear()
    os.environ.update(env)
    capture = EmfCapture(sys.stdout)
    sys.stdout = capture  # before the handler's import: Powertools' Logger keeps the stream it finds then
    module_name, _, attr = handler_path.rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), attr)
    except Exception as exc:  # reported as Lambda reports an init error
        conn.send(("error", {"errorType": "Runtime.ImportModuleError", "errorMessage": f"{handler_path}: {exc}"}))
        return
    conn.send(("ready", None))
    arn = f"arn:aws:lambda:{env.get('AWS_REGION', 'eu-west-1')}:123456789012:function:{spec_name}"
    while True:
        message = conn.recv()
        if message is None:
            return
        event, timeout = message
        ctx = LambdaContext(spec_name, memory, arn, str(uuid.uuid4()), time.monotonic() + timeout)
        try:
            conn.send(("ok", handler(event, ctx), capture.take()))
        except Exception as exc:  # a handler error is the invocation's result, as in Lambda
            error = {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_exc().splitlines(),
            }
            conn.send(("error", error, capture.take()))


INIT_TIMEOUT_SECONDS = 60


class _Worker:
    def __init__(self, spec: FunctionSpec, env: dict[str, str], log_file: str | None = None) -> None:
        self.conn, child = _SPAWN.Pipe()
        self.process = _SPAWN.Process(
            target=_serve,
            args=(child, spec.handler, env, spec.name, spec.memory_mb, log_file),
            daemon=True,
            name=f"lambda:{spec.name}",
        )
        self.process.start()
        self.init_error: dict[str, Any] | None = None
        # The cold start: interpreter, imports and module-level definitions, before the handler's own clock starts.
        if not self.conn.poll(INIT_TIMEOUT_SECONDS):
            self.init_error = {"errorType": "Runtime.InitTimeout", "errorMessage": "init did not finish in time"}
            return
        status, payload = self.conn.recv()
        if status != "ready":
            self.init_error = payload

    def stop(self) -> None:
        if self.process.is_alive():
            with contextlib.suppress(BrokenPipeError, OSError):
                self.conn.send(None)
            self.process.join(2)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)


class FunctionPool:
    """Warm workers for one function; grows up to `max_concurrency` and kills workers that time out."""

    def __init__(
        self, spec: FunctionSpec, extra_env: dict[str, str], max_concurrency: int = 10, *, log_dir: Path | None = None
    ) -> None:
        self.spec = spec
        # None: the workers inherit this process's stdout/stderr (tests capture them); else <log_dir>/<name>.log.
        self.log_file = str(log_dir / f"{spec.name}.log") if log_dir else None
        if log_dir:
            log_dir.mkdir(parents=True, exist_ok=True)
        self.env = {
            **spec.environment,
            **extra_env,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        }
        self.max_concurrency = max_concurrency
        self._idle: list[_Worker] = []
        self._busy = 0
        self._lock = Lock()
        self._slots = BoundedSemaphore(max_concurrency)

    def _acquire(self) -> _Worker:
        with self._lock:
            if self._idle:
                self._busy += 1
                return self._idle.pop()
            self._busy += 1
        return _Worker(self.spec, self.env, self.log_file)

    def _release(self, worker: _Worker, healthy: bool) -> None:
        with self._lock:
            self._busy -= 1
            if healthy:
                self._idle.append(worker)
                return
        worker.kill()  # timed out or broken: Lambda discards the execution environment

    def invoke(self, event: Any) -> InvocationResult:
        """Invokes the handler with `event`, waiting at most the function's timeout once the worker is warm."""
        with self._slots:
            return self._invoke(event)

    def _invoke(self, event: Any) -> InvocationResult:
        worker = self._acquire()
        started = time.monotonic()
        if worker.init_error is not None:
            self._release(worker, healthy=False)
            return InvocationResult(False, worker.init_error, 0.0)
        worker.conn.send((event, self.spec.timeout_seconds))
        if worker.conn.poll(self.spec.timeout_seconds):
            try:
                status, payload, metrics = worker.conn.recv()
            except EOFError:
                self._release(worker, healthy=False)
                return InvocationResult(
                    False,
                    {"errorType": "Runtime.ExitError", "errorMessage": "process exited"},
                    (time.monotonic() - started) * 1000,
                )
            self._release(worker, healthy=True)
            return InvocationResult(status == "ok", payload, (time.monotonic() - started) * 1000, tuple(metrics))
        self._release(worker, healthy=False)
        message = f"Task timed out after {self.spec.timeout_seconds} seconds"
        return InvocationResult(
            False, {"errorType": "Sandbox.Timedout", "errorMessage": message}, (time.monotonic() - started) * 1000
        )

    def stop(self) -> None:
        """Stops every idle worker."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()
