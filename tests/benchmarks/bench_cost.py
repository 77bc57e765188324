"""What it costs (issue 18 item 7): the AWS bill per connection-month, from counts measured on the running stack.

One world (the deployed stack in the embedded AWS, functions in worker processes, pollers, the schedule clock, the
time-scaled sandbox; tests/benchmarks/orders_world.py) is metered where AWS bills (cost_meter.py: every AWS request,
DynamoDB units from item sizes, SQS and EventBridge 64 KB chunks, Lambda invocations x measured duration x configured
memory) over three windows, at default settings:

1. no connection, one sandbox hour: what the schedules cost with nobody connected (-> fixed, x730 hours);
2. one connected seller (orders sync on) receiving orders (ORDERS_PER_HOUR, ~80% merchant-fulfilled, notifications
   delivered) for one sandbox hour, then none for a drain: per merchant order imported = (window - the idle
   connection's rate x its length) / orders imported;
3. the same seller with no new orders, one sandbox hour: the idle connection (orders every 5 minutes, authorization
   hourly, the at-risk check; -> x730 hours).

Months are built from those measured rates and scaled explicitly (the table says which figure is which): connection
idle x730 + per-order x orders a month. Not measured here (no workload driven): the inventory pipeline, shipments,
cancellations and the catalog; the table lists them as such. Lambda durations are local (this machine, moto answering
in ~3 ms): an upper bound of the cloud's. Prices: cost_prices.toml (eu-west-1, dated, free tiers ignored).
Nothing is asserted on the figures; the run fails only when no order was imported (the pipeline is broken).
"""

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from infra.config import SYNC_TYPES
from local.synth import synthesize
from shared.orders.events import OrderEventType
from tests.benchmarks.bench_orders import first_window_done
from tests.benchmarks.cost_meter import AwsMeter, FunctionMeter, metered_moto
from tests.benchmarks.cost_model import (
    HOURS_PER_MONTH,
    Usage,
    fixed_price,
    load_prices,
    price,
    shape_of,
)
from tests.benchmarks.orders_world import OrdersWorld, orders_world

SCALE = 30.0
WINDOW = 3600.0  # sandbox seconds
WARM_UP = 600.0
DRAIN = 900.0  # PENDING 2 min + settle + a schedule interval
ORDERS_PER_HOUR = 120.0
SIZES = [("small", 100, 1_000), ("medium", 2_000, 20_000), ("large", 20_000, 200_000)]
TARGET_SMALL = 0.10
NOT_MEASURED = "inventory pipeline, shipments + cancellations, catalog (SKUs): not measured, not in the figures"


class Meters:
    """Snapshots of everything metered, as `Usage` at a sandbox time."""

    def __init__(self, world: OrdersWorld, aws: AwsMeter, log_dir: Path, template: dict[str, Any]) -> None:
        self.world, self.aws, self.log_dir = world, aws, log_dir
        self.functions = FunctionMeter(world.world.stack.runtime)
        deployed = world.world.stack.deployed
        for logical_id, (kind, physical_id) in deployed.resources.items():
            if kind == "AWS::DynamoDB::Table":
                indexes = template["Resources"][logical_id]["Properties"].get("GlobalSecondaryIndexes", [])
                aws.gsi_counts[physical_id] = len(indexes)
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


def imported_since(world: OrdersWorld, connection_id: str, since: float) -> int:
    """Distinct orders of the connection imported (OrderImported on the bus) after `since`."""
    imported = OrderEventType.IMPORTED.value
    return len(
        {
            e.order_id
            for e in world.tap.events()
            if e.connection_id == connection_id and e.detail_type == imported and e.at >= since
        }
    )


def measure(world: OrdersWorld, meters: Meters) -> tuple[Usage, Usage, Usage, int]:
    """Per hour with no connection, per hour of an idle connection, per merchant order; and the orders measured."""
    world.start_pollers()
    world.sleep(WARM_UP)
    empty = window(world, meters)
    seller = world.inspector.seller("EU")
    connection_id = world.connect(seller)
    world.enable_orders(connection_id)
    if not world.wait_for(lambda: first_window_done(world, connection_id), 3600):
        raise TimeoutError("the first orders window did not complete")
    world.sleep(WARM_UP)
    start = meters.snapshot()
    busy_from = world.now()
    _start_arrivals(world, seller.selling_partner_id)
    world.sleep(WINDOW)
    world.sandbox.config.orders_per_hour = 0.0  # the next arrival schedules no other
    world.sleep(DRAIN)
    end = meters.snapshot()
    orders = imported_since(world, connection_id, busy_from)
    idle = window(world, meters)
    connection_idle = idle.minus(empty)
    busy = end[1].minus(start[1]).minus(idle.times((end[0] - start[0]) / 3600.0))
    return empty, connection_idle, busy.times(1.0 / max(1, orders)), orders


def _start_arrivals(world: OrdersWorld, seller_id: str) -> None:
    """Starts the sandbox's order arrivals for the seller at ORDERS_PER_HOUR (a world started with none has none)."""
    from local.sandbox import lifecycle

    sandbox = world.sandbox
    sandbox.config.orders_per_hour = ORDERS_PER_HOUR
    with sandbox.state.lock:
        lifecycle._schedule_arrival(sandbox, sandbox.state, seller_id, world.now())  # noqa: SLF001


def dollars(usage: Usage, prices: dict[str, Any]) -> dict[str, float]:
    """Per-service dollars of a usage."""
    return price(usage, prices)


def print_report(
    template: dict[str, Any], meters: Meters, empty: Usage, idle: Usage, per_order: Usage, orders: int, real: float
) -> float:
    """The tables; returns the small seller's dollars per connection-month (beyond the fixed cost)."""
    prices = load_prices()
    series, by_connection = meters.metric_series()
    fixed = fixed_price(shape_of(template, series), prices)
    schedules = dollars(empty.times(HOURS_PER_MONTH), prices)
    print(
        f"\n\nWhat it costs: {prices['region']} list prices of {prices['date']} (tests/benchmarks/cost_prices.toml), "
        "USD, "
        f"free tiers ignored. Measured at x{SCALE:g} in {real:.0f} s real; {orders} merchant orders measured.\n"
    )
    print("Fixed monthly cost of the stack (with no connection):")
    for name, value in {**fixed, **{f"idle schedules: {k}": v for k, v in schedules.items() if v >= 0.0005}}.items():
        print(f"  {name:<44} ${value:>8.2f}")
    total_fixed = sum(fixed.values()) + sum(schedules.values())
    print(f"  {'total':<44} ${total_fixed:>8.2f}")
    print(
        f"  (alarms, dashboards, keys, secrets: counted in the template; custom metrics: {series} series seen in the "
        f"EMF logs, {by_connection} with a connection dimension;\n   idle schedules: measured x{HOURS_PER_MONTH} h; "
        "Lambda's idle SQS polling: modelled, 5 long polls per event source)\n"
    )
    services = list(dollars(idle, prices))
    header = f"{'per connection-month':<22}" + "".join(f"{s:>11}" for s in services) + f"{'total':>10}  dominates"
    print(header + "\n" + "-" * len(header))
    small_total = 0.0
    for name, orders_month, skus in SIZES:
        month = idle.times(HOURS_PER_MONTH).plus(per_order.times(orders_month))
        cost = dollars(month, prices)
        total = sum(cost.values())
        small_total = total if name == "small" else small_total
        top = max(cost, key=lambda k: cost[k])
        row = f"{name} ({orders_month:,} orders)"
        print(f"{row:<22}" + "".join(f"{cost[s]:>11.4f}" for s in services) + f"{total:>10.4f}  {top}")
        del skus
    print(
        f"\nmeasured: the idle connection per hour (x{HOURS_PER_MONTH}, scaled), per merchant order on {orders} orders "
        "(x orders a month, scaled linearly);\n" + NOT_MEASURED + "."
    )
    idle_month = dollars(idle.times(HOURS_PER_MONTH), prices)
    order_cost = dollars(per_order, prices)
    print(
        f"idle connection-month ${sum(idle_month.values()):.4f} "
        f"(Lambda invocations {idle.total_invocations() * HOURS_PER_MONTH:,.0f}); "
        f"per order ${sum(order_cost.values()):.6f}; target small < ${TARGET_SMALL:.2f}: "
        f"{'ok' if small_total < TARGET_SMALL else 'MISSED'}"
    )
    top_requests = (idle.times(HOURS_PER_MONTH).requests).most_common(8)
    print("largest request counts of an idle connection-month: " + ", ".join(f"{k} {v:,.0f}" for k, v in top_requests))
    return small_total


@pytest.mark.timeout(1200)
def test_cost_per_connection_month(tmp_path: Path) -> None:
    started = time.monotonic()
    template = synthesize(SYNC_TYPES)
    meter = AwsMeter()
    with (
        metered_moto(meter),
        orders_world(template, SCALE, tmp_path, "BenchCost", orders_per_hour=0.0, seed=21) as world,
    ):
        meters = Meters(world, meter, tmp_path, template)
        empty, idle, per_order, orders = measure(world, meters)
    print_report(template, meters, empty, idle, per_order, orders, time.monotonic() - started)
    assert orders > 0, "no order was imported: the pipeline is broken"
