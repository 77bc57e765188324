"""The `orders` sync: poll searchOrders window by window, apply every order, never leave a gap.

One run of one connection:
1. Make sure the seller is subscribed to ORDER_CHANGE (shared/orders/subscription.py); a failure there is counted
   and retried next run, never fatal: polling is the safety net.
2. Take the connection's lease (`claim`), read its cursor, and open a window if none is under way:
   `lastUpdatedAfter` = watermark - overlap (first run: now - the order age limit), `lastUpdatedBefore` = now - 2 min
   (Amazon's minimum) - a few seconds. A new window is not saved before its first page: until a page's token is saved,
   the stored watermark is unchanged and a crashed or timed-out run's successor opens a window from it again.
3. Page through searchOrders (the connection's marketplaces, `fulfilledBy` from settings, `includedData` for items,
   recipient, fulfillment, cancellation and totals: no per-order calls). Every order goes through `apply_order`; the
   cursor (window + next token) is saved after each page, so a timeout or crash resumes at the page it stopped on.
4. The last page done, the watermark moves to the window's `before` bound. Only then, and in the same conditional write
   that gives the lease back (the claim's release then writes nothing). An idle run thus makes four writes to the
   connections table: the lease, the status item's start and outcome (shared/sync/jobs.py), and this one.

When the Lambda's time runs out (the client raises OutOfTimeError rather than wait past it), the cursor is already
saved (or, on a new window's first page, the watermark is unchanged and the next run opens the window again from it):
the run enqueues its own continuation, delayed until searchOrders has a token again, and ends OK with
`window_complete` 0. A saved token older than Amazon's 24 h, or one Amazon refuses, restarts the same window from
its first page (`after` is kept, so nothing is skipped); a second refusal in one run fails the run.
"""

import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from aws_lambda_powertools import Logger

from shared.models.orders import from_amazon
from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncJob
from shared.orders import SYNC_TYPE
from shared.orders.apply import ApplyResult, OrderSink, Outcome, apply_order
from shared.orders.subscription import NotificationsApi
from shared.repositories.order_cursor import OrdersCursor
from shared.spapi.errors import InvalidInputError, OutOfTimeError
from shared.spapi.models.orders import GetOrderResponse, IncludedOrderData, SearchOrdersQuery, SearchOrdersResponse
from shared.sync.dependencies import JobContext, RunReport, SyncDefinition
from shared.sync.metrics import ORDER_EVENTS_PUBLISHED, ORDERS_CHANGED, ORDERS_IMPORTED, MetricsSink, MetricUnit

# Items always come; these sets add the recipient, fulfillment state, cancellations and totals.
INCLUDED_DATA: tuple[IncludedOrderData, ...] = ("RECIPIENT", "FULFILLMENT", "CANCELLATION", "PROCEEDS")
MAX_PAGE_SIZE = 100
# searchOrders takes at most 50 marketplace ids.
MAX_MARKETPLACES = 50
# SQS delays a message by at most 15 minutes.
MAX_CONTINUATION_DELAY = 900.0


@dataclass(frozen=True)
class PollingConfig:
    """The window rules (README "Orders")."""

    # Re-read this much before the watermark: Amazon's search index may show an update a little after its time.
    overlap: timedelta = timedelta(minutes=5)
    # Amazon refuses a Before bound less than 2 minutes in the past; a few seconds more absorb clock skew.
    settle: timedelta = timedelta(minutes=2, seconds=10)
    # A pagination token lives 24 h at Amazon; an older saved one restarts its window.
    token_lifetime: timedelta = timedelta(hours=23)
    # A run's lease: longer than a Lambda can live, so only a crashed run's lease ever expires.
    lease: timedelta = timedelta(minutes=16)
    page_size: int = MAX_PAGE_SIZE


class OrdersApi(Protocol):
    """The SP-API calls the orders sync and the notification consumer make."""

    def search_orders(self, query: SearchOrdersQuery, pagination_token: str | None = None) -> SearchOrdersResponse:
        """One page of orders."""
        ...

    def get_order(self, order_id: str, included_data: Sequence[IncludedOrderData] = ()) -> GetOrderResponse:
        """One order."""
        ...


class ConnectionApi(OrdersApi, NotificationsApi, Protocol):
    """Everything one orders run calls: orders, and the notifications calls of the subscription step."""


class CursorStore(Protocol):
    """The OrderCursorRepository."""

    def acquire(self, connection_id: str, owner: str, until: datetime, now: datetime) -> OrdersCursor | None:
        """Takes the lease; None while another run holds it."""
        ...

    def save(self, connection_id: str, owner: str, cursor: OrdersCursor) -> None:
        """Saves while holding the lease (LeaseLostError otherwise)."""
        ...

    def save_and_release(self, connection_id: str, owner: str, cursor: OrdersCursor) -> None:
        """Saves and gives the lease back in one write while holding it; the release that follows writes nothing."""
        ...

    def release(self, connection_id: str, owner: str) -> None:
        """Gives the lease back (unless save_and_release did)."""
        ...

    def get(self, connection_id: str) -> OrdersCursor | None:
        """The cursor, or None before the first run."""
        ...


@dataclass(frozen=True)
class OrdersSyncDeps:
    """What the orders sync runs with (the handler builds the real ones; tests pass fakes)."""

    cursors: CursorStore
    api_for: Callable[[JobContext], ConnectionApi]
    subscribe: Callable[[JobContext, ConnectionApi], str]
    sink: OrderSink
    continue_later: Callable[[SyncJob, float], None]
    metrics: MetricsSink
    logger: Logger
    clock: Callable[[], datetime]
    config: PollingConfig = PollingConfig()


def imported_statuses(settings: ConnectionSettings) -> frozenset[str]:
    """The statuses in which an order we do not hold yet is imported."""
    return frozenset(settings.order_statuses_to_import)


def _window(cursor: OrdersCursor, settings: ConnectionSettings, now: datetime, config: PollingConfig) -> OrdersCursor:
    """The cursor with a window under way: the saved one, or a new one from the watermark to now - settle."""
    if cursor.in_window:
        saved = cursor.token_saved_at or cursor.window_started_at or now
        if cursor.next_token and now - saved > config.token_lifetime:
            return cursor.model_copy(update={"next_token": None, "window_started_at": now, "pages": 0})
        return cursor
    start = (
        cursor.watermark - config.overlap
        if cursor.watermark is not None
        else now - timedelta(days=settings.order_age_limit_days)
    )
    return cursor.model_copy(
        update={
            "window_after": start,
            "window_before": now - config.settle,
            "next_token": None,
            "window_started_at": now,
            "pages": 0,
        }
    )


def _query(context: JobContext, cursor: OrdersCursor, page_size: int) -> SearchOrdersQuery:
    return SearchOrdersQuery(
        last_updated_after=cursor.window_after,
        last_updated_before=cursor.window_before,
        marketplace_ids=list(context.connection.marketplace_ids[:MAX_MARKETPLACES]),
        fulfilled_by=sorted(context.settings.order_fulfilled_by),
        included_data=list(INCLUDED_DATA),
        max_results_per_page=page_size,
    )


@dataclass
class _Run:
    context: JobContext
    deps: OrdersSyncDeps
    owner: str
    counts: Counter[str]

    @property
    def connection_id(self) -> str:
        return self.context.connection.connection_id


def claim_connection(deps: OrdersSyncDeps) -> Callable[[JobContext], AbstractContextManager[str | None]]:
    """The sync definition's `claim`: the connection's lease, released when the run ends (whatever the outcome; a
    completed window's last save gave it back already, and the repository then writes nothing)."""

    @contextmanager
    def claim(context: JobContext) -> Iterator[str | None]:
        owner = uuid.uuid4().hex
        now = deps.clock()
        cid = context.connection.connection_id
        if deps.cursors.acquire(cid, owner, now + deps.config.lease, now) is None:
            yield None
            return
        try:
            yield owner
        finally:
            deps.cursors.release(cid, owner)

    return claim


def run_orders(context: JobContext, deps: OrdersSyncDeps) -> RunReport:
    """One run of the orders sync for one connection (see the module doc)."""
    if context.claim is None:
        raise RuntimeError("the orders sync runs only under its claim (the connection's lease)")
    run = _Run(context, deps, context.claim, Counter())
    api = deps.api_for(context)
    run.counts[f"subscription_{deps.subscribe(context, api)}"] += 1
    stored = deps.cursors.get(run.connection_id) or OrdersCursor()
    window = _window(stored, context.settings, deps.clock(), deps.config)
    if stored.in_window:
        # A resumed window (its token possibly dropped as too old) is stored as it restarts. A new one is not: until
        # its first page's token is saved, the next run opens a window from the same watermark.
        deps.cursors.save(run.connection_id, run.owner, window)
    try:
        watermark = _poll(run, api, window)
    except OutOfTimeError as exc:
        _continue(run, exc.retry_after)
        return _report(run, window, stored.watermark, complete=False)
    return _report(run, window, watermark, complete=True)


def _poll(run: _Run, api: OrdersApi, cursor: OrdersCursor) -> datetime | None:
    """Pages through the window, saving the cursor after each page; closes the window and returns the watermark."""
    deps, context = run.deps, run.context
    statuses = imported_statuses(context.settings)
    # The first window imports history: its age is no lag (shared/orders/apply.OrderSink.measure_lag).
    sink = replace(deps.sink, measure_lag=cursor.watermark is not None)
    query = _query(context, cursor, deps.config.page_size)
    while True:
        try:
            page = api.search_orders(query, cursor.next_token)
        except InvalidInputError:
            if cursor.next_token is None or run.counts["window_restarts"]:
                raise  # the query itself is refused, or a fresh window's token too: retrying cannot help
            # An expired or refused token: the same window again from its first page (nothing skipped).
            deps.logger.warning("searchOrders refused the saved token; restarting the window")
            run.counts["window_restarts"] += 1
            cursor = cursor.model_copy(update={"next_token": None, "pages": 0, "window_started_at": deps.clock()})
            deps.cursors.save(run.connection_id, run.owner, cursor)
            continue
        run.counts["pages"] += 1
        for order in page.orders:
            _count(
                run,
                apply_order(
                    from_amazon(order, run.connection_id, context.settings.shipping_method_map), statuses, sink
                ),
            )
        if page.next_token:
            cursor = cursor.model_copy(
                update={"next_token": page.next_token, "pages": cursor.pages + 1, "token_saved_at": deps.clock()}
            )
            deps.cursors.save(run.connection_id, run.owner, cursor)
            continue
        deps.cursors.save_and_release(run.connection_id, run.owner, OrdersCursor(watermark=cursor.window_before))
        return cursor.window_before


def _count(run: _Run, result: ApplyResult) -> None:
    run.counts["orders_seen"] += 1
    run.counts[result.outcome.value] += 1
    run.counts["events_published"] += result.published
    metrics = run.deps.metrics
    if result.outcome is Outcome.IMPORTED:
        metrics.add_metric(ORDERS_IMPORTED, MetricUnit.Count, 1)
    elif result.outcome is Outcome.CHANGED:
        metrics.add_metric(ORDERS_CHANGED, MetricUnit.Count, 1)
    if result.published:
        metrics.add_metric(ORDER_EVENTS_PUBLISHED, MetricUnit.Count, result.published)


def _continue(run: _Run, retry_after: float) -> None:
    """Enqueues the rest of the window for when searchOrders has a token again."""
    delay = min(MAX_CONTINUATION_DELAY, max(0.0, retry_after))
    job = SyncJob(
        sync_type=SYNC_TYPE, connection_id=run.connection_id, requested_at=run.deps.clock(), trigger="continuation"
    )
    run.deps.continue_later(job, delay)
    run.counts["continued"] += 1
    run.deps.logger.info("out of time: continuation enqueued", extra={"delay_seconds": round(delay, 1)})


def _report(run: _Run, window: OrdersCursor, watermark: datetime | None, *, complete: bool) -> RunReport:
    """Counts, and the window this run worked on with the watermark it left (the status item's details)."""
    run.counts["window_complete"] = int(complete)
    bounds = (("window_after", window.window_after), ("window_before", window.window_before), ("watermark", watermark))
    details = {key: value.isoformat() for key, value in bounds if value is not None}
    return RunReport(counts=dict(run.counts), details=details)


def orders_sync(deps: OrdersSyncDeps) -> SyncDefinition:
    """The sync type's definition, wired to its dependencies."""
    return SyncDefinition(name=SYNC_TYPE, run=lambda context: run_orders(context, deps), claim=claim_connection(deps))
