"""In-memory fakes at the sync runner's seams: connections, status items, the job queue and metrics."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import SecretStr, ValidationError

from shared.models.connection import Connection, ConnectionStatus
from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncJob
from shared.repositories.errors import (
    ConcurrentUpdateError,
    ConnectionNotFoundError,
    InvalidStoredSettingsError,
    NoRefreshTokenError,
)
from shared.spapi.marketplaces import Region
from shared.sync.dependencies import Counts, JobContext, SyncDefinition, SyncDependencies
from shared.sync.metrics import MetricUnit

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
DE = "A1PA6795UKMFR9"


def connection(seller: str, status: ConnectionStatus = ConnectionStatus.ACTIVE, **fields: Any) -> Connection:
    """An EU connection of a seller, authorized 100 days before T0 by default."""
    at = fields.pop("authorized_at", T0 - timedelta(days=100))
    return Connection(
        selling_partner_id=seller,
        region=Region.EU,
        name=f"Shop {seller}",
        marketplace_ids=(DE,),
        status=status,
        authorized_at=at,
        created_at=at,
        updated_at=at,
        **fields,
    )


def invalid_settings_error(connection_id: str) -> InvalidStoredSettingsError:
    """What the repository raises for a SETTINGS item edited into an invalid state."""
    try:
        ConnectionSettings.model_validate({"inventory_buffer": -1})
    except ValidationError as exc:
        return InvalidStoredSettingsError(connection_id, exc)
    raise AssertionError("expected a validation error")


@dataclass
class FakeConnections:
    """Connections in memory; settings may be an exception to raise, as a hand-edited item would."""

    connections: dict[str, Connection] = field(default_factory=dict)
    settings: dict[str, ConnectionSettings | Exception] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    status_updates: list[tuple[str, ConnectionStatus, str | None, ConnectionStatus | None]] = field(
        default_factory=list
    )
    concurrent_status_change: bool = False

    def add(self, conn: Connection, settings: ConnectionSettings | Exception | None = None) -> str:
        cid = conn.connection_id
        self.connections[cid] = conn
        self.settings[cid] = settings if settings is not None else ConnectionSettings()
        self.tokens[cid] = f"Atzr|fake-{cid}"
        return cid

    def get_connection(self, connection_id: str) -> Connection | None:
        return self.connections.get(connection_id)

    def list_connections(self, status: ConnectionStatus | None = None) -> list[Connection]:
        return [c for c in self.connections.values() if status is None or c.status is status]

    def get_settings(self, connection_id: str) -> ConnectionSettings:
        if connection_id not in self.connections:
            raise ConnectionNotFoundError(connection_id)
        found = self.settings[connection_id]
        if isinstance(found, Exception):
            raise found
        return found

    def get_refresh_token(self, connection_id: str) -> SecretStr:
        if connection_id not in self.tokens:
            raise NoRefreshTokenError(connection_id)
        return SecretStr(self.tokens[connection_id])

    def update_status(
        self,
        connection_id: str,
        status: ConnectionStatus,
        reason: str | None,
        expected_status: ConnectionStatus | None = None,
    ) -> None:
        self.status_updates.append((connection_id, status, reason, expected_status))
        current = self.connections[connection_id]
        if self.concurrent_status_change or (expected_status is not None and current.status is not expected_status):
            raise ConcurrentUpdateError(connection_id)
        self.connections[connection_id] = current.model_copy(update={"status": status, "status_reason": reason})


@dataclass
class FakeStatuses:
    """Status writes, in order, as (kind, connection_id, sync_type, details); failures in a row per (connection,
    sync type), as the repository's counter keeps them."""

    writes: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    in_a_row: dict[tuple[str, str], int] = field(default_factory=dict)

    def record_start(self, connection_id: str, sync_type: str, run_at: datetime) -> bool:
        self.writes.append(("start", connection_id, sync_type, {"run_at": run_at}))
        return True

    def record_success(
        self,
        connection_id: str,
        sync_type: str,
        run_at: datetime,
        counts: Mapping[str, int],
        duration_ms: int,
        details: Mapping[str, str] | None = None,
    ) -> bool:
        recorded = {
            "run_at": run_at,
            "counts": dict(counts),
            "duration_ms": duration_ms,
            "details": dict(details or {}),
        }
        self.writes.append(("success", connection_id, sync_type, recorded))
        self.in_a_row[(connection_id, sync_type)] = 0
        return True

    def record_failure(
        self, connection_id: str, sync_type: str, run_at: datetime, error: str, duration_ms: int | None = None
    ) -> bool:
        return self.record_failed_run(connection_id, sync_type, run_at, error, duration_ms) is not None

    def record_failed_run(
        self, connection_id: str, sync_type: str, run_at: datetime, error: str, duration_ms: int | None = None
    ) -> int | None:
        details = {"run_at": run_at, "error": error, "duration_ms": duration_ms}
        self.writes.append(("failure", connection_id, sync_type, details))
        key = (connection_id, sync_type)
        self.in_a_row[key] = self.in_a_row.get(key, 0) + 1
        return self.in_a_row[key]

    def record_skipped(self, connection_id: str, sync_type: str, run_at: datetime, reason: str) -> bool:
        self.writes.append(("skipped", connection_id, sync_type, {"run_at": run_at, "reason": reason}))
        return True

    def outcomes(self) -> dict[str, str]:
        """The last write's kind per connection."""
        return {cid: kind for kind, cid, _, _ in self.writes}

    def last(self, connection_id: str) -> dict[str, Any]:
        """The details of a connection's last write."""
        return [details for _, cid, _, details in self.writes if cid == connection_id][-1]


@dataclass
class FakeQueue:
    """Jobs sent and messages dead-lettered."""

    jobs: list[SyncJob] = field(default_factory=list)
    dead: list[dict[str, str]] = field(default_factory=list)

    def send_jobs(self, jobs: Sequence[SyncJob]) -> int:
        self.jobs.extend(jobs)
        return len(jobs)

    def send_to_dlq(self, body: str, reason: str, message_id: str) -> None:
        self.dead.append({"body": body, "reason": reason, "message_id": message_id})


@dataclass
class FakeMetrics:
    """Data points, as (name, value)."""

    points: list[tuple[str, float]] = field(default_factory=list)

    def add_metric(self, name: str, unit: MetricUnit, value: float) -> None:
        self.points.append((name, value))

    def total(self, name: str) -> float:
        return sum(value for metric, value in self.points if metric == name)


@dataclass
class ScriptedSync:
    """A sync whose run returns counts, or raises the exception scripted for a connection."""

    raises: dict[str, BaseException] = field(default_factory=dict)
    contexts: list[JobContext] = field(default_factory=list)

    def __call__(self, context: JobContext) -> Counts:
        self.contexts.append(context)
        error = self.raises.get(context.connection.connection_id)
        if error is not None:
            raise error
        return {"items": 3}


@dataclass
class Harness:
    """The runner's dependencies, all fakes, for one sync type."""

    connections: FakeConnections = field(default_factory=FakeConnections)
    statuses: FakeStatuses = field(default_factory=FakeStatuses)
    queue: FakeQueue = field(default_factory=FakeQueue)
    metrics: FakeMetrics = field(default_factory=FakeMetrics)
    sync: ScriptedSync = field(default_factory=ScriptedSync)
    name: str = "orders"
    always_on: bool = False
    after_dispatch_calls: int = 0

    def deps(self, logger: Logger | None = None) -> SyncDependencies:
        definition = SyncDefinition(
            name=self.name, run=self.sync, always_on=self.always_on, after_dispatch=self._after_dispatch
        )
        ticks = iter(float(n) for n in range(0, 10_000, 2))
        return SyncDependencies(
            definition=definition,
            connections=self.connections,
            statuses=self.statuses,
            queue=self.queue,
            metrics=self.metrics,
            logger=logger or Logger(service="sync-tests"),
            clock=lambda: T0,
            timer=lambda: next(ticks),
        )

    def _after_dispatch(self) -> None:
        self.after_dispatch_calls += 1


def sqs_event(*bodies: str) -> dict[str, Any]:
    """Lambda's SQS event shape, one record per body (message ids m0, m1, ...)."""
    return {
        "Records": [
            {
                "messageId": f"m{index}",
                "receiptHandle": f"rh{index}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:work",
                "awsRegion": "eu-west-1",
            }
            for index, body in enumerate(bodies)
        ]
    }


def job_body(connection_id: str, sync_type: str = "orders") -> str:
    """A SyncJob's JSON, as dispatch enqueues it."""
    return SyncJob(sync_type=sync_type, connection_id=connection_id, requested_at=T0).model_dump_json()


def log_lines(text: str) -> list[dict[str, Any]]:
    """The JSON log lines Powertools wrote."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]
