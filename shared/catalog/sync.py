"""The `catalog` sync type, hourly: per marketplace of a connection, the searchListingsItems delta of the last hour
applied (shared/catalog/delta.py), and the All Listings Report requested, waited for and applied
(shared/catalog/report_import.py) when a reconciliation is due.

A reconciliation is due on the first import (no report applied yet: the delta has nothing to start from), when the
last applied report is older than the connection's `catalog_reconcile_hours` (default 24: the report is the only
complete list, so deletions and anything the delta missed are caught once a day), on an on-demand run (`sellersync
sync catalog`), and when a delta met more than 1,000 changes within one second (it could not read them all). A run
requests the report of each such marketplace that has none pending, then looks at every pending one: done -> the
document is streamed, parsed and applied; still processing -> a continuation job comes back after 15 s to a minute
(a report may take minutes, and Amazon may serve one it made within the last hours); failed or cancelled (Amazon's
"no data") -> counted, and the next run asks again. The report id is kept in the pair's sync state (a conditional
write), so a redelivered job never requests a second report while one is pending.

Only the run that asked for a report, and its continuations, wait for it: a later run that finds it still pending
counts it and sends no continuation of its own, so hourly runs never pile up polling chains (and should the chain be
gone, the next hourly run looks again).

The delta runs once a report was applied: the first one reads from that report's request time, each later one from
its saved cursor (`delta_cursor`), which moves only past what was applied and is saved with the state's conditional
write. A report pending does not hold the delta back.

Applying a report re-reads its rows from the Listings Items API (shared/catalog/enrich.py), 20 a call at 5 calls/s, so
a large catalog outlasts one Lambda. When the client runs out of time the run keeps, beside the still-pending report
id, how far the import got (the state's counts, with RESUME_KEY), sends a continuation job and ends OK; the
continuation downloads the same document again (getReportDocument gives a fresh URL) and goes on from there. A delta
out of time keeps its cursor and continues the same way; any other call out of time (a report request or look) too,
with nothing to keep. A continuation never requests a report: it finishes the pending ones and the deltas (else
interrupted runs would keep asking for fresh reports and never end).
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from shared.catalog import SYNC_TYPE
from shared.catalog.delta import DeltaCounts, DeltaInterruptedError, DeltaTarget, run_delta
from shared.catalog.enrich import ItemReader, ListingsApi
from shared.catalog.items import ListingWriter, emit
from shared.catalog.metrics import CatalogMetric, CatalogMetricsSink, MetricUnit
from shared.catalog.outbox import republish_pending
from shared.catalog.progress import ProgressStore, ProgressWriter, expected_entries
from shared.catalog.report_fetch import ReportDone, ReportFailed, ReportsApi, download, report_state, request_report
from shared.catalog.report_import import (
    CatalogStore,
    ImportCounts,
    ImportInterruptedError,
    Resume,
    apply_report,
)
from shared.models.listings import CatalogSyncState
from shared.models.sync import SyncJob
from shared.spapi.errors import OutOfTimeError
from shared.sync.dependencies import JobContext, RunReport, SyncDefinition

# Seconds between looks at a pending report (a continuation job waits in the work queue): as long as the report has
# been pending, at least FIRST_POLL_SECONDS (a small catalog's report is often ready in seconds), at most POLL_SECONDS.
FIRST_POLL_SECONDS = 15
POLL_SECONDS = 60
# The state's counts key that marks an import interrupted after this many report entries (absent otherwise).
RESUME_KEY = "resume_entries"
CONTINUATION = "continuation"
ON_DEMAND = "on_demand"


class CatalogApi(ReportsApi, ListingsApi, Protocol):
    """The client methods the sync uses (SpApiClient has them all)."""


class StateStore(CatalogStore, ProgressStore, Protocol):
    """The catalog store with the per-marketplace sync state (ListingsRepository)."""

    def sync_state(self, connection_id: str, marketplace_id: str) -> CatalogSyncState: ...  # noqa: D102

    def save_sync_state(self, state: CatalogSyncState) -> CatalogSyncState: ...  # noqa: D102


@dataclass(frozen=True)
class CatalogSyncDeps:
    """The catalog table, Amazon per job, the bus, metrics, the work queue's delayed send and the clock."""

    store: StateStore
    api_for: Callable[[JobContext], CatalogApi]
    publish: Callable[[Sequence[dict[str, Any]]], None]
    bus_name: str
    metrics: CatalogMetricsSink
    continue_later: Callable[[SyncJob, float], None]
    clock: Callable[[], datetime]
    poll_seconds: float = POLL_SECONDS


@dataclass
class _Run:
    """One job: its context, dependencies and client, and what it found so far."""

    context: JobContext
    deps: CatalogSyncDeps
    api: CatalogApi
    counts: Counter[str]
    details: dict[str, str]
    pending_since: list[datetime]
    requested: set[str] = field(default_factory=set)

    def note(self, marketplace_id: str, text: str) -> None:
        """Adds to the marketplace's line of the status details."""
        found = self.details.get(marketplace_id)
        self.details[marketplace_id] = f"{found}; {text}" if found else text


def catalog_sync(deps: CatalogSyncDeps) -> SyncDefinition:
    """The sync type as the runner sees it (enabled per connection in its settings' `enabled_syncs`)."""
    return SyncDefinition(name=SYNC_TYPE, run=partial(run, deps=deps))


def run(context: JobContext, deps: CatalogSyncDeps) -> RunReport:
    """One connection: every marketplace's delta applied, its report requested or applied (see the module doc)."""
    job = _Run(context, deps, deps.api_for(context), Counter(), {}, [])
    delay: float | None = None
    for marketplace_id in context.connection.marketplace_ids:
        try:
            _marketplace(job, marketplace_id)
        except ImportInterruptedError as exc:
            delay = exc.retry_after
            job.note(marketplace_id, f"out of time after {exc.resume.entries} report entries: continued")
            break
        except DeltaInterruptedError as exc:
            delay = exc.retry_after or FIRST_POLL_SECONDS
            job.note(marketplace_id, f"delta out of time at {exc.cursor.isoformat()}: continued")
            break
        except OutOfTimeError as exc:
            delay = exc.retry_after
            job.note(marketplace_id, f"out of time at {exc.operation}: continued")
            break
    if delay is None and job.pending_since:
        waited = (deps.clock() - min(job.pending_since)).total_seconds()
        delay = min(deps.poll_seconds, max(FIRST_POLL_SECONDS, waited))
    elif delay is not None:
        job.counts["continued"] += 1
    if delay is not None:
        deps.continue_later(context.job.model_copy(update={"trigger": CONTINUATION}), delay)
    return RunReport(counts=dict(job.counts), details=job.details)


def _marketplace(job: _Run, marketplace_id: str) -> None:
    state = job.deps.store.sync_state(job.context.connection.connection_id, marketplace_id)
    # Events a crashed run left in the outbox go out first (shared/catalog/outbox.py).
    republished = republish_pending(
        job.deps.store, state.connection_id, marketplace_id, job.deps.publish, job.deps.clock()
    )
    if republished:
        job.counts["republished"] += republished
    if state.report_id is None and _reconcile_due(job, state):
        state = _request(job, state)
    if state.report_id is not None:
        state = _report(job, state)
    if state.delta_cursor is not None and not _delta_ran(job, state):
        state, capped = _delta(job, state)
        if capped and state.report_id is None and job.context.job.trigger != CONTINUATION:
            _report(job, _request(job, state))  # the delta could not read everything: the report will


def _delta_ran(job: _Run, state: CatalogSyncState) -> bool:
    """Whether the delta already ran to its end for this job (a continuation carries the job's request time), so a
    continuation that finishes another marketplace's report does not read every applied marketplace again."""
    return state.last_delta_at is not None and state.last_delta_at >= job.context.job.requested_at


def _reconcile_due(job: _Run, state: CatalogSyncState) -> bool:
    """Whether this run asks for a report: never on a continuation; else on demand, or when none was applied, or the
    last one is older than the connection's reconciliation interval."""
    trigger = job.context.job.trigger
    if trigger == CONTINUATION:
        return False
    if trigger == ON_DEMAND or state.last_report_at is None:
        return True
    interval = timedelta(hours=job.context.settings.catalog_reconcile_hours)
    return job.deps.clock() - state.last_report_at >= interval


def _request(job: _Run, state: CatalogSyncState) -> CatalogSyncState:
    report_id = request_report(job.api, state.marketplace_id)
    update = {"report_id": report_id, "report_requested_at": job.deps.clock(), "counts": _finished(state.counts)}
    job.counts["reports_requested"] += 1
    job.requested.add(state.marketplace_id)
    return job.deps.store.save_sync_state(state.model_copy(update=update))


def _report(job: _Run, state: CatalogSyncState) -> CatalogSyncState:
    """Looks at the pending report: failed -> forgotten, pending -> noted for the next look, done -> applied."""
    assert state.report_id is not None
    marketplace_id = state.marketplace_id
    found = report_state(job.api, state.report_id, state.report_requested_at, job.deps.clock())  # MAX_PENDING
    if isinstance(found, ReportFailed):
        update = {"report_id": None, "report_requested_at": None, "counts": _finished(state.counts)}
        job.counts[found.count_key] += 1
        job.note(marketplace_id, f"report {found.status}: {found.reason}")
        return job.deps.store.save_sync_state(state.model_copy(update=update))
    if not isinstance(found, ReportDone):
        job.counts["reports_pending"] += 1
        if job.context.job.trigger == CONTINUATION or marketplace_id in job.requested:
            # One chain of continuations waits for a report: the run that asked for it starts it. A later run that
            # finds it pending leaves it to that chain (and looks again an hour later, should the chain be gone).
            job.pending_since.append(state.report_requested_at or job.deps.clock())
        return state
    try:
        state, applied = _apply(job, state, found.document_id)
    except ImportInterruptedError as exc:
        kept = exc.resume.counts.as_counts() | {RESUME_KEY: exc.resume.entries}
        job.deps.store.save_sync_state(state.model_copy(update={"counts": kept}))
        raise
    job.counts.update(applied)
    job.note(marketplace_id, ", ".join(f"{k} {v}" for k, v in applied.items() if v) or "report applied")
    return state


def _finished(counts: dict[str, int]) -> dict[str, int]:
    """The counts without an interrupted import's resume point (it belongs to a report no longer pending)."""
    return {key: value for key, value in counts.items() if key != RESUME_KEY}


def _apply(job: _Run, state: CatalogSyncState, document_id: str) -> tuple[CatalogSyncState, dict[str, int]]:
    deps, now = job.deps, job.deps.clock()
    body = download(job.api, document_id)
    cid, mkt = state.connection_id, state.marketplace_id
    reader = ItemReader(job.api, job.context.connection.selling_partner_id, mkt)
    resume = None
    if RESUME_KEY in state.counts:
        resume = Resume(state.counts[RESUME_KEY], ImportCounts.from_counts(state.counts))
    assert state.report_id is not None
    total = expected_entries(deps.store, state, resume is not None)
    progress = ProgressWriter(deps.store, cid, mkt, state.report_id, total, deps.clock)
    # Once the delta keeps listings current (it starts after the first report), rows that agree are not re-read.
    skip = state.delta_cursor is not None
    imported = apply_report(
        cid,
        mkt,
        body.parse(),
        deps.store,
        deps.publish,
        deps.bus_name,
        now,
        deps.metrics,
        reader,
        resume,
        skip_unchanged=skip,
        progress=progress,
    )
    counts = imported.as_counts()
    update: dict[str, Any] = {"report_id": None, "report_requested_at": None, "last_report_at": now, "counts": counts}
    # The first delta reads from the report's request time: every change after it is the delta's.
    update["delta_cursor"] = state.delta_cursor or state.report_requested_at or now
    return deps.store.save_sync_state(state.model_copy(update=update)), counts


def _delta(job: _Run, state: CatalogSyncState) -> tuple[CatalogSyncState, bool]:
    """Applies the marketplace's delta and saves its cursor; True when a window stayed over Amazon's cap."""
    assert state.delta_cursor is not None
    deps, now = job.deps, job.deps.clock()
    target = DeltaTarget(state.connection_id, job.context.connection.selling_partner_id, state.marketplace_id)
    writer = ListingWriter(deps.store, deps.publish, deps.bus_name)
    try:
        done = run_delta(job.api, target, state.delta_cursor, now, writer)
    except DeltaInterruptedError as exc:
        _delta_done(job, state, exc.counts, exc.cursor, None)
        if isinstance(exc.__cause__, OutOfTimeError):
            raise
        raise exc.__cause__ or exc from None
    saved = _delta_done(job, state, done.counts, done.cursor, now)
    return saved, done.counts.capped > 0


def _delta_done(
    job: _Run, state: CatalogSyncState, delta: DeltaCounts, cursor: datetime, finished: datetime | None
) -> CatalogSyncState:
    """Counts the delta and saves how far it applied (the state's conditional write), and when it ran to its end
    (`last_delta_at`; an interrupted one leaves it)."""
    emit(delta.applied, job.deps.metrics)
    job.deps.metrics.add_metric(CatalogMetric.CATALOG_DELTA_ITEMS, MetricUnit.Count, delta.read)
    job.deps.metrics.add_metric(CatalogMetric.CATALOG_DELTA_CAPPED, MetricUnit.Count, delta.capped)
    counts = delta.as_counts()
    job.counts.update(counts)
    job.note(state.marketplace_id, ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "no changes")
    update = {"delta_cursor": cursor, "last_delta_at": finished or state.last_delta_at}
    return job.deps.store.save_sync_state(state.model_copy(update=update))
