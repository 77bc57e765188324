"""What the shipments benchmark (bench_shipments.py) does to a running world and how it reads the outcome.

`shipments_world` is `orders_world` (the deployed stack in the embedded AWS against the sandbox, sellers connected
through the real OAuth flow, every order event on the bus tapped, every SP-API call counted) at x1 with moto in a
process of its own (tests/benchmarks/moto_process.py, run by `python -m` this module) whose transactions roll back
by the items they touch (`_item_transactions`): moto's own deep-copies whole tables per transaction, and a burst of
1,000 packages (three shipments-table transactions each) then measures moto, not the pipeline. On top of it:
- `open_shops`: unshipped merchant orders put straight into the sandbox's world, their sellers connected with the
  orders sync on, and the wait until the first import has brought every one of them into the orders table (so the
  shipments input finds the stored order, as in production);
- `shipment_entry` / `cancellation_entry` / `put_events`: what a warehouse system puts on the stack's bus;
- `package_records` / `cancellations`: our side, read from the shipments table; `amazon_log` / `amazon_packages`:
  Amazon's side, read from the sandbox's world (its confirmShipment log, the packages its orders hold).
"""

import copy
import hashlib
import json
import logging
import math
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from infra.config import Table
from infra.outputs import Output, table_output_key
from local.amazon import run_local_world
from local.aws import LocalAws, free_port
from local.runtime import LocalOptions
from local.sandbox.inspector import SellerInfo
from local.sandbox.order_factory import OrderSpec, create_order
from shared.models.shipments import (
    ORDER_CANCELLATION_REQUESTED,
    SHIPMENT_CREATED,
    CancellationRecord,
    PackageRecord,
    PackageState,
)
from shared.orders.events import OrderEventType
from shared.repositories.cancellations import CancellationsRepository
from tests.benchmarks import moto_process
from tests.benchmarks.orders_world import BusTap, OrdersWorld, SpApiCalls, _capture_queue

# The warehouse system's events (the bus rule matches the detail type only).
WAREHOUSE_SOURCE = "bench.warehouse"
CARRIER, REFERENCE, CANCEL_REASON = "UPS", "PKG-1", "out of stock"
PUT_EVENTS_BATCH = 10  # PutEvents' most entries per call
IMPORT_TIMEOUT = 1800.0  # sandbox seconds for the first import of every seeded order
IMPORTED = OrderEventType.IMPORTED.value


_IN_TRANSACTION = threading.local()


def _table_deepcopy(self: Any, memo: dict[int, Any]) -> Any:
    """Within a transaction the table itself (its touched items are kept instead); elsewhere a deep copy as before."""
    if getattr(_IN_TRANSACTION, "on", False):
        return self
    return copy._reconstruct(self, memo, *self.__reduce_ex__(4))  # type: ignore[attr-defined]


def _item_transactions() -> None:
    """moto's TransactWriteItems deep-copies every table it touches, once per item, to roll back on a failure: O(the
    table) per transaction, so each package (three transactions on the shipments table) got slower as the burst
    filled the table, and moto set the pace, not Amazon. Here it keeps the items it touches and restores those."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            names = [n for n in (table.hash_key_attr, table.range_key_attr) if n]
            key = op.get("Key") or {n: op["Item"][n] for n in names if n in op.get("Item", {})}
            current = self.get_item(table.name, key) if len(key) == len(names) else None
            saved.append((table.name, key, current.to_json()["Attributes"] if current else None))
        _IN_TRANSACTION.on = True
        try:
            original(self, transact_items)
        except Exception:
            _IN_TRANSACTION.on = False
            for table_name, key, attributes in reversed(saved):
                if attributes is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, attributes)
            raise
        finally:
            _IN_TRANSACTION.on = False

    Table.__deepcopy__ = _table_deepcopy  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


@contextmanager
def _moto() -> Iterator[LocalAws]:
    """tests/benchmarks/moto_process.py's server, with `_item_transactions` (`python -m` this module runs it)."""
    port = free_port()
    child = subprocess.Popen([sys.executable, "-m", "tests.benchmarks.shipments_world", str(port)])
    aws = LocalAws(endpoint_url=f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while not _serving(aws):
            if time.monotonic() > deadline or child.poll() is not None:
                raise RuntimeError("moto server did not start")
            time.sleep(0.2)
        yield aws
    finally:
        child.terminate()
        child.wait(10)


def _serving(aws: LocalAws) -> bool:
    try:
        requests.get(f"{aws.endpoint_url}/moto-api/", timeout=1)
    except requests.ConnectionError:
        return False
    return True


@contextmanager
def shipments_world(
    template: dict[str, Any], log_dir: Path, stack_name: str, **sandbox_fields: Any
) -> Iterator[OrdersWorld]:
    """The stack (moto in its own process) and the sandbox at x1, pollers stopped until `start_pollers`."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with _moto() as aws:
        options = LocalOptions(
            stack_name=stack_name, run_pollers=False, log_dir=log_dir, aws_endpoint_url=aws.endpoint_url
        )
        with run_local_world(template, options, **sandbox_fields) as world:
            sandbox = world.sandbox.sandbox

            def sandbox_time(wall: float) -> float:
                return sandbox.now() - (time.time() - wall)

            tap = BusTap(_capture_queue(world), world.stack.deployed.aws.client("sqs"), sandbox_time)
            tap.start()
            try:
                yield OrdersWorld(world, 1.0, tap, SpApiCalls(sandbox))
            finally:
                tap.stop()


@dataclass(frozen=True)
class Shop:
    """A connected seller and its seeded unshipped merchant orders (in the orders table)."""

    seller_id: str
    connection_id: str
    order_ids: list[str]


def seed_orders(world: OrdersWorld, seller_id: str, count: int) -> list[str]:
    """`count` one- or two-line unshipped merchant orders, bought over the last hour (older than the sync's settle)."""
    now = world.now()
    first, last = now - 3600, now - 600
    with world.sandbox.state.lock:
        seller = world.sandbox.state.sellers[seller_id]
        markets = seller.marketplace_ids
        created = [
            create_order(
                world.sandbox.state,
                seller,
                OrderSpec(marketplace_id=markets[i % len(markets)], lines=1 + i % 2),
                first + (last - first) * i / max(1, count),
                0.0,
            )
            for i in range(count)
        ]
    return [order.order_id for order in created]


def open_shops(world: OrdersWorld, sellers: list[tuple[SellerInfo, int]]) -> list[Shop]:
    """Seeds each seller's orders, connects it with the orders sync on, starts the pollers, and waits until every
    seeded order has been imported (OrderImported on the bus)."""
    shops = []
    for seller, count in sellers:
        orders = seed_orders(world, seller.selling_partner_id, count)
        connection_id = world.connect(seller)
        world.enable_orders(connection_id)
        shops.append(Shop(seller.selling_partner_id, connection_id, orders))
    world.start_pollers()

    def imported() -> bool:
        seen = {(e.connection_id, e.order_id) for e in world.tap.events() if e.detail_type == IMPORTED}
        return all((s.connection_id, o) in seen for s in shops for o in s.order_ids)

    if not world.wait_for(imported, IMPORT_TIMEOUT, poll=1.0):
        raise TimeoutError("the seeded orders were not all imported")
    return shops


def shipment_entry(connection_id: str, order_id: str) -> dict[str, Any]:
    """A ShipmentCreated for the order's one package (no items: every unshipped item, as a warehouse often sends)."""
    tracking = "1Z" + hashlib.sha256(order_id.encode()).hexdigest()[:16].upper()
    detail = {
        "connectionId": connection_id,
        "orderId": order_id,
        "reference": REFERENCE,
        "carrier": CARRIER,
        "trackingNumber": tracking,
    }
    return {"Source": WAREHOUSE_SOURCE, "DetailType": SHIPMENT_CREATED, "Detail": json.dumps(detail)}


def cancellation_entry(connection_id: str, order_id: str) -> dict[str, Any]:
    """An OrderCancellationRequested for the whole order, reason given as a warehouse words it."""
    detail = {"connectionId": connection_id, "orderId": order_id, "reason": CANCEL_REASON}
    return {"Source": WAREHOUSE_SOURCE, "DetailType": ORDER_CANCELLATION_REQUESTED, "Detail": json.dumps(detail)}


def put_events(world: OrdersWorld, entries: list[dict[str, Any]]) -> None:
    """Puts the entries on the stack's bus, ten per call; raises when the bus refuses one."""
    aws, outputs = world.world.stack.deployed.aws, world.world.stack.deployed.outputs
    events, bus = aws.client("events"), outputs[Output.EVENT_BUS_NAME]
    for start in range(0, len(entries), PUT_EVENTS_BATCH):
        batch = [{**e, "EventBusName": bus} for e in entries[start : start + PUT_EVENTS_BATCH]]
        failed = events.put_events(Entries=batch)["FailedEntryCount"]
        if failed:
            raise RuntimeError(f"the bus refused {failed} event(s)")


def _shipments_table(world: OrdersWorld) -> tuple[str, Any]:
    deployed = world.world.stack.deployed
    return deployed.outputs[table_output_key(Table.SHIPMENTS)], deployed.aws.client("dynamodb")


def package_states(world: OrdersWorld) -> Counter[str]:
    """How many packages the shipments table holds in each state (one scan: cheap enough to poll)."""
    table, dynamodb = _shipments_table(world)
    found: Counter[str] = Counter()
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="begins_with(sk, :p)",
        ProjectionExpression="#s",
        ExpressionAttributeNames={"#s": "state"},
        ExpressionAttributeValues={":p": {"S": "PACKAGE#"}},
    ):
        found.update(item["state"]["S"] for item in page["Items"])
    return found


def package_records(world: OrdersWorld) -> dict[str, PackageRecord]:
    """Every package the shipments table holds, by order id (the benchmark sends one package per order)."""
    table, dynamodb = _shipments_table(world)
    records: dict[str, PackageRecord] = {}
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="begins_with(sk, :p)",
        ExpressionAttributeValues={":p": {"S": "PACKAGE#"}},
    ):
        for item in page["Items"]:
            record = PackageRecord.model_validate_json(item["package"]["S"])
            records[record.order_id] = record
    return records


def cancellations(world: OrdersWorld, shop: Shop) -> dict[str, CancellationRecord]:
    """The shop's orders' cancellations as the shipments table holds them."""
    table, dynamodb = _shipments_table(world)
    repo = CancellationsRepository(table, dynamodb)
    return {o: r for o in shop.order_ids if (r := repo.get(shop.connection_id, o)) is not None}


def amazon_log(world: OrdersWorld) -> dict[str, list[float]]:
    """Order id -> when Amazon recorded each confirmShipment call for it (sandbox time; recorded calls only)."""
    with world.sandbox.state.lock:
        entries = list(world.sandbox.state.shipment_log)
    found: dict[str, list[float]] = {}
    for entry in entries:
        if entry["recorded"]:
            at = datetime.fromisoformat(entry["confirmedAt"]).timestamp()
            found.setdefault(entry["orderId"], []).append(at)
    return found


def amazon_packages(world: OrdersWorld, shop: Shop) -> dict[str, int]:
    """Order id -> how many packages Amazon holds for it."""
    with world.sandbox.state.lock:
        orders = world.sandbox.state.sellers[shop.seller_id].orders
        return {o: len(orders[o].packages) for o in shop.order_ids}


def amazon_statuses(world: OrdersWorld, shop: Shop) -> Counter[str]:
    """How many of the shop's orders Amazon holds in each status."""
    with world.sandbox.state.lock:
        orders = world.sandbox.state.sellers[shop.seller_id].orders
        return Counter(orders[o].status for o in shop.order_ids)


def pause_until(deadline: float) -> None:
    """Sleeps until a time.monotonic() deadline (no-op when past)."""
    time.sleep(max(0.0, deadline - time.monotonic()))


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def broken_packages(world: OrdersWorld, shops: list[Shop], records: dict[str, PackageRecord]) -> dict[str, list[str]]:
    """What a working pipeline never does with the shops' packages (order ids, a few of each)."""
    log = amazon_log(world)
    held = {o: n for shop in shops for o, n in amazon_packages(world, shop).items()}
    orders = [o for shop in shops for o in shop.order_ids]
    found = {
        "never recorded at Amazon": [o for o in orders if not log.get(o)],
        "sent twice (two accepted calls)": [o for o in orders if len(log.get(o, [])) > 1],
        "two packages at Amazon": [o for o in orders if held.get(o, 0) > 1],
        "never confirmed": [
            o for o in orders if (r := records.get(o)) is None or r.state is not PackageState.CONFIRMED
        ],
    }
    return {name: ids[:5] for name, ids in found.items() if ids}


def verdict(ok: bool) -> str:
    """What a figure against its target prints."""
    return "ok" if ok else "MISSED"


def print_lines(title: str, lines: list[tuple[str, str, str]]) -> None:
    """A titled table of (figure, value, target and verdict)."""
    print(f"\n\n{title}\n")
    for name, value, target in lines:
        print(f"{name:<52} {value:<34} {target}")


if __name__ == "__main__":
    _item_transactions()
    moto_process.main(int(sys.argv[1]))
