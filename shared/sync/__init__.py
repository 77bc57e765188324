"""The generic sync framework: events, dispatch, per-job runner and SQS batch handling, with injected dependencies.

See README, "Syncs". A sync type supplies a `SyncDefinition`; its Lambda handler builds `SyncDependencies` and calls
`handle_event`. The names below are imported on first use: infra/config.py (and so `sellersync status`) reads
`shared.sync.authorization` without loading the runner and Powertools' batch utilities.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.sync.dependencies import JobContext, SyncDefinition, SyncDependencies, UnprocessableJobError
    from shared.sync.events import DispatchEvent, InvalidEventError, RunEvent, SqsEvent, SyncResult, parse_event
    from shared.sync.handler import handle_event
    from shared.sync.queue import JobQueueError, SqsJobQueue

_MODULES = {
    "JobContext": "dependencies",
    "SyncDefinition": "dependencies",
    "SyncDependencies": "dependencies",
    "UnprocessableJobError": "dependencies",
    "DispatchEvent": "events",
    "InvalidEventError": "events",
    "RunEvent": "events",
    "SqsEvent": "events",
    "SyncResult": "events",
    "parse_event": "events",
    "handle_event": "handler",
    "JobQueueError": "queue",
    "SqsJobQueue": "queue",
}

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


def __getattr__(name: str) -> Any:
    """One of the names above, from its module (imported now)."""
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
