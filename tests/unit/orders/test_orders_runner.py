"""The sync runner's `claim` hook and RunReport details, through shared.sync.jobs.run_job with the runner's fakes."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from shared.models.sync import SyncJob, SyncState
from shared.orders.sync import PollingConfig, orders_sync
from shared.sync.dependencies import Counts, JobContext, RunReport, SyncDefinition, SyncDependencies
from shared.sync.events import SyncResult
from shared.sync.jobs import run_job
from shared.sync.metrics import SYNC_RUNS
from tests.unit.orders.amazon import CID, SELLER, T0, amazon_order, search_page
from tests.unit.orders.fakes import make_logger
from tests.unit.orders.sync_harness import FIRST_AFTER, FIRST_BEFORE, SETTINGS, SyncHarness
from tests.unit.sync.fakes import FakeConnections, FakeMetrics, FakeQueue, FakeStatuses, connection

JOB = SyncJob(sync_type="orders", connection_id=CID, requested_at=T0)


def runner(definition: SyncDefinition, statuses: FakeStatuses, metrics: FakeMetrics | None = None) -> SyncDependencies:
    connections = FakeConnections()
    connections.add(connection(SELLER), SETTINGS)
    ticks = iter(float(n) for n in range(100))
    return SyncDependencies(
        definition=definition,
        connections=connections,
        statuses=statuses,
        queue=FakeQueue(),
        metrics=metrics or FakeMetrics(),
        logger=make_logger(),
        clock=lambda: T0,
        timer=lambda: next(ticks),
    )


def test_a_busy_connection_ends_skipped_without_touching_its_status_item() -> None:
    orders = SyncHarness()
    orders.cursors.leases[CID] = ("other-run", T0 + timedelta(minutes=10))
    statuses, metrics = FakeStatuses(), FakeMetrics()

    result = run_job(JOB, runner(orders_sync(orders.deps), statuses, metrics))

    assert (result.state, result.error) == (SyncState.SKIPPED, "another orders run of this connection is under way")
    assert statuses.writes == []  # the status item belongs to the run under way
    assert metrics.points == [] and orders.api.searches == [] and orders.subscribed == []


def test_the_orders_run_records_its_window_in_the_status_details_and_gives_the_lease_back() -> None:
    orders = SyncHarness()
    orders.api.pages[None] = search_page([amazon_order()])
    statuses, metrics = FakeStatuses(), FakeMetrics()

    result = run_job(JOB, runner(orders_sync(orders.deps), statuses, metrics))

    details = {
        "window_after": FIRST_AFTER.isoformat(),
        "window_before": FIRST_BEFORE.isoformat(),
        "watermark": FIRST_BEFORE.isoformat(),
    }
    assert (result.state, result.details) == (SyncState.OK, details)
    assert [kind for kind, *_ in statuses.writes] == ["start", "success"]
    assert statuses.last(CID)["details"] == details
    assert statuses.last(CID)["counts"]["imported"] == 1
    assert metrics.total(SYNC_RUNS) == 1
    assert orders.cursors.leases == {} and len(orders.cursors.released) == 1


def test_the_run_gets_the_claim_and_the_claim_ends_after_the_run() -> None:
    story: list[str] = []
    seen: list[JobContext] = []

    @contextmanager
    def claim(context: JobContext) -> Iterator[str | None]:
        story.append(f"claim {context.connection.connection_id}")
        yield "claim-1"
        story.append("release")

    def run(context: JobContext) -> RunReport:
        seen.append(context)
        story.append("run")
        return RunReport(counts={"items": 2}, details={"note": "hello"})

    statuses = FakeStatuses()
    result = run_job(JOB, runner(SyncDefinition(name="orders", run=run, claim=claim), statuses))

    assert story == [f"claim {CID}", "run", "release"]
    assert [c.claim for c in seen] == ["claim-1"]
    assert statuses.last(CID)["details"] == {"note": "hello"} and statuses.last(CID)["counts"] == {"items": 2}
    assert (result.counts, result.details) == ({"items": 2}, {"note": "hello"})


def test_a_claim_that_yields_none_never_runs_the_sync() -> None:
    ran: list[JobContext] = []

    @contextmanager
    def busy(context: JobContext) -> Iterator[str | None]:
        yield None

    def run(context: JobContext) -> Counts:
        ran.append(context)
        return {}

    statuses = FakeStatuses()
    definition = SyncDefinition(name="orders", run=run, claim=busy)

    assert run_job(JOB, runner(definition, statuses)).state is SyncState.SKIPPED
    assert ran == [] and statuses.writes == []


def test_without_a_claim_hook_the_run_has_no_claim() -> None:
    seen: list[JobContext] = []

    def run(context: JobContext) -> Counts:
        seen.append(context)
        return {"n": 1}

    definition = SyncDefinition(name="orders", run=run)

    assert run_job(JOB, runner(definition, FakeStatuses())).state is SyncState.OK
    assert [c.claim for c in seen] == [None]


def test_a_job_of_enabling_orders_during_the_first_import_ends_without_a_second_import() -> None:
    # Given the on-connect job's first import under way (holding the lease) when the job of `settings set
    # enabled_syncs=orders` arrives on another worker
    orders = SyncHarness()
    orders.api.pages[None] = search_page([amazon_order()])
    statuses = FakeStatuses()
    deps = runner(orders_sync(orders.deps), statuses)
    enabled = SyncJob(sync_type="orders", connection_id=CID, requested_at=T0, trigger="enabled")
    during: list[SyncResult] = []
    orders.api.on_search = lambda: during.append(run_job(enabled, deps)) if not during else None

    first = run_job(SyncJob(sync_type="orders", connection_id=CID, requested_at=T0, trigger="connected"), deps)

    # Then the enabled job ends at once, importing nothing; the first import is the only one
    assert [(r.state, r.error) for r in during] == [
        (SyncState.SKIPPED, "another orders run of this connection is under way")
    ]
    assert (first.state, first.counts["imported"]) == (SyncState.OK, 1)
    assert len(orders.api.searches) == 1 and len(orders.sinks.store.writes) == 1
    assert [kind for kind, *_ in statuses.writes] == ["start", "success"]
    # And nothing is lost: the next job (schedule or enabled) carries on from the first import's watermark
    orders.api.on_search = None
    later = run_job(enabled, deps)
    assert later.state is SyncState.OK
    assert later.details["window_after"] == (FIRST_BEFORE - PollingConfig().overlap).isoformat()
