"""One declaration per Lambda function (`FunctionSpec`) and per shared queue (`QueueSpec`).

A spec says what a function is and what it may reach; `infra/constructs/functions.py` `build_function` turns any spec
into the role, log group, function, environment, grants, event source, schedule, cdk-nag acknowledgments and the
errors/throttles alarms. Specs hold no CDK objects (queues are named by key, tables by `Table`), so a capability
declares its functions as module constants and the stack checks them before building anything.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel

from infra.access import Access, table_actions
from infra.config import MAX_BATCH_SIZE, MIN_MAX_CONCURRENCY, SERVICE_NAME, VISIBILITY_TIMEOUT_FACTOR
from infra.names import Table, camel
from shared.env import Env

# The key of a function's own work queue in the queues it is built with (a sync type's: infra/constructs/syncs.py).
WORK_QUEUE = "work"
NOTIFICATIONS_QUEUE = "notifications"
# Lambda's largest batch from a Standard queue, with a batching window.
MAX_WINDOWED_BATCH_SIZE = 10_000


class Tokens(StrEnum):
    """What a function may do with the sellers' refresh tokens, which the stack key encrypts under a token context."""

    DECRYPT = "decrypt"  # calls Amazon with a connection's token: kms:Decrypt on the key
    DENY = "deny"  # never needs one: decrypting under a token's context is explicitly denied
    ENCRYPT = "encrypt"  # stores tokens it receives (the OAuth flow): kms:Encrypt, and decrypting one is denied


@dataclass(frozen=True)
class Consumes:
    """The SQS event source of a function: its queue (by key), batch, window and concurrency cap.

    Partial batch failures are always reported (`ReportBatchItemFailures`), and the consumer may send a message it can
    never process to the queue's DLQ itself, with the reason.
    """

    queue: str
    batch_size: int
    max_concurrency: int
    batching_window_seconds: int = 0

    def __post_init__(self) -> None:
        limit = MAX_WINDOWED_BATCH_SIZE if self.batching_window_seconds else MAX_BATCH_SIZE
        if not 1 <= self.batch_size <= limit:
            raise ValueError(f"{self.queue}: batch size must be 1..{limit} (above {MAX_BATCH_SIZE} needs a window)")
        if not MIN_MAX_CONCURRENCY <= self.max_concurrency <= 1000:
            raise ValueError(f"{self.queue}: max concurrency must be {MIN_MAX_CONCURRENCY}..1000")


@dataclass(frozen=True)
class Schedule:
    """An EventBridge Scheduler schedule invoking the function with `payload` (a sync type's dispatch); `invokes`
    names the function in its role's description."""

    expression: str
    payload: Mapping[str, str]
    description: str
    invokes: str


@dataclass(frozen=True)
class Ack:
    """A cdk-nag finding accepted on the function's role policy, with the reason (infra/nag.py holds the wording)."""

    rule: str
    reason: str


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function: code, shape, what it reads from its environment and what it may reach.

    `name` is unique in the stack (snake case): the service name (`sellersync-<name>`, the metrics' `service`
    dimension), the alarm ids (`<Name>Errors`) and the alarm wording derive from it. `tables` maps each table to an
    `Access` (the actions our code calls of it, `access.table_actions`) or to exact actions. `sends_to` names queues
    (keys of the stack's queues) it may send to, besides the DLQ of the queue it consumes. `environment` holds values
    only the capability knows (tokens of its own resources, tuning numbers); everything else comes from the grants.
    `names_only` are env keys it is told although it is granted nothing on what they name (a settings model shared
    by several functions). Queue URLs and ARNs are always offered. `alarms` adds an errors and a throttles alarm.
    """

    name: str
    handler: str
    description: str
    settings: type[BaseModel]
    timeout_seconds: int
    memory_mb: int = 512
    tables: Mapping[Table, Access | tuple[str, ...]] = field(default_factory=dict)
    consumes: Consumes | None = None
    sends_to: tuple[str, ...] = ()
    reads_lwa_secret: bool = False
    reads_invite_key: bool = False
    puts_events: bool = False
    tokens: Tokens = Tokens.DENY
    reserved_concurrency: int | None = None
    schedule: Schedule | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    names_only: frozenset[str] = frozenset()
    alarms: bool = True
    acks: tuple[Ack, ...] = ()
    # False for the functions that run per stock change, per notification or every few minutes per connection:
    # PassThrough unless cdk.json's `sellersync:tracing` is `all` (infra/tracing.py says why).
    traced: bool = True

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or not self.name.islower():
            raise ValueError(f"function name {self.name!r} must be a lower-case identifier")
        if not self.handler.startswith("functions.") or not self.handler.endswith(".lambda_handler"):
            raise ValueError(f"function {self.name}: handler must be functions.<module>.lambda_handler")
        if not 1 <= self.timeout_seconds <= 900:
            raise ValueError(f"function {self.name}: timeout must be 1..900 s")
        if not 128 <= self.memory_mb <= 10240:
            raise ValueError(f"function {self.name}: memory must be 128..10240 MB")
        for table in self.tables:
            self.table_actions(table)

    @property
    def title(self) -> str:
        """CamelCase form used in construct and alarm ids."""
        return camel(self.name)

    @property
    def service(self) -> str:
        """The Powertools service name (`SERVICE_NAME` env, the `service` metric dimension)."""
        return f"{SERVICE_NAME}-{self.name.replace('_', '-')}"

    @property
    def label(self) -> str:
        """How alarm descriptions name the function."""
        return self.name.replace("_", " ")

    @property
    def visibility_timeout_seconds(self) -> int:
        """What its queue's visibility timeout must be: 6x the timeout, plus the window messages wait in."""
        window = self.consumes.batching_window_seconds if self.consumes else 0
        return self.timeout_seconds * VISIBILITY_TIMEOUT_FACTOR + window

    def table_actions(self, table: Table) -> tuple[str, ...]:
        """The DynamoDB actions the function is granted on a table of its `tables`."""
        use = self.tables[table]
        return table_actions(table, use) if isinstance(use, Access) else use


@dataclass(frozen=True)
class QueueSpec:
    """A queue other capabilities reach, built (with its DLQ) before any function.

    Standard, SSE-SQS, TLS only, `MAX_RECEIVE_COUNT` receives before its DLQ; the visibility timeout follows the one
    function that consumes it. `url_env`/`dlq_env`/`arn_env` are the variables that carry its URL, its DLQ's URL and
    its ARN to any function whose settings declare them. `kept_paths` are the construct paths (queue, DLQ) a deployed
    stack built them at: they keep the logical ids of those paths, so moving them never replaces them (a replaced queue
    loses its messages, and Amazon's notifications destination names the notifications queue's ARN).
    """

    key: str
    url_env: Env | None = None
    dlq_env: Env | None = None
    arn_env: Env | None = None
    kept_paths: tuple[str, str] | None = None
