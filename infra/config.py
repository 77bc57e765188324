"""Names, defaults and the sync-type registry that drive the CDK app.

Adding a sync type is one `SyncType` entry in `SYNC_TYPES`: the stack derives its function, IAM grants, work queue
and DLQ, event source mapping, schedule, alarms and dashboard widgets from it (see `infra/constructs/syncs.py`).
"""

from dataclasses import dataclass, field

from pydantic import BaseModel

from infra.access import Access
from infra.names import Queue, Table, camel
from shared import catalog, inventory, orders
from shared.env import Env
from shared.metrics import NAMESPACE
from shared.settings import (
    AuthorizationSyncSettings,
    CatalogSyncSettings,
    InventorySyncSettings,
    OrdersSyncSettings,
    SyncSettings,
)
from shared.sync import authorization

STACK_NAME = "SellerSync"
SERVICE_NAME = "sellersync"
# The custom metrics' namespace is declared with them (shared/metrics.py); the functions get it in their environment.
METRICS_NAMESPACE = NAMESPACE
RUNTIME = "python3.13"
ARCHITECTURE = "arm64"
LOG_RETENTION_DAYS = 90
# Visibility timeout of a queue must be at least this multiple of its consumer's timeout (AWS guidance: 6x).
VISIBILITY_TIMEOUT_FACTOR = 6
MAX_RECEIVE_COUNT = 5
# A job waits at most this long in a work queue; shorter than the DLQ's retention, since a message moved to the DLQ
# keeps its original enqueue time.
WORK_QUEUE_RETENTION_DAYS = 4
# Dead-letter queues keep a message for the longest time SQS allows, so an operator has two weeks to redrive it.
DLQ_RETENTION_DAYS = 14
BUS_ARCHIVE_RETENTION_DAYS = 30
# Read by Powertools itself (no settings model field): every function logs at this level.
LOG_LEVEL = "INFO"
# EventBridge Scheduler: a dispatch that cannot be delivered within this time is stale (the next run is due).
SCHEDULE_MAX_EVENT_AGE_MINUTES = 60
SCHEDULE_RETRY_ATTEMPTS = 3
# SQS event sources: without a batching window Lambda takes at most 10 messages; below 2 concurrent pollers the
# event source mapping refuses the setting.
MAX_BATCH_SIZE = 10
MIN_MAX_CONCURRENCY = 2
# The inventory feed lane: changes accumulate into big feeds. Lambda waits up to the window (or until the batch is full,
# or its 6 MB invocation payload would be passed) and hands the feeds function up to 10,000 changes at once, so a
# burst of stock updates becomes a few large JSON_LISTINGS_FEED submissions instead of many small ones (Amazon takes
# about 5 such feeds per 5 minutes per seller). 10,000 is Lambda's maximum for a Standard queue; a batch above 10
# needs a window.
INVENTORY_FEED_BATCH_SIZE = 10_000
INVENTORY_FEED_BATCHING_WINDOW_SECONDS = 20
# Seconds between getFeed checks of a submitted feed (the results function re-polls with a delayed message).
INVENTORY_FEED_POLL_SECONDS = 300
# EventBridge rule targets (the job a new or re-authorized connection enqueues): retries, then the target's DLQ. Within
# the hour the sync type's own schedule has dispatched the connection anyway.
EVENT_TARGET_RETRY_ATTEMPTS = 8
EVENT_TARGET_MAX_EVENT_AGE_HOURS = 1
# The event a stored authorization puts on the bus (shared/runtime/oauth.py `connection_event`).
CONNECTION_EVENTS_SOURCE = "sellersync.connections"
CONNECTION_AUTHORIZED = "ConnectionAuthorized"
# The event a merchant system puts on the bus with new stock or prices (README, "Inventory"); any source.
INVENTORY_CHANGED = "InventoryChanged"
# Amazon's SP-API notifications publisher: the account that sends to the notifications queue (SP-API reference,
# section 10: it needs sqs:SendMessage and sqs:GetQueueAttributes on a Standard queue).
AMAZON_NOTIFICATIONS_ACCOUNT = "437568002678"
# cdk.json context key holding {sync_type: schedule expression}; a missing entry takes the type's default.
SCHEDULES_CONTEXT_KEY = "sellersync:schedules"
ALARM_EMAIL_CONTEXT_KEY = "sellersync:alarmEmail"


@dataclass(frozen=True)
class SyncType:
    """One sync type: a Lambda that, on its schedule, enqueues one job per due connection and then works the jobs.

    `handler` is a dotted path into `functions/` (infra names handlers by string, it never imports them).
    `default_schedule` is an EventBridge Scheduler expression, or None for a sync that runs only on demand.
    `always_on` runs it for every ACTIVE connection, whatever the connection's `enabled_syncs` say (the runner
    learns this from the sync's own definition in `shared/sync/`, which the entry mirrors).
    `runs_on_connect` enqueues a job (trigger `connected`) on the work queue for every ConnectionAuthorized event of
    the bus, so a new or re-authorized connection runs at once instead of at its next schedule.
    `sends_to` lists the stack's shared queues (`Queue`) the function may send to, besides its own work queue.
    `makes_connect_links` signs re-authorization connect links (shared/runtime/reauthorization.py): it reads the
    invite key, records invites (PutItem on oauth_states) and is told the API URL.
    """

    name: str
    handler: str
    description: str
    default_schedule: str | None
    settings: type[BaseModel] = SyncSettings
    tables: dict[Table, Access] = field(default_factory=lambda: {Table.CONNECTIONS: Access.READ_WRITE})
    timeout_seconds: int = 300
    memory_mb: int = 512
    batch_size: int = 1
    max_concurrency: int = 10
    reads_lwa_secret: bool = True
    publishes_events: bool = True
    always_on: bool = False
    runs_on_connect: bool = False
    sends_to: tuple[Queue, ...] = ()
    makes_connect_links: bool = False
    traced: bool = True  # FunctionSpec.traced (infra/tracing.py)

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or not self.name.islower():
            raise ValueError(f"sync type name {self.name!r} must be a lower-case identifier")
        if not self.handler.startswith("functions.") or not self.handler.endswith(".lambda_handler"):
            raise ValueError(f"sync type {self.name}: handler must be functions.<module>.lambda_handler")
        if not 1 <= self.timeout_seconds <= 900:
            raise ValueError(f"sync type {self.name}: timeout must be 1..900 s")
        if self.timeout_seconds * VISIBILITY_TIMEOUT_FACTOR > 43200:
            raise ValueError(f"sync type {self.name}: timeout too long for an SQS visibility timeout")
        _check_range(self.name, "memory_mb", self.memory_mb, 128, 10240)
        _check_range(self.name, "batch_size", self.batch_size, 1, MAX_BATCH_SIZE)
        _check_range(self.name, "max_concurrency", self.max_concurrency, MIN_MAX_CONCURRENCY, 1000)

    @property
    def title(self) -> str:
        """CamelCase form used in construct ids and metric names."""
        return camel(self.name)

    @property
    def decrypts_refresh_tokens(self) -> bool:
        """A sync reads the LWA secret only to exchange its connections' refresh tokens with Amazon; one that does
        not (the inventory reconciliation, which queues work for the pipeline) is denied decrypting them."""
        return self.reads_lwa_secret


def _check_range(name: str, what: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValueError(f"sync type {name}: {what} must be {low}..{high}, got {value}")


def table_env_key(table: Table) -> Env:
    """The environment variable that carries a table's name (CONNECTIONS -> CONNECTIONS_TABLE)."""
    return Env[f"{table.name}_TABLE"]


def queue_env_key(queue: Queue) -> Env:
    """The environment variable that carries a queue's URL (INVENTORY_INPUT -> INVENTORY_INPUT_QUEUE_URL)."""
    return Env[f"{queue.name}_QUEUE_URL"]


def dlq_env_key(queue: Queue) -> Env:
    """The environment variable that carries the URL of a queue's DLQ (INVENTORY_INPUT -> INVENTORY_INPUT_DLQ_URL)."""
    return Env[f"{queue.name}_DLQ_URL"]


AUTHORIZATION = SyncType(
    name=authorization.SYNC_TYPE,
    handler="functions.sync_authorization.lambda_handler",
    description="Refreshes each ACTIVE connection's LWA token: finds revoked authorizations, counts days to renewal",
    default_schedule="rate(1 hour)",
    settings=AuthorizationSyncSettings,
    # Worst case per job: three LWA attempts of 10 s each plus backoff, and the KMS and DynamoDB calls around them.
    timeout_seconds=120,
    memory_mb=256,
    reads_lwa_secret=True,
    always_on=authorization.ALWAYS_ON,
    # ConnectionReauthorizationDue carries a fresh `--reauthorize` link (shared/sync/reauthorization.py).
    makes_connect_links=True,
    traced=False,  # hourly per connection: a poll (infra/tracing.py)
)

ORDERS = SyncType(
    name=orders.SYNC_TYPE,
    handler="functions.sync_orders.lambda_handler",
    description="Imports a connection's Amazon orders (searchOrders since the last run), subscribes it to ORDER_CHANGE",
    default_schedule="rate(15 minutes)",
    settings=OrdersSyncSettings,
    tables={
        Table.CONNECTIONS: Access.READ_WRITE,
        Table.ORDERS: Access.READ_WRITE,
        Table.RATE_LIMITS: Access.READ_WRITE,
        # The SKU map only: order events name each line's merchant SKU.
        Table.LISTINGS: Access.READ,
    },
    # A backlog waits on searchOrders' rate limit (one page per ~180 s after the burst): a run pages as long as Lambda
    # lets it and enqueues the rest of its window as a `continuation` job.
    timeout_seconds=900,
    memory_mb=512,
    batch_size=1,
    max_concurrency=10,
    reads_lwa_secret=True,
    publishes_events=True,
    runs_on_connect=True,
    traced=False,  # every 15 minutes per connection: a poll (infra/tracing.py)
)

INVENTORY = SyncType(
    name=inventory.SYNC_TYPE,
    handler="functions.sync_inventory.lambda_handler",
    description=(
        "Daily reconciliation: recomputes every SKU's offer with the current rules and re-sends it (repairs drift)"
    ),
    default_schedule="cron(30 2 * * ? *)",
    settings=InventorySyncSettings,
    # listings: the stored catalog, Amazon-fulfilled listings and starting quantities (shared/inventory/seed.py).
    tables={Table.CONNECTIONS: Access.READ_WRITE, Table.INVENTORY: Access.READ_WRITE, Table.LISTINGS: Access.READ},
    # A connection's 4096 state buckets are read, recomputed and queued in one run; Amazon is called by the pipeline's
    # functions, not by this one (so no LWA secret, no rate limits).
    timeout_seconds=900,
    memory_mb=1024,
    reads_lwa_secret=False,
    publishes_events=True,
    runs_on_connect=True,
    sends_to=(Queue.INVENTORY_CHANGES, Queue.INVENTORY_FASTLANE),
)

CATALOG = SyncType(
    name=catalog.SYNC_TYPE,
    handler="functions.sync_catalog.lambda_handler",
    description="Imports a connection's listings: the hourly searchListingsItems delta and the All Listings Report",
    # Hourly: the searchListingsItems delta of the last hour; the All Listings Report (the complete list, deletions
    # included) only when the connection's `catalog_reconcile_hours` (default 24) have passed (docs/catalog.md).
    default_schedule="rate(1 hour)",
    settings=CatalogSyncSettings,
    tables={
        Table.CONNECTIONS: Access.READ_WRITE,
        Table.LISTINGS: Access.READ_WRITE,
        Table.RATE_LIMITS: Access.READ_WRITE,
    },
    # A 200,000-row report streams through in bounded memory; the writes set the pace (one per changed listing).
    timeout_seconds=900,
    memory_mb=1024,
    batch_size=1,
    max_concurrency=5,
    reads_lwa_secret=True,
    publishes_events=True,
    runs_on_connect=True,
    traced=False,  # hourly per connection: a poll (infra/tracing.py)
)

# The production registry. Sync types join it with their capability; until a capability exists, so does no function
# for it.
SYNC_TYPES: tuple[SyncType, ...] = (AUTHORIZATION, ORDERS, INVENTORY, CATALOG)
