"""What a locally deployed stack consists of, as the local runtime and the CLI see it."""

from dataclasses import dataclass, field

from local.aws import LocalAws


@dataclass(frozen=True)
class FunctionSpec:
    """A deployed function as the local runtime runs it: handler, resolved environment and limits."""

    logical_id: str
    name: str
    handler: str
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int


@dataclass(frozen=True)
class EventSourceSpec:
    """An SQS event source mapping; `batching_window_seconds` 0 invokes with whatever one receive returns."""

    function: str
    queue_url: str
    queue_arn: str
    batch_size: int
    report_batch_item_failures: bool
    max_concurrency: int | None
    batching_window_seconds: int = 0


@dataclass(frozen=True)
class ScheduleSpec:
    """An EventBridge Scheduler schedule that targets a function."""

    logical_id: str
    expression: str
    function: str
    payload: str
    enabled: bool


@dataclass(frozen=True)
class RouteSpec:
    """An HTTP API route integrated with a function."""

    method: str
    path: str
    function: str


@dataclass
class DeployedStack:
    """Everything the local runtime and the CLI need to know about a locally deployed stack."""

    stack_name: str
    aws: LocalAws
    outputs: dict[str, str]
    resources: dict[str, tuple[str, str]]  # logical id -> (type, physical id)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)  # by function name
    event_sources: list[EventSourceSpec] = field(default_factory=list)
    schedules: list[ScheduleSpec] = field(default_factory=list)
    routes: list[RouteSpec] = field(default_factory=list)
    equivalents: list[tuple[str, str, str]] = field(default_factory=list)  # (logical id, type, equivalent)
