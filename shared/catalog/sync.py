"""The `catalog` sync type: per marketplace of a connection, the All Listings Report requested, waited for and applied
to the stored catalog (shared/catalog/report_import.py).

A run requests the report of each marketplace that has none pending, then looks at every pending one: done -> the
document is streamed, parsed and applied; still processing -> the run ends and a continuation job comes back after
15 s to a minute (a report may take minutes, and Amazon may serve one it made within the last hours); failed or
cancelled (Amazon's "no data") -> counted, and the next run asks again. The report id is kept in the pair's sync state
(a conditional write), so a redelivered job never requests a second report while one is pending.

Applying a report re-reads its rows from the Listings Items API (shared/catalog/enrich.py), 20 a call at 5 calls/s, so
a large catalog outlasts one Lambda. When the client runs out of time the run keeps, beside the still-pending report
id, how far the import got (the state's counts, with RESUME_KEY), sends a continuation job and ends OK; the
continuation downloads the same document again (getReportDocument gives a fresh URL) and goes on from there. Any other
call that runs out of time (a report request or look) continues the same way, with nothing to keep. A continuation
never requests a report: it finishes the pending ones (a marketplace already applied is left until the next run,
else interrupted runs would keep asking for fresh reports and never end).

Left for the next slices (docs/catalog.md): the hourly searchListingsItems delta, listings notifications, starting
quantities and SKU mapping.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from shared.catalog import SYNC_TYPE
from shared.catalog.enrich import ItemReader, ListingsApi
from shared.catalog.metrics import CatalogMetricsSink
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


class CatalogApi(ReportsApi, ListingsApi, Protocol):
    """The client methods the sync uses (SpApiClient has them all)."""


class StateStore(CatalogStore, Protocol):
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


def catalog_sync(deps: CatalogSyncDeps) -> SyncDefinition:
    """The sync type as the runner sees it (enabled per connection in its settings' `enabled_syncs`)."""
    return SyncDefinition(name=SYNC_TYPE, run=partial(run, deps=deps))


def run(context: JobContext, deps: CatalogSyncDeps) -> RunReport:
    """One connection: every marketplace's report requested, or applied once done (see the module doc)."""
    api = deps.api_for(context)
    counts: Counter[str] = Counter()
    details: dict[str, str] = {}
    delay: float | None = None
    pending_since: list[datetime] = []
    for marketplace_id in context.connection.marketplace_ids:
        try:
            _marketplace(context, deps, api, marketplace_id, counts, details, pending_since)
        except ImportInterruptedError as exc:
            delay = exc.retry_after
            details[marketplace_id] = f"out of time after {exc.resume.entries} report entries: continued"
            break
        except OutOfTimeError as exc:
            delay = exc.retry_after
            details[marketplace_id] = f"out of time at {exc.operation}: continued"
            break
    if delay is None and pending_since:
        waited = (deps.clock() - min(pending_since)).total_seconds()
        delay = min(deps.poll_seconds, max(FIRST_POLL_SECONDS, waited))
    elif delay is not None:
        counts["continued"] += 1
    if delay is not None:
        deps.continue_later(context.job.model_copy(update={"trigger": CONTINUATION}), delay)
    return RunReport(counts=dict(counts), details=details)


def _marketplace(
    context: JobContext,
    deps: CatalogSyncDeps,
    api: CatalogApi,
    marketplace_id: str,
    counts: Counter[str],
    details: dict[str, str],
    pending_since: list[datetime],
) -> None:
    cid = context.connection.connection_id
    state = deps.store.sync_state(cid, marketplace_id)
    if state.report_id is None:
        if context.job.trigger == CONTINUATION:
            return  # a continuation finishes the reports of its run; the next run asks for new ones
        report_id = request_report(api, marketplace_id)
        update = {"report_id": report_id, "report_requested_at": deps.clock(), "counts": _finished(state.counts)}
        state = deps.store.save_sync_state(state.model_copy(update=update))
        counts["reports_requested"] += 1
    assert state.report_id is not None
    found = report_state(api, state.report_id, state.report_requested_at, deps.clock())  # given up after MAX_PENDING
    if isinstance(found, ReportFailed):
        update = {"report_id": None, "report_requested_at": None, "counts": _finished(state.counts)}
        deps.store.save_sync_state(state.model_copy(update=update))
        counts[found.count_key] += 1
        details[marketplace_id] = f"report {found.status}: {found.reason}"
        return
    if not isinstance(found, ReportDone):
        counts["reports_pending"] += 1
        pending_since.append(state.report_requested_at or deps.clock())
        return
    try:
        applied = _apply(context, deps, api, state, found.document_id)
    except ImportInterruptedError as exc:
        kept = exc.resume.counts.as_counts() | {RESUME_KEY: exc.resume.entries}
        deps.store.save_sync_state(state.model_copy(update={"counts": kept}))
        raise
    counts.update(applied)
    details[marketplace_id] = ", ".join(f"{k} {v}" for k, v in applied.items() if v)


def _finished(counts: dict[str, int]) -> dict[str, int]:
    """The counts without an interrupted import's resume point (it belongs to a report no longer pending)."""
    return {key: value for key, value in counts.items() if key != RESUME_KEY}


def _apply(
    context: JobContext, deps: CatalogSyncDeps, api: CatalogApi, state: CatalogSyncState, document_id: str
) -> dict[str, int]:
    now = deps.clock()
    body = download(api, document_id)
    cid, mkt = state.connection_id, state.marketplace_id
    reader = ItemReader(api, context.connection.selling_partner_id, mkt)
    resume = None
    if RESUME_KEY in state.counts:
        resume = Resume(state.counts[RESUME_KEY], ImportCounts.from_counts(state.counts))
    imported = apply_report(
        cid, mkt, body.parse(), deps.store, deps.publish, deps.bus_name, now, deps.metrics, reader, resume
    )
    counts = imported.as_counts()
    update = {"report_id": None, "report_requested_at": None, "last_report_at": now, "counts": counts}
    deps.store.save_sync_state(state.model_copy(update=update))
    return counts
