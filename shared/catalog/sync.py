"""The `catalog` sync type: per marketplace of a connection, the All Listings Report requested, waited for and applied
to the stored catalog (shared/catalog/report_import.py).

A run requests the report of each marketplace that has none pending, then looks at every pending one: done -> the
document is streamed, parsed and applied; still processing -> the run ends and a continuation job comes back after
15 s to a minute (a report may take minutes, and Amazon may serve one it made within the last hours); failed or
cancelled (Amazon's "no data") -> counted, and the next run asks again. The report id is kept in the pair's sync state
(a conditional write), so a redelivered job never requests a second report while one is pending.

Left for the next slices (docs/catalog.md): the Listings Items API re-read of garbled rows and of what the report
lacks (handling days, families, issues), the hourly searchListingsItems delta, listings notifications, starting
quantities and SKU mapping.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from shared.catalog import SYNC_TYPE
from shared.catalog.metrics import CatalogMetricsSink
from shared.catalog.report_fetch import ReportDone, ReportFailed, ReportsApi, download, report_state, request_report
from shared.catalog.report_import import CatalogStore, apply_report
from shared.models.listings import CatalogSyncState
from shared.models.sync import SyncJob
from shared.sync.dependencies import JobContext, RunReport, SyncDefinition

# Seconds between looks at a pending report (a continuation job waits in the work queue): as long as the report has
# been pending, at least FIRST_POLL_SECONDS (a small catalog's report is often ready in seconds), at most POLL_SECONDS.
FIRST_POLL_SECONDS = 15
POLL_SECONDS = 60


class StateStore(CatalogStore, Protocol):
    """The catalog store with the per-marketplace sync state (ListingsRepository)."""

    def sync_state(self, connection_id: str, marketplace_id: str) -> CatalogSyncState: ...  # noqa: D102

    def save_sync_state(self, state: CatalogSyncState) -> CatalogSyncState: ...  # noqa: D102


@dataclass(frozen=True)
class CatalogSyncDeps:
    """The catalog table, Amazon per job, the bus, metrics, the work queue's delayed send and the clock."""

    store: StateStore
    api_for: Callable[[JobContext], ReportsApi]
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
    pending_since: list[datetime] = []
    cid = context.connection.connection_id
    for marketplace_id in context.connection.marketplace_ids:
        state = deps.store.sync_state(cid, marketplace_id)
        if state.report_id is None:
            report_id = request_report(api, marketplace_id)
            update = {"report_id": report_id, "report_requested_at": deps.clock()}
            state = deps.store.save_sync_state(state.model_copy(update=update))
            counts["reports_requested"] += 1
        assert state.report_id is not None
        found = report_state(api, state.report_id)
        if isinstance(found, ReportFailed):
            deps.store.save_sync_state(state.model_copy(update={"report_id": None, "report_requested_at": None}))
            counts["reports_failed"] += 1
            details[marketplace_id] = f"report {found.status}: {found.reason}"
            continue
        if not isinstance(found, ReportDone):
            counts["reports_pending"] += 1
            pending_since.append(state.report_requested_at or deps.clock())
            continue
        applied = _apply(context, deps, api, state, found.document_id)
        counts.update(applied)
        details[marketplace_id] = ", ".join(f"{k} {v}" for k, v in applied.items() if v)
    if pending_since:
        waited = (deps.clock() - min(pending_since)).total_seconds()
        delay = min(deps.poll_seconds, max(FIRST_POLL_SECONDS, waited))
        deps.continue_later(context.job.model_copy(update={"trigger": "continuation"}), delay)
    return RunReport(counts=dict(counts), details=details)


def _apply(
    context: JobContext, deps: CatalogSyncDeps, api: ReportsApi, state: CatalogSyncState, document_id: str
) -> dict[str, int]:
    now = deps.clock()
    body = download(api, document_id)
    cid, mkt = state.connection_id, state.marketplace_id
    imported = apply_report(cid, mkt, body.parse(), deps.store, deps.publish, deps.bus_name, now, deps.metrics)
    counts = imported.as_counts()
    update = {"report_id": None, "report_requested_at": None, "last_report_at": now, "counts": counts}
    deps.store.save_sync_state(state.model_copy(update=update))
    return counts
