"""A test registry of three sync types covering the shapes the stack must handle.

alpha: scheduled by its default, the default settings and grants. beta: on demand, reads orders only, no secret, no
events. gamma: scheduled by a context override, reads and writes three tables. Handler modules need not exist: the
stack names handlers by string.
"""

from typing import Annotated

from pydantic import Field

from infra.access import Access
from infra.config import SCHEDULES_CONTEXT_KEY, SyncType, Table
from infra.constructs.catalog import LISTINGS_EVENT_SOURCE_CONTEXT_KEY
from shared.env import Env
from shared.settings import FunctionSettings, SyncSettings


class OrdersReportSettings(FunctionSettings):
    """An on-demand report: its queue and the orders table, nothing else."""

    sync_type: Annotated[str, Field(alias=Env.SYNC_TYPE)]
    sync_queue_url: Annotated[str, Field(alias=Env.SYNC_QUEUE_URL)]
    orders_table: Annotated[str, Field(alias=Env.ORDERS_TABLE)]


class GammaSettings(SyncSettings):
    """The default sync settings plus orders (required) and rate limits (optional)."""

    orders_table: Annotated[str, Field(alias=Env.ORDERS_TABLE)]
    rate_limits_table: Annotated[str | None, Field(alias=Env.RATE_LIMITS_TABLE)] = None


ALPHA = SyncType(
    name="alpha",
    handler="functions.sync_alpha.lambda_handler",
    description="Scheduled test sync with the default settings",
    default_schedule="rate(5 minutes)",
)
BETA = SyncType(
    name="beta",
    handler="functions.sync_beta.lambda_handler",
    description="On-demand test sync that only reads orders",
    default_schedule=None,
    settings=OrdersReportSettings,
    tables={Table.ORDERS: Access.READ},
    timeout_seconds=60,
    memory_mb=256,
    batch_size=5,
    max_concurrency=2,
    reads_lwa_secret=False,
    publishes_events=False,
)
GAMMA = SyncType(
    name="gamma",
    handler="functions.sync_gamma.lambda_handler",
    description="Test sync whose schedule comes from the context",
    default_schedule="rate(1 hour)",
    settings=GammaSettings,
    tables={
        Table.CONNECTIONS: Access.READ_WRITE,
        Table.ORDERS: Access.READ_WRITE,
        Table.RATE_LIMITS: Access.READ_WRITE,
    },
    timeout_seconds=900,
    memory_mb=1024,
)
TEST_REGISTRY = (ALPHA, BETA, GAMMA)
GAMMA_SCHEDULE = "cron(15 3 * * ? *)"
# The sample stack has the listings notifications (the production stack, from cdk.json, has none): both shapes tested.
# The name is the partner event source the local sandbox's EventBridge destination delivers to in moto's default
# account (local/sandbox/notify.py partner_source_name), so the sample deployed locally receives them.
LISTINGS_EVENT_SOURCE = "aws.partner/sellingpartnerapi.amazon/123456789012/amzn1.sp.solution.local-sandbox"
TEST_CONTEXT = {
    SCHEDULES_CONTEXT_KEY: {"gamma": GAMMA_SCHEDULE},
    LISTINGS_EVENT_SOURCE_CONTEXT_KEY: LISTINGS_EVENT_SOURCE,
}
