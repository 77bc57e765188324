"""What the generic sync runner works with: the sync type it runs, and its dependencies, all injected.

A sync type is a `SyncDefinition`: its name, the function that syncs one connection (`run`, given a `JobContext`,
returning counts), whether it runs for every ACTIVE connection regardless of `enabled_syncs` (`always_on`), and an
optional step after each scheduled dispatch. The handler builds the real dependencies (repositories, SQS, Powertools
Metrics and Logger); unit tests pass fakes of the Protocols below.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from shared.clock import utc_now
from shared.models.connection import Connection, ConnectionStatus
from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncJob
from shared.sync.metrics import MetricsSink
from shared.sync.queue import JobQueue

if TYPE_CHECKING:  # the annotations only: importing the sync vocabulary (infra/config.py does) loads no Powertools
    from aws_lambda_powertools import Logger

type Counts = Mapping[str, int]


@dataclass(frozen=True)
class RunReport:
    """What a run may return instead of bare counts: the counts plus short texts for the status item (`details`)."""

    counts: Counts
    details: Mapping[str, str]


class UnprocessableJobError(Exception):
    """A job that can never succeed (it names no connection, or another sync type): it goes to the DLQ, unretried."""


class ConnectionsPort(Protocol):
    """The parts of ConnectionsRepository the runner uses."""

    def get_connection(self, connection_id: str) -> Connection | None:
        """The connection, or None."""
        ...

    def list_connections(self, status: ConnectionStatus | None = None) -> list[Connection]:
        """Connections (of one status)."""
        ...

    def get_settings(self, connection_id: str) -> ConnectionSettings:
        """The settings; raises InvalidStoredSettingsError or ConnectionNotFoundError."""
        ...

    def update_status(
        self,
        connection_id: str,
        status: ConnectionStatus,
        reason: str | None,
        expected_status: ConnectionStatus | None = None,
    ) -> None:
        """Sets the status; raises ConcurrentUpdateError when not in `expected_status`."""
        ...


class StatusesPort(Protocol):
    """The SyncStatusRepository's writes (each returns False when a newer run's outcome is already recorded)."""

    def record_start(self, connection_id: str, sync_type: str, run_at: datetime) -> bool:
        """RUNNING."""
        ...

    def record_success(
        self,
        connection_id: str,
        sync_type: str,
        run_at: datetime,
        counts: Mapping[str, int],
        duration_ms: int,
        details: Mapping[str, str] | None = None,
    ) -> bool:
        """OK with counts (and details)."""
        ...

    def record_failure(
        self, connection_id: str, sync_type: str, run_at: datetime, error: str, duration_ms: int | None = None
    ) -> bool:
        """ERROR with its message."""
        ...

    def record_failed_run(
        self, connection_id: str, sync_type: str, run_at: datetime, error: str, duration_ms: int | None = None
    ) -> int | None:
        """ERROR with its message; the failures in a row counting this one (None: a newer outcome is recorded)."""
        ...

    def record_skipped(self, connection_id: str, sync_type: str, run_at: datetime, reason: str) -> bool:
        """SKIPPED with the reason."""
        ...


@dataclass(frozen=True)
class JobContext:
    """What a sync function gets for one job: the job, its ACTIVE connection and that connection's valid settings."""

    job: SyncJob
    connection: Connection
    settings: ConnectionSettings
    # Milliseconds left in this invocation (the Lambda context's), for syncs that must stop in time; None: no limit.
    remaining_time_ms: Callable[[], int] | None = None
    # The id of the claim the definition's `claim` took for this run (None for sync types without one).
    claim: str | None = None


@dataclass(frozen=True)
class SyncDefinition:
    """One sync type as the runner sees it."""

    name: str
    run: Callable[[JobContext], Counts | RunReport]
    always_on: bool = False
    after_dispatch: Callable[[], None] | None = None
    # Exclusive runs per connection: entered before the run starts, yields a claim id, or None while another run
    # holds the connection (the job then ends without touching the status item, which belongs to that run).
    claim: Callable[[JobContext], AbstractContextManager[str | None]] | None = None

    def enabled_for(self, settings: ConnectionSettings) -> bool:
        """Whether this sync type runs for a connection with these settings."""
        return self.always_on or self.name in settings.enabled_syncs


@dataclass(frozen=True)
class SyncDependencies:
    """Everything the runner needs, built once per container by the handler (or by a test)."""

    definition: SyncDefinition
    connections: ConnectionsPort
    statuses: StatusesPort
    queue: JobQueue
    metrics: MetricsSink
    logger: Logger
    clock: Callable[[], datetime] = utc_now
    timer: Callable[[], float] = time.monotonic


@contextmanager
def connection_log_keys(logger: Logger, connection_id: str) -> Iterator[None]:
    """Adds `connection_id` to every log line of the block (one record or one dispatched connection)."""
    logger.append_keys(connection_id=connection_id)
    try:
        yield
    finally:
        logger.remove_keys(["connection_id"])
