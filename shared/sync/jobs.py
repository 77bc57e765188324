"""Running one job: check the connection and its settings, run the sync, record the outcome, emit the metrics.

Outcomes (each recorded on the connection's `SYNC#<type>` item and counted in SyncRuns/SyncFailures):
- connection not ACTIVE, or the sync type not enabled in its settings: SKIPPED with the reason (not counted);
- stored connection or settings that no longer validate: ERROR naming the fields, not retried (an operator must fix
  the item first, and retrying cannot help);
- the authorization revoked (LWA `invalid_grant`) or no refresh token stored: the connection becomes
  NEEDS_REAUTHORIZATION, ERROR, not retried;
- any other exception: ERROR, then re-raised so the message returns to the queue (and ends in the DLQ after
  MAX_RECEIVE_COUNT receives);
- otherwise OK with the counts the sync returned.
Each outcome also feeds the stall and failing-connection alarms: a success emits SyncHeartbeats 1 and
ConnectionsFailing 0; an ERROR adds one to the status item's `consecutive_failures` and emits ConnectionsFailing 1
once that reaches FAILING_AFTER_RUNS (else 0).
A job naming no connection or another sync type raises UnprocessableJobError (the caller dead-letters it).
"""

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime

from shared.models.connection import ConnectionStatus
from shared.models.schedule import FAILING_AFTER_RUNS
from shared.models.sync import SyncJob, SyncState
from shared.repositories.errors import (
    ConcurrentUpdateError,
    ConnectionNotFoundError,
    InvalidStoredConnectionError,
    InvalidStoredItemError,
    NoRefreshTokenError,
)
from shared.spapi.errors import AuthorizationRevokedError
from shared.sync.dependencies import JobContext, RunReport, SyncDependencies, UnprocessableJobError
from shared.sync.events import SyncResult
from shared.sync.metrics import (
    CONNECTIONS_FAILING,
    CONNECTIONS_NEEDING_REAUTHORIZATION,
    SYNC_FAILURES,
    SYNC_HEARTBEATS,
    SYNC_RUNS,
    MetricUnit,
)

# Connection.status_reason holds at most 500 characters.
MAX_STATUS_REASON = 500


@dataclass(frozen=True)
class _Run:
    """One run's identity: its job, when it started (wall clock, the status item's `last_run_at`) and its timer."""

    job: SyncJob
    run_at: datetime
    started: float


def run_job(job: SyncJob, deps: SyncDependencies, remaining_time_ms: Callable[[], int] | None = None) -> SyncResult:
    """Runs one job to an outcome (see the module doc); re-raises what may succeed on a retry."""
    name = deps.definition.name
    if job.sync_type != name:
        raise UnprocessableJobError(f"a {job.sync_type!r} job reached the {name!r} sync function")
    run = _Run(job, deps.clock(), deps.timer())
    prepared = _prepare(run, deps, remaining_time_ms)
    if isinstance(prepared, SyncResult):
        return prepared
    claim = deps.definition.claim
    with ExitStack() as held:
        try:
            claimed = held.enter_context(claim(prepared)) if claim is not None else ""
        except InvalidStoredItemError as exc:  # an item the claim reads (the orders cursor) edited into nonsense
            return record_error(
                job.connection_id, deps, run.run_at, f"{exc.item_kind} invalid: {'; '.join(exc.errors)}"
            )
        if claimed is None:
            return _busy(run, deps)
        return _run(run, deps, replace(prepared, claim=claimed or None))


def _run(run: _Run, deps: SyncDependencies, context: JobContext) -> SyncResult:
    job, name = run.job, deps.definition.name
    deps.statuses.record_start(job.connection_id, name, run.run_at)
    try:
        report = deps.definition.run(context)
    except (AuthorizationRevokedError, NoRefreshTokenError) as exc:
        return _needs_reauthorization(run, deps, exc)
    except Exception as exc:
        deps.logger.exception("sync run failed")
        record_error(job.connection_id, deps, run.run_at, error_text(exc), _elapsed_ms(run, deps))
        raise
    counts = dict(report.counts if isinstance(report, RunReport) else report)
    details = dict(report.details) if isinstance(report, RunReport) else {}
    duration_ms = _elapsed_ms(run, deps)
    deps.statuses.record_success(job.connection_id, name, run.run_at, counts, duration_ms, details)
    _count_run(deps, failed=False)
    deps.metrics.add_metric(SYNC_HEARTBEATS, MetricUnit.Count, 1)
    deps.metrics.add_metric(CONNECTIONS_FAILING, MetricUnit.Count, 0)
    deps.logger.info("sync run succeeded", extra={"counts": counts, "details": details, "duration_ms": duration_ms})
    return SyncResult(
        connection_id=job.connection_id, sync_type=name, state=SyncState.OK, counts=counts, details=details
    )


def _busy(run: _Run, deps: SyncDependencies) -> SyncResult:
    """Another run holds the connection: this job ends, and the status item stays that run's."""
    reason = f"another {deps.definition.name} run of this connection is under way"
    deps.logger.info("sync run not started", extra={"reason": reason})
    return SyncResult(
        connection_id=run.job.connection_id, sync_type=deps.definition.name, state=SyncState.SKIPPED, error=reason
    )


def _prepare(run: _Run, deps: SyncDependencies, remaining_time_ms: Callable[[], int] | None) -> JobContext | SyncResult:
    """The job's context, or the outcome when the run cannot start (skipped or invalid stored items)."""
    cid = run.job.connection_id
    try:
        connection = deps.connections.get_connection(cid)
        if connection is None:
            raise UnprocessableJobError(f"no connection {cid!r}")
        if connection.status is not ConnectionStatus.ACTIVE:
            detail = f": {connection.status_reason}" if connection.status_reason else ""
            return _skip(run, deps, f"connection is {connection.status.value}{detail}")
        settings = deps.connections.get_settings(cid)
    except ConnectionNotFoundError:
        raise UnprocessableJobError(f"no connection {cid!r}") from None
    except InvalidStoredItemError as exc:
        what = "connection" if isinstance(exc, InvalidStoredConnectionError) else "settings"
        return record_error(cid, deps, run.run_at, f"{what} invalid: {'; '.join(exc.errors)}")
    if not deps.definition.enabled_for(settings):
        return _skip(run, deps, f"{deps.definition.name} is not in the connection's enabled_syncs")
    return JobContext(run.job, connection, settings, remaining_time_ms)


def _skip(run: _Run, deps: SyncDependencies, reason: str) -> SyncResult:
    deps.statuses.record_skipped(run.job.connection_id, deps.definition.name, run.run_at, reason)
    deps.logger.info("sync run skipped", extra={"reason": reason})
    return SyncResult(
        connection_id=run.job.connection_id, sync_type=deps.definition.name, state=SyncState.SKIPPED, error=reason
    )


def _needs_reauthorization(run: _Run, deps: SyncDependencies, exc: Exception) -> SyncResult:
    """Marks the connection NEEDS_REAUTHORIZATION (if still ACTIVE) and records the run as failed, unretried."""
    cid = run.job.connection_id
    reason = f"{deps.definition.name} sync: {exc}; the seller must authorize the app again"[:MAX_STATUS_REASON]
    try:
        deps.connections.update_status(cid, ConnectionStatus.NEEDS_REAUTHORIZATION, reason, ConnectionStatus.ACTIVE)
    except (ConcurrentUpdateError, ConnectionNotFoundError):
        # Re-authorized, disconnected or already marked meanwhile: that newer state stands.
        deps.logger.info("connection changed during the run; its status is left as it is")
    else:
        deps.metrics.add_metric(CONNECTIONS_NEEDING_REAUTHORIZATION, MetricUnit.Count, 1)
        deps.logger.warning("authorization revoked: connection marked NEEDS_REAUTHORIZATION")
    return record_error(cid, deps, run.run_at, reason, _elapsed_ms(run, deps))


def record_error(
    connection_id: str, deps: SyncDependencies, run_at: datetime, error: str, duration_ms: int | None = None
) -> SyncResult:
    """Records an ERROR outcome, counts it and logs it; returns it as a result."""
    name = deps.definition.name
    in_a_row = deps.statuses.record_failed_run(connection_id, name, run_at, error, duration_ms)
    _count_run(deps, failed=True)
    if in_a_row is not None:  # None: a newer run's outcome stands, and counted itself
        deps.metrics.add_metric(CONNECTIONS_FAILING, MetricUnit.Count, 1 if in_a_row >= FAILING_AFTER_RUNS else 0)
    deps.logger.warning("sync run ended in ERROR", extra={"error": error, "consecutive_failures": in_a_row})
    return SyncResult(connection_id=connection_id, sync_type=name, state=SyncState.ERROR, error=error)


def error_text(exc: BaseException) -> str:
    """The exception as a status message: its type and its text (our errors never carry secrets)."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _count_run(deps: SyncDependencies, *, failed: bool) -> None:
    deps.metrics.add_metric(SYNC_RUNS, MetricUnit.Count, 1)
    deps.metrics.add_metric(SYNC_FAILURES, MetricUnit.Count, 1 if failed else 0)


def _elapsed_ms(run: _Run, deps: SyncDependencies) -> int:
    return max(0, round((deps.timer() - run.started) * 1000))
