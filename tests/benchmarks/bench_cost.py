"""What it costs (issue 18 item 7): the AWS bill per connection-month, from counts measured on the running stack.

One world (the deployed stack in the embedded AWS, functions in worker processes, pollers, the schedule clock, the
time-scaled sandbox; tests/benchmarks/orders_world.py) is metered where AWS bills (cost_meter.py: every AWS request,
DynamoDB units from item sizes, SQS and EventBridge 64 KB chunks, Lambda invocations x measured duration x configured
memory) over these windows, at default settings with the orders, inventory and catalog syncs on:

1. no connection, one sandbox hour: what the schedules cost with nobody connected (-> fixed, x730 hours);
2. one connected seller receiving orders (ORDERS_PER_HOUR, ~80% merchant-fulfilled, notifications delivered) for
   one sandbox hour, then none for a drain: per merchant order imported = (window - the idle rate x its length) /
   orders imported;
3. (measured before 2) the same seller with no new orders, one sandbox hour (orders every 15 minutes, the catalog's
   searchListingsItems delta hourly after its first report was applied, authorization hourly, the at-risk check, the
   seller's older orders changing), then a second seller like it connected the same way and both idle for an hour:
   the idle connection is what the second adds (-> x730 hours); what the first one's hour costs beyond that (the
   scheduled runs' invocations, traces, cold containers, shared by every connection) goes to the fixed cost;
4. work put on the stack, each in its own window less the mean rate of control windows before and after
   (cost_workloads.py):
   one ShipmentCreated per imported order (SHIPMENTS); LONE_CHANGES stock changes, each alone (LONE_SPACING apart,
   in one hour-long window against an hour-long control), then STOCK_BURST at once; the inventory and catalog
   schedules fired once (hour-long windows too) (the daily reconciliation per SKU with state, the daily All Listings
   Report per SKU at Amazon, EXTRA_LISTINGS added to the sandbox seller's own; the report made due by a 1-hour
   catalog_reconcile_hours).

Months are built from those figures and scaled explicitly (cost_report.py; the table says which is which). Lambda
durations are local (this machine, moto answering in ~3 ms): an upper bound of the cloud's. Prices:
cost_prices.toml (eu-west-1, dated, free tiers ignored). Nothing is asserted on the figures; the run fails only when
no order was imported (the pipeline is broken).
"""

import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.config import SYNC_TYPES
from local.sandbox.inspector import SellerInfo
from local.synth import synthesize
from shared.env import Env
from shared.orders.events import OrderEventType
from shared.settings import InventorySettings, ShipmentsSettings
from tests.benchmarks.bench_orders import first_window_done
from tests.benchmarks.cost_dynamodb import TableShape
from tests.benchmarks.cost_meter import AwsMeter, FunctionMeter, metered_moto
from tests.benchmarks.cost_model import Usage
from tests.benchmarks.cost_report import print_report
from tests.benchmarks.cost_workloads import (
    Measured,
    catalog_applied,
    change_stock,
    change_stock_spaced,
    enable_syncs,
    fire_schedule,
    listing_count,
    measure_work,
    merchant_skus,
    seed_listings,
    ship,
)
from tests.benchmarks.orders_world import OrdersWorld, orders_world

SCALE = 60.0
WINDOW = 3600.0  # sandbox seconds
WARM_UP = 600.0
DRAIN = 1800.0  # PENDING 2 min + settle + a schedule interval, and the ORDER_CHANGEs of the last orders
SETTLE = 1200.0  # after a workload: feeds queued and processed, results, checks
# The windows of a workload scaled by hundreds or thousands (a lone stock change, the daily reconciliation and report,
# per SKU): one hour each, control and work alike, so each holds the same periodic runs (orders 4, catalog and
# authorization 1): a run more in one of two shorter windows, multiplied by the scale, was most of the noise.
HOUR = 3600.0
LONE_CHANGES = 6  # one stock change alone, every LONE_SPACING sandbox seconds, in one window
LONE_SPACING = 500.0
CATALOG_SETTLE = 3600.0  # the report's polls come 15 s and more apart in real seconds (15 sandbox minutes at 60x)
ORDERS_PER_HOUR = 120.0
SHIPMENTS = 30
STOCK_BURST = 200
EXTRA_LISTINGS = 300  # beside the sandbox seller's own few dozen
SYNCS = frozenset({"orders", "inventory", "catalog"})
IDLE_SYNCS = frozenset({"orders", "catalog"})
VERIFY_DELAY = int(ShipmentsSettings.model_fields["verify_delay_seconds"].default)
FEED_POLL = int(InventorySettings.model_fields["feed_poll_seconds"].default)


class Meters:
    """Snapshots of everything metered, as `Usage` at a sandbox time."""

    def __init__(self, world: OrdersWorld, aws: AwsMeter, log_dir: Path, template: dict[str, Any]) -> None:
        self.world, self.aws, self.log_dir = world, aws, log_dir
        self.functions = FunctionMeter(world.world.stack.runtime)
        deployed = world.world.stack.deployed
        for logical_id, (kind, physical_id) in deployed.resources.items():
            if kind == "AWS::DynamoDB::Table":
                shape = TableShape.of(template["Resources"][logical_id]["Properties"])
                if shape.indexes:
                    aws.tables[physical_id] = shape
        self._schedule_function = {s.logical_id: s.function for s in deployed.schedules}
        self._consumers = {e.function for e in deployed.event_sources}
        self.series: set[tuple[str, ...]] = set()

    def snapshot(self) -> tuple[float, Usage]:
        """(sandbox time, usage so far)."""
        requests, units = self.aws.snapshot()
        invocations, gb_seconds = self.functions.snapshot()
        runtime = self.world.world.stack.runtime
        fires = Counter(self._schedule_function.get(logical_id, "") for logical_id, _ in list(runtime.fired))
        esm = sum(invocations[f] - fires[f] for f in self._consumers)
        logs = sum(p.stat().st_size for p in self.log_dir.glob("*.log"))
        usage = Usage(requests, units, invocations, gb_seconds, float(esm), float(fires.total()), float(logs))
        return self.world.now(), usage

    def metric_series(self) -> tuple[int, int]:
        """Custom metrics the functions emitted (EMF lines in their logs): all, and those naming a connection."""
        for path in self.log_dir.glob("*.log"):
            for line in path.read_text(errors="replace").splitlines():
                if '"_aws"' in line:
                    self._add_series(line)
        by_connection = sum(1 for s in self.series if any("connection" in part.lower() for part in s[2:]))
        return len(self.series), by_connection

    def _add_series(self, line: str) -> None:
        try:
            record = json.loads(line[line.index("{") :])
        except ValueError:
            return
        for directive in record.get("_aws", {}).get("CloudWatchMetrics", []):
            for dimensions in directive.get("Dimensions", []):
                for metric in directive.get("Metrics", []):
                    dims = tuple(f"{d}={record.get(d)}" for d in dimensions)
                    self.series.add((directive.get("Namespace", ""), metric.get("Name", ""), *dims))


def rate(a: tuple[float, Usage], b: tuple[float, Usage]) -> Usage:
    """Usage per sandbox hour between two snapshots."""
    return b[1].minus(a[1]).times(3600.0 / (b[0] - a[0]))


def window(world: OrdersWorld, meters: Meters) -> Usage:
    """Usage per sandbox hour over one WINDOW from now."""
    start = meters.snapshot()
    world.sleep(WINDOW)
    return rate(start, meters.snapshot())


def imported_since(world: OrdersWorld, connection_id: str, since: float) -> set[str]:
    """Orders of the connection imported (OrderImported on the bus) after `since`."""
    imported = OrderEventType.IMPORTED.value
    events = world.tap.events()
    return {
        e.order_id for e in events if e.connection_id == connection_id and e.detail_type == imported and e.at >= since
    }


@dataclass
class Figures:
    """Everything measured: rates per hour, usage per unit of work."""

    empty: Usage  # per hour, no connection
    # Per hour, what the first connection's idle hour costs beyond a second one's: the scheduled runs' invocations,
    # traces and cold containers that every connection shares (fixed once anyone is connected).
    shared: Usage
    idle: Usage  # per hour of one more idle connection (two connected less one)
    per_order: Measured
    per_shipment: Measured
    one_change: Measured  # per stock change alone (LONE_CHANGES of them, spaced: each patched at once)
    burst: Measured  # per change of STOCK_BURST changed at once (one feed)
    reconciliation: Measured  # the daily reconciliation, per SKU with inventory state
    catalog: Measured  # the daily All Listings Report, per SKU at Amazon


def measure(world: OrdersWorld, meters: Meters) -> Figures:
    """The windows, in order (see the module docstring)."""
    world.start_pollers()
    world.sleep(WARM_UP)
    empty = window(world, meters)
    seller = world.inspector.seller("EU")
    # Orders and the catalog's hourly delta in the idle hour (inventory's daily run only in its own window): the first
    # All Listings Report (the catalog's first run) applied before it, as on any day but the first.
    connection_id = _connect_like(world, seller)
    world.sleep(WARM_UP)
    first = window(world, meters)
    # The marginal connection: a second seller like the first, set up the same way, both idle for an hour. What the
    # first connection's hour costs beyond it (a scheduled run's invocation, its trace, a cold container's secret) is
    # paid once per deployment, whatever the number of connections: the fixed cost's, not a connection's.
    _connect_like(world, world.inspector.new_seller("EU"))
    world.sleep(WARM_UP)
    both = window(world, meters)
    idle = both.minus(first)
    start = meters.snapshot()
    busy_from = world.now()
    _start_arrivals(world, seller.selling_partner_id)
    world.sleep(WINDOW)
    world.sandbox.config.orders_per_hour = 0.0  # the next arrival schedules no other
    world.sleep(DRAIN)
    end = meters.snapshot()
    imported = imported_since(world, connection_id, busy_from)
    busy = end[1].minus(start[1]).minus(both.times((end[0] - start[0]) / 3600.0))
    per_order = Measured(busy.times(1.0 / max(1, len(imported))), len(imported))
    _scale_verify_delay(world)
    enable_syncs(world, connection_id, SYNCS)
    shipped = sorted(imported)[:SHIPMENTS]
    snap = meters.snapshot
    per_shipment = measure_work(world, snap, len(shipped), ship(world, connection_id, shipped), SETTLE)
    skus = merchant_skus(world, seller.selling_partner_id, STOCK_BURST + LONE_CHANGES)
    lone = change_stock_spaced(world, connection_id, skus[:LONE_CHANGES], 7, LONE_SPACING)
    one = measure_work(world, snap, LONE_CHANGES, lone, HOUR)
    rest = skus[LONE_CHANGES:]
    burst = measure_work(world, snap, len(rest), change_stock(world, connection_id, rest, 5), SETTLE)
    # As every night: the catalog's hourly delta has read Amazon's side of the day's changes before the reconciliation
    # (it skips offers Amazon holds already, docs/inventory.md); the delta runs in the pause before the windows.
    fire_schedule(world, "catalog")()
    reconciliation = measure_work(world, snap, len(skus), fire_schedule(world, "inventory"), HOUR)
    listings = listing_count(world, seller.selling_partner_id)
    # The daily report: due once the last one is older than catalog_reconcile_hours (1 h here, 24 h by default).
    enable_syncs(world, connection_id, SYNCS, catalog_reconcile_hours=1)
    catalog = measure_work(world, snap, listings, fire_schedule(world, "catalog"), max(HOUR, CATALOG_SETTLE))
    shared = first.minus(empty).minus(idle)
    return Figures(empty, shared, idle, per_order, per_shipment, one, burst, reconciliation, catalog)


def _connect_like(world: OrdersWorld, seller: SellerInfo) -> str:
    """Connects a seller as the first one was: its listings seeded, orders and catalog syncs on, its first orders
    window done and its first All Listings Report applied."""
    seed_listings(world, seller.selling_partner_id, EXTRA_LISTINGS)
    connection_id = world.connect(seller)
    enable_syncs(world, connection_id, IDLE_SYNCS)
    if not world.wait_for(lambda: first_window_done(world, connection_id), 3600):
        raise TimeoutError(f"the first orders window of {connection_id} did not complete")
    fire_schedule(world, "catalog")()
    if not world.wait_for(lambda: catalog_applied(world, connection_id), 14400):
        raise TimeoutError(f"the first All Listings Report of {connection_id} was not applied")
    return connection_id


def _scale_verify_delay(world: OrdersWorld) -> None:
    """The shipment check comes SHIPMENTS_VERIFY_DELAY_SECONDS later, a feed's look-up INVENTORY_FEED_POLL_SECONDS
    later, in real seconds (SQS delays): scaled to the sandbox's time, as Amazon's are, so each lands in its own
    workload's window, not in a later one's control (set before the functions' first workers start)."""
    for pool in world.world.stack.runtime.pools.values():
        if pool.spec.handler.startswith("functions.shipments_input."):
            pool.env[Env.SHIPMENTS_VERIFY_DELAY_SECONDS] = str(max(1, round(VERIFY_DELAY / SCALE)))
        if Env.INVENTORY_FEED_POLL_SECONDS in pool.env:
            pool.env[Env.INVENTORY_FEED_POLL_SECONDS] = str(max(1, round(FEED_POLL / SCALE)))


def _start_arrivals(world: OrdersWorld, seller_id: str) -> None:
    """Starts the sandbox's order arrivals for the seller at ORDERS_PER_HOUR (a world started with none has none)."""
    from local.sandbox import lifecycle

    sandbox = world.sandbox
    sandbox.config.orders_per_hour = ORDERS_PER_HOUR
    with sandbox.state.lock:
        lifecycle._schedule_arrival(sandbox, sandbox.state, seller_id, world.now())  # noqa: SLF001


@pytest.mark.timeout(1800)
def test_cost_per_connection_month(tmp_path: Path) -> None:
    started = time.monotonic()
    template = synthesize(SYNC_TYPES)
    meter = AwsMeter()
    with (
        metered_moto(meter),
        orders_world(template, SCALE, tmp_path, "BenchCost", orders_per_hour=0.0, seed=21) as world,
    ):
        meters = Meters(world, meter, tmp_path, template)
        figures = measure(world, meters)
    series = meters.metric_series()
    print_report(template, figures, series, SCALE, time.monotonic() - started)
    assert figures.per_order.units > 0, "no order was imported: the pipeline is broken"
