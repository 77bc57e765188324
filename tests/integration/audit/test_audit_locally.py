"""The audit trail deployed: an inventory change and a shipment confirmation sent to Amazon (the local sandbox) by
the stack's functions appear in `sellersync audit` with Amazon's request id.

One fresh sandbox seller on the shared local stack (orders and inventory enabled), the functions' event sources
running; its orders imported by the orders sync so a package can be confirmed.
"""

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

import cli.commands.audit
from cli.main import app
from cli.target import Target
from infra.config import Table
from infra.outputs import Output, function_output_key, table_output_key
from local.amazon import LocalWorld
from local.aws import LOCAL_CREDENTIALS
from local.sandbox.inspector import SandboxInspector
from shared.models.settings import ConnectionSettings
from shared.models.shipments import PackageState
from shared.orders import SYNC_TYPE as ORDERS
from shared.repositories.orders import OrdersRepository
from shared.repositories.shipments import ShipmentsRepository
from tests.integration.handler_world import connect_seller, sandbox_now
from tests.integration.oauth.world import connections

pytestmark = pytest.mark.integration
UK = "A1F83G8C2ARO7P"


def wait_for(done: Callable[[], bool], seconds: float = 90.0) -> bool:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


@dataclass
class Shop:
    world: LocalWorld
    inspector: SandboxInspector
    seller_id: str
    connection_id: str

    def audit(self, *args: str) -> list[dict[str, Any]]:
        """`sellersync audit --connection ID --json ARGS` against the shared local stack."""
        result = CliRunner().invoke(app, ["audit", "--connection", self.connection_id, "--json", *args])
        assert result.exit_code == 0, result.output
        return list(json.loads(result.stdout))


@pytest.fixture(scope="module")
def shop(local_world: LocalWorld) -> Iterator[Shop]:
    world, inspector = local_world, SandboxInspector(local_world.sandbox.url)
    seller = inspector.new_seller("EU")
    settings = ConnectionSettings(enabled_syncs=frozenset({ORDERS, "inventory"}), default_handling_days=2)
    connection = connect_seller(connections(world), inspector, seller, "audit test", settings)
    deployed = world.stack.deployed
    session = boto3.session.Session(
        region_name=deployed.aws.region,
        aws_access_key_id=LOCAL_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=LOCAL_CREDENTIALS["aws_secret_access_key"],
    )
    target = Target(deployed.stack_name, deployed.outputs, session, endpoint_url=deployed.aws.endpoint_url)
    patch = pytest.MonkeyPatch()
    patch.setattr(cli.commands.audit, "resolve_target", lambda local, stack_name: target)
    patch.setattr(cli.commands.audit, "utc_now", lambda: sandbox_now(inspector))
    with world.stack.runtime.polling():
        run = {"sync_type": ORDERS, "action": "run", "connection_id": connection.connection_id}
        assert world.stack.runtime.invoke(deployed.outputs[function_output_key(ORDERS)], run).ok
        yield Shop(world, inspector, seller.selling_partner_id, connection.connection_id)
    patch.undo()
    inspector.drop_shipments()


def test_an_inventory_change_appears_with_amazons_request_id(shop: Shop) -> None:
    rows = shop.inspector.listings(shop.seller_id, UK)
    sku = sorted(r.sku for r in rows if not r.is_parent and r.fulfillment_channel == "DEFAULT")[0]
    record = {
        "connectionId": shop.connection_id,
        "sku": sku,
        "available": 0,
        "asOf": sandbox_now(shop.inspector).isoformat(),
    }
    deployed = shop.world.stack.deployed
    deployed.aws.client("sqs").send_message(
        QueueUrl=deployed.outputs[Output.INVENTORY_INPUT_QUEUE_URL], MessageBody=json.dumps({"records": [record]})
    )

    assert wait_for(lambda: bool(shop.audit("--sku", sku, "--since", "1d"))), "no send of the SKU was recorded"
    found = shop.audit("--sku", sku, "--since", "1d")
    assert {r["kind"] for r in found} <= {"feed", "patch"}
    assert all(r["request_id"] for r in found), found
    entry = next(e for e in found[0]["entries"] if e["sku"] == sku)
    assert "quantity=0" in entry["sent"]


def test_a_shipment_confirmation_appears_with_amazons_request_id(shop: Shop) -> None:
    deployed = shop.world.stack.deployed
    dynamodb = deployed.aws.client("dynamodb")
    orders = OrdersRepository(deployed.outputs[table_output_key(Table.ORDERS)], dynamodb)
    shipments = ShipmentsRepository(deployed.outputs[table_output_key(Table.SHIPMENTS)], dynamodb)
    order = shop.inspector.add_order(shop.seller_id, status="UNSHIPPED", lines=1, marketplaceId=UK)
    assert wait_for(lambda: orders.get(order.order_id) is not None), "the order was not imported"
    item = order.items[0]
    detail = {
        "connectionId": shop.connection_id,
        "orderId": order.order_id,
        "reference": "PKG-AUDIT",
        "carrier": "Royal Mail 24",
        "trackingNumber": f"T{uuid.uuid4().hex[:10].upper()}",
        "items": [{"sku": item.sku, "quantity": item.quantity}],
    }
    entry = {"Source": "warehouse.test", "DetailType": "ShipmentCreated", "Detail": json.dumps(detail)}
    bus = deployed.outputs[Output.EVENT_BUS_NAME]
    assert deployed.aws.client("events").put_events(Entries=[{**entry, "EventBusName": bus}])["FailedEntryCount"] == 0

    def sent() -> bool:
        package = shipments.load(shop.connection_id, order.order_id).package("PKG-AUDIT")
        return package is not None and package.state in (PackageState.SENT, PackageState.CONFIRMED)

    assert wait_for(sent), "the package was not sent"
    [found] = shop.audit("--order", order.order_id, "--since", "1d")
    assert (found["kind"], found["outcome"], found["operation"]) == ("shipment", "SENT", "confirmShipment")
    assert found["request_id"]
    assert detail["trackingNumber"] in found["entries"][0]["sent"]
