"""The three events a sync function receives, validated by pydantic, and what it answers to an on-demand run.

- The scheduler's dispatch: `{"sync_type": "<name>", "action": "dispatch"}` (infra/constructs/schedules.py).
- An on-demand run of one connection: `{"sync_type": "<name>", "action": "run", "connection_id": "<id>"}`; it runs
  synchronously and answers a `SyncResult`.
- Its work queue's SQS event: `{"Records": [...]}`, each body a SyncJob's JSON.
"""

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from shared.models.sync import ConnectionId, SyncState, SyncTypeName

EXPECTED = (
    'expected {"sync_type", "action": "dispatch"}, {"sync_type", "action": "run", "connection_id"} '
    'or an SQS event {"Records": [...]}'
)


class InvalidEventError(ValueError):
    """The function was invoked with an event it does not understand (a bug or a misconfigured caller)."""


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DispatchEvent(_Event):
    """Enqueue one job per connection due for the sync type."""

    sync_type: SyncTypeName
    action: Literal["dispatch"]


class RunEvent(_Event):
    """Run the sync type for one connection now, without the queue."""

    sync_type: SyncTypeName
    action: Literal["run"]
    connection_id: ConnectionId


class SqsMessage(BaseModel):
    """The fields of an SQS record the runner reads (the body is parsed per record, so a bad one fails alone)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    messageId: str = Field(min_length=1)  # Lambda's field names
    body: str
    eventSource: Literal["aws:sqs"]


class SqsEvent(BaseModel):
    """A batch of work-queue messages."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    Records: list[SqsMessage] = Field(min_length=1)


_INVOCATION: TypeAdapter[DispatchEvent | RunEvent] = TypeAdapter(
    Annotated[DispatchEvent | RunEvent, Field(discriminator="action")]
)


def parse_event(event: object) -> DispatchEvent | RunEvent | SqsEvent:
    """The event as one of the three models; raises InvalidEventError naming what is wrong and what was expected."""
    if not isinstance(event, Mapping):
        raise InvalidEventError(f"sync event must be a JSON object, got {type(event).__name__}; {EXPECTED}")
    try:
        if "Records" in event:
            return SqsEvent.model_validate(event)
        return _INVOCATION.validate_python(event)
    except ValidationError as exc:
        raise InvalidEventError(f"invalid sync event ({describe(exc)}); {EXPECTED}") from None


def describe(exc: ValidationError) -> str:
    """One line naming each invalid field and why (never the input values, which could be large)."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(event)'}: {e['msg']}" for e in exc.errors())


class SyncResult(BaseModel):
    """The outcome of one job, as an on-demand run answers it."""

    model_config = ConfigDict(frozen=True)

    connection_id: str
    sync_type: str
    state: SyncState
    counts: dict[str, int] = Field(default_factory=dict)
    details: dict[str, str] = Field(default_factory=dict)
    error: str | None = None

    def as_response(self) -> dict[str, Any]:
        """The JSON-ready dict a Lambda invocation returns."""
        return self.model_dump(mode="json")


class DispatchResult(BaseModel):
    """What a dispatch did."""

    model_config = ConfigDict(frozen=True)

    sync_type: str
    active_connections: int
    enqueued: int
    not_enabled: int
    invalid_settings: int
    paused: int = 0

    def as_response(self) -> dict[str, Any]:
        """The JSON-ready dict a Lambda invocation returns."""
        return self.model_dump(mode="json")
