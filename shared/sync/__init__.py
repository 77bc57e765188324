"""The generic sync framework: events, dispatch, per-job runner and SQS batch handling, with injected dependencies.

See README, "Syncs". A sync type supplies a `SyncDefinition`; its Lambda handler builds `SyncDependencies` and calls
`handle_event`.
"""

from shared.sync.dependencies import JobContext, SyncDefinition, SyncDependencies, UnprocessableJobError
from shared.sync.events import DispatchEvent, InvalidEventError, RunEvent, SqsEvent, SyncResult, parse_event
from shared.sync.handler import handle_event
from shared.sync.queue import JobQueueError, SqsJobQueue

__all__ = [
    "DispatchEvent",
    "InvalidEventError",
    "JobContext",
    "JobQueueError",
    "RunEvent",
    "SqsEvent",
    "SqsJobQueue",
    "SyncDefinition",
    "SyncDependencies",
    "SyncResult",
    "UnprocessableJobError",
    "handle_event",
    "parse_event",
]
