"""Sync jobs and their outcome per connection: what travels on a sync type's work queue and what its status item holds.

A `SyncJob` is the body of one work-queue message (JSON). A `SyncStatus` is the `SYNC#<sync_type>` item of a
connection as the repository reads it back (attributes: shared/repositories/sync_status.py).
"""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shared.models.settings import SyncTypeName

# Connection ids are `<region>-<selling_partner_id>` in lower case (shared/models/connection.py).
ConnectionId = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}-[a-z0-9]{1,64}$")]
# `connected`: the ConnectionAuthorized event of a new or re-authorized connection (an EventBridge rule enqueues it).
# `continuation`: a run that ran out of Lambda time enqueued the rest of its window.
# `enabled`: the sync was just enabled in the connection's settings (`sellersync settings set`, README: Orders).
Trigger = Literal["schedule", "on_demand", "connected", "continuation", "enabled"]


class SyncJob(BaseModel):
    """Run one sync type for one connection; the body of a work-queue message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sync_type: SyncTypeName
    connection_id: ConnectionId
    requested_at: AwareDatetime
    trigger: Trigger = "schedule"


class SyncState(StrEnum):
    """The outcome of a connection's latest run of a sync type (RUNNING while one is under way)."""

    OK = "OK"
    ERROR = "ERROR"
    SKIPPED = "SKIPPED"
    RUNNING = "RUNNING"


class SyncStatus(BaseModel):
    """A connection's latest run of one sync type.

    `last_success_at` and `counts` belong to the latest successful run and survive later failures; `last_error` is
    the latest failure's message, cleared by the next success; `reason` says why the latest run was skipped.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    connection_id: str
    sync_type: str
    state: SyncState
    last_run_at: AwareDatetime
    last_success_at: AwareDatetime | None = None
    last_error: str | None = None
    reason: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    # Short texts of the latest successful run (e.g. the orders window it covered).
    details: dict[str, str] = Field(default_factory=dict)
    duration_ms: int | None = None
    updated_at: AwareDatetime | None = None
    # Failed runs since the latest success (0 after a success; items written before the counter existed read 0).
    consecutive_failures: int = 0
