"""`connections pause|resume`: set or clear a pause, and on resume run each resumed sync once.

A pause is an entry in the connection's `paused` map (shared/repositories/connection_pauses.py), nothing is deployed:
the runner skips the paused sync types (SKIPPED "paused", cursors untouched) and the inventory lanes queue nothing
(the SKU states keep every value). A resume that removed a pause puts one job (trigger `on_demand`) per resumed sync
type on its work queue: orders and catalog continue from their cursors, and the inventory reconciliation queues
every SKU's current offer again, so what changed during the pause reaches Amazon; releasing `shipments` (or the whole
connection) queues a flush of the cancellations kept pending and a release of the packages held (sent once each:
shared/shipments/hold.py). A resume that found nothing to remove (run twice, or
concurrently) enqueues nothing, so the parked work is sent once.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from cli.errors import UsageError
from cli.target import Target
from infra.config import SYNC_TYPES, SyncType
from infra.outputs import Output, dlq_output_key, queue_output_key
from shared.models.connection import PAUSE_ALL, PAUSE_SHIPMENTS, Connection, ConnectionStatus
from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncJob
from shared.repositories.connection_pauses import ConnectionPauses
from shared.shipments.messages import CancellationFlush, HeldRelease
from shared.sync.queue import SqsJobQueue


class PauseStore(Protocol):
    """ConnectionPauses' conditional writes: each answers whether it changed the map."""

    def pause(self, connection_id: str, scope: str, by: str, reason: str | None = None) -> bool:
        """Sets the pause unless there is one."""
        ...

    def resume(self, connection_id: str, scope: str) -> bool:
        """Removes the pause if there is one."""
        ...


@dataclass(frozen=True)
class PauseChange:
    """What `pause` or `resume` did: whether the map changed, and the sync types whose run was enqueued."""

    connection_id: str
    scope: str
    changed: bool
    enqueued: list[str] = field(default_factory=list)
    error: str | None = None

    def as_json(self) -> dict[str, object]:
        """The `--json` answer."""
        sync = None if self.scope == PAUSE_ALL else self.scope
        return {
            "connection_id": self.connection_id,
            "sync_type": sync,
            "changed": self.changed,
            "enqueued": self.enqueued,
            "error": self.error,
        }


def scope_of(sync_type: str | None, registry: Sequence[SyncType] = SYNC_TYPES) -> str:
    """The `paused` key: PAUSE_ALL without a sync type, else the sync type (registered) or `shipments`."""
    if sync_type is None:
        return PAUSE_ALL
    known = [entry.name for entry in registry] + [PAUSE_SHIPMENTS]
    if sync_type not in known:
        raise UsageError(f"unknown sync type {sync_type!r}; registered sync types: {', '.join(known)}")
    return sync_type


def pause(pauses: PauseStore, connection: Connection, scope: str, by: str, reason: str | None) -> PauseChange:
    """Pauses the connection (PAUSE_ALL) or one sync type; a pause already there stands (changed False)."""
    changed = pauses.pause(connection.connection_id, scope, by, reason)
    return PauseChange(connection.connection_id, scope, changed)


def to_run_after_resume(
    connection: Connection, settings: ConnectionSettings, scope: str, registry: Sequence[SyncType] = SYNC_TYPES
) -> list[str]:
    """The sync types a resume of `scope` releases: enabled (or always on), and not still held by another pause."""
    if connection.status is not ConnectionStatus.ACTIVE:
        return []  # their runs would be skipped anyway; re-authorizing the connection runs them
    remaining = {k: v for k, v in connection.paused.items() if k != scope}
    released = []
    for entry in registry:
        if scope not in (PAUSE_ALL, entry.name):
            continue
        if PAUSE_ALL in remaining or entry.name in remaining:
            continue
        if entry.always_on or entry.name in settings.enabled_syncs:
            released.append(entry.name)
    if scope in (PAUSE_ALL, PAUSE_SHIPMENTS) and not ({PAUSE_ALL, PAUSE_SHIPMENTS} & set(remaining)):
        released.append(PAUSE_SHIPMENTS)  # the pending cancellations' flush and the held packages' release
    return released


def resume(
    pauses: PauseStore,
    connection: Connection,
    settings: ConnectionSettings,
    scope: str,
    enqueue: Callable[[str], None],
    registry: Sequence[SyncType] = SYNC_TYPES,
) -> PauseChange:
    """Clears the pause; only when this call cleared it, runs each released sync type once (`enqueue`).

    An enqueue error is returned, not raised: the pause is cleared already, and the next schedule runs the syncs.
    """
    cid = connection.connection_id
    if not pauses.resume(cid, scope):
        return PauseChange(cid, scope, changed=False)
    enqueued: list[str] = []
    for sync_type in to_run_after_resume(connection, settings, scope, registry):
        try:
            enqueue(sync_type)
        except Exception as exc:  # reported to the operator; the schedule runs it at its next interval
            return PauseChange(cid, scope, True, enqueued, f"{sync_type}: {type(exc).__name__}: {exc}")
        enqueued.append(sync_type)
    return PauseChange(cid, scope, True, enqueued)


def job_sender(target: Target, connection_id: str, now: datetime) -> Callable[[str], None]:
    """Puts one on-demand job of a sync type on its work queue, or (`shipments`) a cancellation flush on the
    cancellations queue and a release of the held packages on the verification queue: the stack's, cloud or local."""

    def send(sync_type: str) -> None:
        if sync_type == PAUSE_SHIPMENTS:
            sqs = target.client("sqs")
            flush = CancellationFlush(connection_id=connection_id).model_dump_json()
            sqs.send_message(QueueUrl=target.output(Output.SHIPMENTS_CANCELLATIONS_QUEUE_URL), MessageBody=flush)
            release = HeldRelease(connection_id=connection_id).model_dump_json()
            sqs.send_message(QueueUrl=target.output(Output.SHIPMENTS_VERIFY_QUEUE_URL), MessageBody=release)
            return
        queue = SqsJobQueue(
            target.client("sqs"), target.output(queue_output_key(sync_type)), target.output(dlq_output_key(sync_type))
        )
        queue.send_jobs(
            [SyncJob(sync_type=sync_type, connection_id=connection_id, requested_at=now, trigger="on_demand")]
        )

    return send


def pauses_for(target: Target) -> ConnectionPauses:
    """The stack's connections table, for pauses."""
    from infra.names import Table
    from infra.outputs import table_output_key

    return ConnectionPauses(target.output(table_output_key(Table.CONNECTIONS)), target.client("dynamodb"))


def operator() -> str:
    """Who pauses: the operating-system user running the CLI."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
