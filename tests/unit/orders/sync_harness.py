"""The orders sync's dependencies on fakes, for the sync's own tests and the runner's."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncJob
from shared.orders.sync import ConnectionApi, OrdersSyncDeps, PollingConfig, claim_connection, run_orders
from shared.repositories.order_cursor import OrdersCursor
from shared.sync.dependencies import JobContext, RunReport
from tests.unit.orders.amazon import CID, SELLER, T0
from tests.unit.orders.fakes import FakeCursorStore, FakeOrdersApi, SinkHarness, make_logger
from tests.unit.sync.fakes import connection

# Polls the last 3 days on its first run, for merchant- and Amazon-fulfilled orders.
SETTINGS = ConnectionSettings(
    enabled_syncs=frozenset({"orders"}),
    order_age_limit_days=3,
    order_fulfilled_by=frozenset({"MERCHANT", "AMAZON"}),
)
SETTLE = PollingConfig().settle
FIRST_AFTER, FIRST_BEFORE = T0 - timedelta(days=3), T0 - SETTLE


@dataclass
class SyncHarness:
    """OrdersSyncDeps on fakes; `subscription` is what the subscription step answers."""

    sinks: SinkHarness = field(default_factory=SinkHarness)
    cursors: FakeCursorStore = field(default_factory=FakeCursorStore)
    api: FakeOrdersApi = field(default_factory=FakeOrdersApi)
    continued: list[tuple[SyncJob, float]] = field(default_factory=list)
    subscription: str = "recorded"
    subscribed: list[str] = field(default_factory=list)

    @property
    def deps(self) -> OrdersSyncDeps:
        return OrdersSyncDeps(
            cursors=self.cursors,
            api_for=lambda context: self.api,
            subscribe=self._subscribe,
            sink=self.sinks.sink,
            continue_later=lambda job, delay: self.continued.append((job, delay)),
            metrics=self.sinks.metrics,
            logger=make_logger(),
            clock=self.sinks.clock,
        )

    def context(self, trigger: str = "schedule") -> JobContext:
        job = SyncJob.model_validate(
            {"sync_type": "orders", "connection_id": CID, "requested_at": T0, "trigger": trigger}
        )
        return JobContext(job, connection(SELLER), SETTINGS)

    def run(self) -> RunReport:
        """One run under the connection's lease, as the runner does it."""
        deps = self.deps
        context = self.context()
        with claim_connection(deps)(context) as owner:
            assert owner is not None, "the lease is taken"
            return run_orders(replace(context, claim=owner), deps)

    def _subscribe(self, context: JobContext, api: ConnectionApi) -> str:
        self.subscribed.append(context.connection.connection_id)
        return self.subscription

    def cursor(self) -> OrdersCursor:
        found = self.cursors.get(CID)
        assert found is not None
        return found

    def searched(self) -> list[tuple[datetime | None, datetime | None, str | None]]:
        return [(q.last_updated_after, q.last_updated_before, token) for q, token in self.api.searches]
