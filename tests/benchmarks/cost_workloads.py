"""The cost bench's workloads beyond orders (bench_cost.py): shipments, stock changes, the reconciliation, the catalog.

Each puts work on the running stack as the merchant's systems and the schedules do (events on the stack's bus, a
schedule fired as EventBridge Scheduler would), waits for the pipeline to settle, and returns the window's usage with
the idle connection's share taken out, divided by the units of work (shipments, stock changes, SKUs). The bench's own
PutEvents calls are the merchant's, counted as the account's (a warehouse system in the same account pays them).
"""

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from infra.config import Table
from infra.outputs import table_output_key
from local.sandbox.entities import Listing, Offer
from local.sandbox.marketplaces import marketplace
from shared.inventory.input import INVENTORY_CHANGED
from shared.models.settings import ConnectionSettings
from shared.repositories.listings import ListingsRepository
from tests.benchmarks.cost_model import Usage
from tests.benchmarks.orders_world import OrdersWorld
from tests.benchmarks.shipments_world import WAREHOUSE_SOURCE, put_events, shipment_entry

Snapshot = Callable[[], tuple[float, Usage]]


@dataclass(frozen=True)
class Measured:
    """Usage per unit of work, and how many units it was measured on."""

    per_unit: Usage
    units: int


def enable_syncs(world: OrdersWorld, connection_id: str, syncs: frozenset[str], **values: object) -> None:
    """Turns the syncs on in the connection's settings, with any other `values` (as `sellersync settings set` does)."""
    connections = world.world.connections()
    _, version = connections.get_versioned_settings(connection_id)
    settings = ConnectionSettings.model_validate({"enabled_syncs": sorted(syncs), **values})
    connections.put_settings(connection_id, settings, expected_version=version)


def catalog_applied(world: OrdersWorld, connection_id: str) -> bool:
    """Whether an All Listings Report was applied in each of the connection's marketplaces (the hourly delta reads
    from then on)."""
    deployed = world.world.stack.deployed
    store = ListingsRepository(deployed.outputs[table_output_key(Table.LISTINGS)], deployed.aws.client("dynamodb"))
    connection = world.world.connections().get_connection(connection_id)
    marketplaces = connection.marketplace_ids if connection else ()
    return bool(marketplaces) and all(store.sync_state(connection_id, m).last_report_at for m in marketplaces)


def merchant_skus(world: OrdersWorld, seller_id: str, count: int) -> list[str]:
    """Up to `count` of the seller's merchant-fulfilled offers (not variation parents)."""
    with world.sandbox.state.lock:
        listings = world.sandbox.state.sellers[seller_id].listings.values()
        skus = [x.sku for x in listings if not x.is_parent and x.fulfillment_channel == "DEFAULT"]
    return sorted(skus)[:count]


def listing_count(world: OrdersWorld, seller_id: str) -> int:
    """The seller's SKUs at Amazon."""
    with world.sandbox.state.lock:
        return len(world.sandbox.state.sellers[seller_id].listings)


def stock_entries(connection_id: str, skus: list[str], available: int) -> list[dict[str, object]]:
    """One InventoryChanged event per SKU."""
    as_of = datetime.now(UTC).isoformat()
    return [
        {
            "Source": WAREHOUSE_SOURCE,
            "DetailType": INVENTORY_CHANGED,
            "Detail": json.dumps({"connectionId": connection_id, "sku": s, "available": available, "asOf": as_of}),
        }
        for s in skus
    ]


def measure_work(
    world: OrdersWorld, snapshot: Snapshot, units: int, start: Callable[[], None], settle: float
) -> Measured:
    """The usage per unit of the work `start` begins, over `settle` sandbox seconds, beyond the background: what the
    stack did (earlier orders still changing, schedules) in the `settle` seconds just before and, after a pause that
    lets the work's tail pass, in `settle` seconds after, averaged (a background that fades or grows over the run is
    taken at its level during the work, not before it). A pause first lets the previous work's tail pass."""
    world.sleep(settle / 2)
    control = snapshot()
    world.sleep(settle)
    before = snapshot()
    start()
    world.sleep(settle)
    after = snapshot()
    world.sleep(settle / 2)
    again = snapshot()
    world.sleep(settle)
    last = snapshot()
    rate_before = before[1].minus(control[1]).times(1.0 / (before[0] - control[0]))
    rate_after = last[1].minus(again[1]).times(1.0 / (last[0] - again[0]))
    background = rate_before.plus(rate_after).times((after[0] - before[0]) / 2.0)
    return Measured(after[1].minus(before[1]).minus(background).times(1.0 / max(1, units)), units)


def seed_listings(world: OrdersWorld, seller_id: str, count: int) -> None:
    """`count` more merchant-fulfilled listings with an offer in the seller's first marketplace, straight into the
    sandbox's world (as bench_inventory does: no steering endpoint adds listings in bulk)."""
    with world.sandbox.state.lock:
        now = world.now()
        seller = world.sandbox.state.sellers[seller_id]
        market = seller.marketplace_ids[0]
        for index in range(count):
            sku = f"COST-{index:06d}"
            offers = {market: Offer(market, marketplace(market).currency, "20.00", "10.00", 100, 2)}
            seller.listings[sku] = Listing(sku, f"B1{index:08d}", "PRODUCT", sku, now, now, offers=offers)


def ship(world: OrdersWorld, connection_id: str, order_ids: list[str]) -> Callable[[], None]:
    """A ShipmentCreated per order (one package each), as a warehouse system puts them."""
    return lambda: put_events(world, [shipment_entry(connection_id, o) for o in order_ids])


def change_stock(world: OrdersWorld, connection_id: str, skus: list[str], available: int) -> Callable[[], None]:
    """An InventoryChanged per SKU."""
    return lambda: put_events(world, stock_entries(connection_id, skus, available))


def change_stock_spaced(
    world: OrdersWorld, connection_id: str, skus: list[str], available: int, spacing: float
) -> Callable[[], None]:
    """An InventoryChanged per SKU, one every `spacing` sandbox seconds from the start (in a thread: the window's
    sleep runs meanwhile), so each change is alone in the pipeline."""

    def send_each() -> None:
        for index, sku in enumerate(skus):
            if index:
                world.sleep(spacing)
            put_events(world, stock_entries(connection_id, [sku], available))

    return lambda: threading.Thread(target=send_each, name="lone-stock-changes", daemon=True).start()


def fire_schedule(world: OrdersWorld, sync_type: str) -> Callable[[], None]:
    """Fires the sync type's schedule once (its dispatch), as EventBridge Scheduler does."""
    runtime = world.world.stack.runtime
    schedules = world.world.stack.deployed.schedules
    schedule = next(s for s in schedules if json.loads(s.payload or "{}").get("sync_type") == sync_type)

    def fire() -> None:
        runtime.fire(schedule)

    return fire
