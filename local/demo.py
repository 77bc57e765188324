"""`sellersync demo`: brings the embedded default up, exercises what the stack holds and reports what happened.

It grows with every capability: each sync type, once registered, adds its own end-to-end run here.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.config import STACK_NAME, SYNC_TYPES, SyncType, Table
from infra.outputs import Output, function_output_key, table_output_key
from local.alarms import AlarmState, firing_alarms
from local.amazon import LocalWorld, run_local_world
from local.checks import Check, check_stack
from local.connect_demo import click_through
from local.demo_catalog import CatalogImported, import_catalog
from local.demo_inventory import InventorySent, send_inventory
from local.demo_shipments import ShipmentsRun, ship_and_cancel
from local.runtime import LocalOptions
from local.sandbox.inspector import SandboxInspector
from local.synth import synthesize_cached
from shared.inventory import SYNC_TYPE as INVENTORY
from shared.models.sync import SyncState
from shared.oauth.links import create_connect_link
from shared.orders import SYNC_TYPE as ORDERS
from shared.repositories import OAuthStatesRepository
from shared.repositories.orders import OrdersRepository
from shared.repositories.sync_status import SyncStatusRepository
from shared.secrets import load_invite_key
from shared.spapi.marketplaces import Region, marketplace_by_id

Step = Callable[[str], None]
# The functions' logs (their CloudWatch Logs, locally): one file per function.
DEMO_LOG_DIR = Path(".local") / "logs"
# The sandbox's feed processing in the demo (sandbox seconds; default 30 s queued + 60 s in progress): shortened so that
# the demo's feeds finish within its minute; everything else runs at real time.
DEMO_FEED_QUEUE_SECONDS, DEMO_FEED_PROCESSING_SECONDS = 3.0, 5.0
# Amazon makes the All Listings Report in these many seconds in the demo (sandbox default 45 s).
DEMO_REPORT_SECONDS = 5.0


@dataclass
class ConnectedSeller:
    """The sandbox seller the demo connected through the HTTP flow, as stored."""

    selling_partner_id: str
    connection_id: str
    region: str
    status: str
    marketplaces: list[str]
    page_title: str
    hops: list[str]
    seconds: float


@dataclass
class OrdersImported:
    """The demo's order import: the on-demand run, then one new order arriving through its notification."""

    state: str
    imported: int
    by_marketplace: dict[str, int]
    pages: int
    events_published: int
    subscription: str
    seconds: float
    error: str | None
    notified_order: str | None
    notified_seconds: float | None


@dataclass
class DemoSummary:
    """Everything the demo did, for the readable report and for `--json`."""

    stack_name: str
    synthesized_resources: int
    deployed_resources: dict[str, int]
    local_equivalents: dict[str, str]
    api_url: str
    checks: list[Check]
    sync_types: list[str]
    connected: ConnectedSeller | None
    orders: OrdersImported | None
    inventory: InventorySent | None
    shipments: ShipmentsRun | None
    catalog: CatalogImported | None
    log_dir: str
    seconds: float
    # The stack's alarms in ALARM at the end, evaluated locally (local/alarms.py).
    alarms: list[AlarmState] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every check passed, the seller was connected, its orders came in (polled and notified), its
        stock and prices reached Amazon, its shipments and a cancellation were confirmed there, and its catalog came
        in."""
        connected = self.connected is not None and self.connected.status == "ACTIVE"
        orders = self.orders is not None and self.orders.state == "OK" and self.orders.notified_seconds is not None
        inventory = self.inventory is not None and self.inventory.ok
        shipments = self.shipments is not None and self.shipments.ok
        catalog = self.catalog is not None and self.catalog.ok
        return all(c.ok for c in self.checks) and connected and orders and inventory and shipments and catalog


def _count_by_type(resources: dict[str, tuple[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, _ in resources.values():
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))


def run_demo(step: Step, registry: tuple[SyncType, ...] = SYNC_TYPES, log_dir: Path = DEMO_LOG_DIR) -> DemoSummary:
    """Synthesizes the app, deploys it into the embedded AWS and checks that every component works."""
    started = time.monotonic()
    step("Synthesizing the CDK app (offline, no Docker; reused from .build/synth/ when its sources are unchanged)")
    synthesis = synthesize_cached(registry)
    template = synthesis.template
    step(f"Template {'reused from ' + str(synthesis.path.name) if synthesis.cached else 'synthesized'}")
    step(f"Starting the embedded AWS and the Amazon sandbox, deploying {len(template['Resources'])} resources")
    # Pollers start after the checks: a poller would take the checks' probe message off a work queue.
    options = LocalOptions(stack_name=STACK_NAME, run_clock=False, run_pollers=False, log_dir=log_dir)
    with run_local_world(
        template,
        options,
        feed_queue_seconds=DEMO_FEED_QUEUE_SECONDS,
        feed_processing_seconds=DEMO_FEED_PROCESSING_SECONDS,
        report_processing_seconds=DEMO_REPORT_SECONDS,
    ) as world:
        stack = world.stack
        step("Checking tables, queues, bus, key, secret and API")
        checks = check_stack(stack.deployed)
        for poller in stack.runtime.pollers:
            poller.start()
        step("Connecting a sandbox seller: connect link, consent page, Authorize, callback")
        connected = connect_sandbox_seller(world, Region.EU)
        orders = None
        if connected is not None and ORDERS in {e.name for e in registry}:
            step("Importing the seller's orders (sellersync sync orders), then waiting for a new one's ORDER_CHANGE")
            orders = import_orders(world, connected)
        inventory = None
        if connected is not None and INVENTORY in {e.name for e in registry}:
            step("Sending stock and prices as InventoryChanged events, waiting for Amazon's verdicts")
            inventory = send_inventory(world, connected.connection_id, connected.selling_partner_id)
        shipments = None
        if connected is not None and orders is not None:
            step("Shipping two orders (one in two packages) and cancelling a third: events to Amazon's state")
            shipments = ship_and_cancel(world, connected.connection_id, connected.selling_partner_id)
        catalog = None
        if connected is not None:
            step(
                "Importing the seller's catalog (sellersync sync catalog): All Listings Reports into the listings table"
            )
            catalog = import_catalog(world, connected.connection_id)
        return DemoSummary(
            stack_name=stack.deployed.stack_name,
            synthesized_resources=len(template["Resources"]),
            deployed_resources=_count_by_type(stack.deployed.resources),
            local_equivalents={kind: note for _, kind, note in stack.deployed.equivalents},
            api_url=stack.api_url,
            checks=checks,
            sync_types=[e.name for e in registry],
            connected=connected,
            orders=orders,
            inventory=inventory,
            shipments=shipments,
            catalog=catalog,
            log_dir=str(log_dir),
            seconds=round(time.monotonic() - started, 1),
            alarms=firing_alarms(stack.deployed.aws, stack.deployed.stack_name),
        )


def connect_sandbox_seller(world: LocalWorld, region: Region) -> ConnectedSeller | None:
    """Makes a connect link as `sellersync connect-link` does and clicks through it as a seller would."""
    started = time.monotonic()
    aws, outputs = world.stack.deployed.aws, world.stack.deployed.outputs
    dynamodb = aws.client("dynamodb")
    states = OAuthStatesRepository(outputs[table_output_key(Table.OAUTH_STATES)], dynamodb)
    key = load_invite_key(aws.client("secretsmanager"), outputs[Output.INVITE_KEY_SECRET_ARN])
    seller = SandboxInspector(world.sandbox.url).seller(region.value)
    SandboxInspector(world.sandbox.url).sign_in(seller.selling_partner_id)
    link, _ = create_connect_link(states, key, world.api_url, region=region, name=seller.store_name)
    result = click_through(link)
    if result.selling_partner_id is None:
        return None
    connections = world.connections()
    connection = next(
        (c for c in connections.list_connections() if c.selling_partner_id == result.selling_partner_id), None
    )
    if connection is None:
        return None
    return ConnectedSeller(
        selling_partner_id=connection.selling_partner_id,
        connection_id=connection.connection_id,
        region=connection.region.value,
        status=connection.status.value,
        marketplaces=[f"{marketplace_by_id(m).country_code} {m}" for m in connection.marketplace_ids],
        page_title=result.title,
        hops=result.hops,
        seconds=round(time.monotonic() - started, 2),
    )


def import_orders(world: LocalWorld, seller: ConnectedSeller, wait_seconds: float = 30.0) -> OrdersImported:
    """Enables the orders sync, runs it as `sellersync sync orders` does, then adds an order at Amazon and times how
    long its notification takes to bring it into the orders table."""
    deployed = world.stack.deployed
    aws, outputs = deployed.aws, deployed.outputs
    dynamodb = aws.client("dynamodb")
    connections = world.connections()
    settings, version = connections.get_versioned_settings(seller.connection_id)
    enabled = settings.model_copy(update={"enabled_syncs": settings.enabled_syncs | {ORDERS}})
    connections.put_settings(seller.connection_id, enabled, expected_version=version)
    started = time.monotonic()
    payload = _run_orders(world, seller.connection_id)
    seconds = round(time.monotonic() - started, 2)
    counts = payload.get("counts", {})
    orders = OrdersRepository(outputs[table_output_key(Table.ORDERS)], dynamodb)
    stored = orders.list_for_connection(seller.connection_id)
    by_marketplace: dict[str, int] = {}
    for order in stored:
        country = marketplace_by_id(order.marketplace_id).country_code
        by_marketplace[country] = by_marketplace.get(country, 0) + 1
    notified, notified_seconds = _notified_order(world, seller, orders, wait_seconds)
    subscription = next((k.removeprefix("subscription_") for k in counts if k.startswith("subscription_")), "none")
    return OrdersImported(
        state=str(payload.get("state", "ERROR")),
        imported=len(stored),
        by_marketplace=dict(sorted(by_marketplace.items())),
        pages=int(counts.get("pages", 0)),
        events_published=int(counts.get("events_published", 0)),
        subscription=subscription,
        seconds=seconds,
        error=payload.get("error"),
        notified_order=notified,
        notified_seconds=notified_seconds,
    )


def _run_orders(world: LocalWorld, connection_id: str, wait_seconds: float = 60.0) -> dict[str, Any]:
    """Runs the orders sync now; if the connect event's own run holds the connection, waits for that run instead."""
    deployed = world.stack.deployed
    event = {"sync_type": ORDERS, "action": "run", "connection_id": connection_id}
    result = world.stack.runtime.invoke(deployed.outputs[function_output_key(ORDERS)], event)
    if not result.ok or not isinstance(result.payload, dict):
        return {"state": "ERROR", "error": result.error_message}
    if result.payload.get("state") != "SKIPPED":
        return result.payload
    statuses = SyncStatusRepository(
        deployed.outputs[table_output_key(Table.CONNECTIONS)], deployed.aws.client("dynamodb")
    )
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        status = statuses.get(connection_id, ORDERS)
        if status is not None and status.state in (SyncState.OK, SyncState.ERROR):
            return {"state": status.state.value, "counts": status.counts, "error": status.last_error}
        time.sleep(0.2)
    return {"state": "ERROR", "error": f"the orders run under way did not finish within {wait_seconds} s"}


def _notified_order(
    world: LocalWorld, seller: ConnectedSeller, orders: OrdersRepository, wait_seconds: float
) -> tuple[str | None, float | None]:
    """A new unshipped order at Amazon, and how long until its notification had it stored (None: not in time)."""
    inspector = SandboxInspector(world.sandbox.url)
    new = inspector.add_order(seller.selling_partner_id, status="UNSHIPPED")
    started = time.monotonic()
    while time.monotonic() - started < wait_seconds:
        if orders.get(new.order_id) is not None:
            return new.order_id, round(time.monotonic() - started, 2)
        time.sleep(0.2)
    return new.order_id, None
