"""`settings set` enabling a sync starts it: its first run goes on the sync type's work queue at once.

The sync types that start so are those a new connection starts at once (`runs_on_connect`), except `inventory`, whose
reconciliation `settings set` runs itself (it re-sends every SKU, and says how many). The job (trigger `enabled`) is
worked like any other: if another run of the connection holds the sync's lease (the on-connect job's first import,
say), the job ends SKIPPED without importing, and that run and the ones after it carry on from the saved cursor
(docs/orders.md, "Enabling orders while a run is under way").
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from cli.settings_edit import SettingsUpdate
from cli.target import Target, TargetError
from infra.config import SYNC_TYPES, SyncType
from infra.outputs import dlq_output_key, queue_output_key
from shared.inventory import SYNC_TYPE as INVENTORY
from shared.models.sync import SyncJob
from shared.sync.queue import JobQueueError, SqsJobQueue


@dataclass(frozen=True)
class SyncsStarted:
    """The sync types whose first run was enqueued, and the error that stopped the others (the settings are saved)."""

    enqueued: list[str]
    error: str | None = None


def started_by(update: SettingsUpdate, registry: Sequence[SyncType] = SYNC_TYPES) -> list[str]:
    """The sync types this update enabled (they were not enabled before) that start with a job on their queue."""
    change = next((c for c in update.changes if c["key"] == "enabled_syncs"), None)
    if change is None:
        return []
    added = set(change["new"] or []) - set(change["old"] or [])
    return [
        entry.name for entry in registry if entry.name in added and entry.runs_on_connect and entry.name != INVENTORY
    ]


def enqueue_first_runs(target: Target, connection_id: str, sync_types: Sequence[str], now: datetime) -> SyncsStarted:
    """Puts one `enabled` job per sync type on its work queue; an error is returned, not raised (the save stands)."""
    enqueued: list[str] = []
    for sync_type in sync_types:
        try:
            queue = SqsJobQueue(
                target.client("sqs"),
                target.output(queue_output_key(sync_type)),
                target.output(dlq_output_key(sync_type)),
            )
            queue.send_jobs(
                [SyncJob(sync_type=sync_type, connection_id=connection_id, requested_at=now, trigger="enabled")]
            )
        except (TargetError, JobQueueError, ClientError, BotoCoreError) as exc:  # the settings are saved already
            return SyncsStarted(enqueued, f"{sync_type}: {type(exc).__name__}: {exc}")
        enqueued.append(sync_type)
    return SyncsStarted(enqueued)
