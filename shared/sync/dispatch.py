"""The scheduled dispatch: one job per ACTIVE connection that has this sync type enabled (or all, if `always_on`).

A connection whose stored settings no longer validate is not enqueued: its status item records ERROR naming the
invalid fields, every dispatch, until someone fixes the item. It never fails the dispatch for the others.

A dispatch that finds no connection due emits a SyncHeartbeats data point: with nothing to sync the sync type has not
stalled, so a stack without connections keeps its stall alarm OK, while a scheduler that stopped invoking leaves the
heartbeat missing, which the alarm treats as breaching (shared/models/schedule.py).
"""

from shared.models.connection import ConnectionStatus
from shared.models.sync import SyncJob
from shared.repositories.errors import ConnectionNotFoundError, InvalidStoredSettingsError
from shared.sync.dependencies import SyncDependencies, connection_log_keys
from shared.sync.events import DispatchResult
from shared.sync.jobs import record_error
from shared.sync.metrics import SYNC_HEARTBEATS, MetricUnit


def dispatch(deps: SyncDependencies) -> DispatchResult:
    """Enqueues the due jobs and runs the sync type's after-dispatch step; returns what it did.

    Raises JobQueueError when jobs could not be enqueued (the scheduler retries; re-sent jobs are harmless).
    """
    definition, now = deps.definition, deps.clock()
    active = deps.connections.list_connections(ConnectionStatus.ACTIVE)
    jobs: list[SyncJob] = []
    not_enabled = invalid = 0
    for connection in active:
        cid = connection.connection_id
        with connection_log_keys(deps.logger, cid):
            try:
                settings = deps.connections.get_settings(cid)
            except ConnectionNotFoundError:
                continue  # deleted since it was listed
            except InvalidStoredSettingsError as exc:
                invalid += 1
                record_error(cid, deps, now, f"settings invalid: {'; '.join(exc.errors)}")
                continue
        if not definition.enabled_for(settings):
            not_enabled += 1
            continue
        jobs.append(SyncJob(sync_type=definition.name, connection_id=cid, requested_at=now, trigger="schedule"))
    enqueued = deps.queue.send_jobs(jobs)
    if not jobs:
        deps.metrics.add_metric(SYNC_HEARTBEATS, MetricUnit.Count, 1)
    if definition.after_dispatch is not None:
        definition.after_dispatch()
    result = DispatchResult(
        sync_type=definition.name,
        active_connections=len(active),
        enqueued=enqueued,
        not_enabled=not_enabled,
        invalid_settings=invalid,
    )
    deps.logger.info("dispatch done", extra=result.as_response())
    return result
