"""The cost bench's tables (bench_cost.py): the fixed monthly cost, and a connection-month per seller size.

A connection-month is built from the measured figures, each scaled explicitly (the table says how): the idle
connection x730 hours (what a second idle connection adds to the first; what the first costs beyond it, the
scheduled runs every connection shares, is printed with the fixed cost); per order x orders; per shipment x orders
(each merchant order shipped in one package); stock changes = SKUs x CHANGES_PER_SKU (an assumption), each arriving
alone, priced as a lone change (patched at once: at the large seller's 400,000 a month, one every 6.5 s, far below
patchListingsItem's 5 a second, none waits for a feed; the per-change cost of bursts sent at once, by feed, is
printed beside it); the daily reconciliation and the daily All Listings Report per SKU x SKUs x 30 (measured on a
few hundred SKUs and scaled linearly).
"""

from dataclasses import dataclass
from typing import Any, Protocol

from tests.benchmarks.cost_model import (
    HOURS_PER_MONTH,
    Usage,
    fixed_price,
    load_prices,
    logical_id,
    price,
    shape_of,
    traced_functions,
)
from tests.benchmarks.cost_workloads import Measured

SIZES = [("small", 100, 1_000), ("medium", 2_000, 20_000), ("large", 20_000, 200_000)]
CHANGES_PER_SKU = 2.0  # stock changes per SKU per month (assumed)
DAYS = 30
TARGET_SMALL = 0.10
NOT_MEASURED = "not measured: cancellations, price changes, Amazon-side retries and 429s"


class Figures(Protocol):
    """What bench_cost.measure returns."""

    empty: Usage
    shared: Usage
    idle: Usage
    per_order: Measured
    per_shipment: Measured
    one_change: Measured
    burst: Measured
    reconciliation: Measured
    catalog: Measured


@dataclass(frozen=True)
class Part:
    """One line of a connection-month: its usage and how it was scaled."""

    name: str
    usage: Usage
    how: str


def month_parts(f: Figures, orders: int, skus: int) -> list[Part]:
    """The connection-month of a seller with `orders` a month and `skus` SKUs, part by part."""
    changes = skus * CHANGES_PER_SKU
    return [
        Part("idle connection", f.idle.times(HOURS_PER_MONTH), f"2nd connection's 1 h x{HOURS_PER_MONTH}"),
        Part("orders", f.per_order.per_unit.times(orders), f"per order ({f.per_order.units}) x{orders:,}"),
        Part("shipments", f.per_shipment.per_unit.times(orders), f"per shipment ({f.per_shipment.units}) x{orders:,}"),
        Part(
            "stock changes",
            f.one_change.per_unit.times(changes),
            f"per change alone ({f.one_change.units}) x{changes:,.0f}",
        ),
        Part(
            "reconciliation",
            f.reconciliation.per_unit.times(skus * DAYS),
            f"per SKU ({f.reconciliation.units}) x{skus:,} x{DAYS}",
        ),
        Part("catalog report", f.catalog.per_unit.times(skus * DAYS), f"per SKU ({f.catalog.units}) x{skus:,} x{DAYS}"),
    ]


def _money(cost: dict[str, float]) -> float:
    return sum(cost.values())


def _counted(cost: dict[str, float]) -> dict[str, float]:
    """A part's cost per service as counted: a service below zero is the background's noise in the part's window
    (a run more in its control than in its work), not a saving: it counts as nothing."""
    return {service: max(0.0, value) for service, value in cost.items()}


def print_report(template: dict[str, Any], f: Figures, series: tuple[int, int], scale: float, real: float) -> None:
    """The fixed cost, the per-size tables and what dominates."""
    prices, traced = load_prices(), traced_functions(template)
    fixed = fixed_price(shape_of(template, series[0]), prices)
    schedules = price(f.empty.times(HOURS_PER_MONTH), prices, traced)
    shared = _counted(price(f.shared.times(HOURS_PER_MONTH), prices, traced))
    print(
        f"\n\nWhat it costs: {prices['region']} list prices of {prices['date']} (tests/benchmarks/cost_prices.toml), "
        f"USD a month, free tiers ignored; measured at x{scale:g}, {real:.0f} s real.\n\nFixed monthly cost of the "
        "stack (no connection):"
    )
    lines = {
        **fixed,
        **{f"idle schedules: {k}": v for k, v in schedules.items()},
        **{f"runs shared by the connections: {k}": v for k, v in shared.items()},
    }
    for name, value in lines.items():
        print(f"  {name:<44} {value:>9.2f}")
    print(f"  {'total':<44} {_money(fixed) + _money(schedules) + _money(shared):>9.2f}")
    first = _money(shared) + _money(_counted(price(f.idle.times(HOURS_PER_MONTH), prices, traced)))
    print(
        f"  (alarms, dashboards, keys, secrets, event sources: counted in the template; custom metrics: {series[0]} "
        f"series seen in the EMF logs, {series[1]} naming a connection;\n   idle schedules: measured 1 h x"
        f"{HOURS_PER_MONTH}; runs shared by the connections: the first idle connection's hour less a second's, x"
        f"{HOURS_PER_MONTH}\n   (the first connection's idle month is {first:.4f}, {_money(shared):.4f} of it shared); "
        "Lambda's idle SQS polling: modelled, 5 long polls per event source)"
    )
    services = list(price(Usage(), prices))
    for name, orders, skus in SIZES:
        parts = month_parts(f, orders, skus)
        print(f"\n{name} seller: {orders:,} orders, {skus:,} SKUs a month, per connection-month")
        header = f"  {'part':<16}" + "".join(f"{s[:10]:>11}" for s in services) + f"{'total':>10}  scaled how"
        print(header + "\n  " + "-" * (len(header) - 2))
        total: dict[str, float] = dict.fromkeys(services, 0.0)
        for part in parts:
            cost = price(part.usage, prices, traced)
            counted = _counted(cost)
            total = {s: total[s] + counted[s] for s in services}
            line = "".join(f"{cost[s]:>11.4f}" for s in services)
            below = [s for s in services if cost[s] < -0.00005]
            note = f"  ({', '.join(below)} below zero: the background's noise, counted as 0)" if below else ""
            print(f"  {part.name:<16}{line}{_money(counted):>10.4f}  {part.how}{note}")
        top_service = max(total, key=lambda s: total[s])
        top_part = max(parts, key=lambda p: _money(_counted(price(p.usage, prices, traced))))
        verdict = ("ok" if _money(total) < TARGET_SMALL else "MISSED") if name == "small" else "-"
        line = "".join(f"{total[s]:>11.4f}" for s in services)
        print(f"  {'total':<16}{line}{_money(total):>10.4f}  dominated by {top_service}, {top_part.name}")
        all_traced = sum(_money(_counted(price(p.usage, prices))) for p in parts)
        print(f"  with `sellersync:tracing` all (every invocation traced): {all_traced:.4f}")
        in_bursts = _money(_counted(price(f.burst.per_unit.times(skus * CHANGES_PER_SKU), prices, traced)))
        print(f"  stock changes sent in bursts of {f.burst.units} (by feed) instead of alone: {in_bursts:.4f}")
        if name == "small":
            print(f"  target < {TARGET_SMALL:.2f} beyond the fixed cost: {verdict}")
    idle_month = f.idle.times(HOURS_PER_MONTH)
    calls = ", ".join(f"{k} {v:,.0f}" for k, v in idle_month.requests.most_common(8))
    invocations = ", ".join(f"{logical_id(k)} {v:,.0f}" for k, v in idle_month.invocations.most_common(6))
    units = ", ".join(f"{k} {v:,.0f}" for k, v in idle_month.units.most_common(8) if k.startswith("dynamodb."))
    print(f"\nidle connection-month: requests {calls}\n  invocations {invocations}\n  DynamoDB units {units}")
    print(f"{NOT_MEASURED}.")
