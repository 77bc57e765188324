"""A stack for the shipments CLI tests: moto's in-process DynamoDB, KMS and SQS behind a Target that `--stack-name`
finds, with a stored connection, orders, the shipments table and the shipments input queue; and a stand-in for the
shipments function (the queue's requests taken by shared/shipments/confirm.process_shipment, Amazon faked).
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import SecretStr
from typer.testing import CliRunner, Result

import cli.commands.orders
import cli.commands.shipments
from cli.main import app
from cli.target import Target
from infra.names import Table
from infra.outputs import Output, table_output_key
from shared.clock import utc_now
from shared.models.connection import Connection
from shared.models.orders import ImportedOrder, OrderLine
from shared.models.shipments import ShipmentCreated
from shared.repositories.cancellations import CancellationsRepository
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import KmsEncryptor
from shared.repositories.orders import OrdersRepository
from shared.repositories.shipments import ShipmentsRepository
from shared.shipments.carriers import coerce_carrier
from shared.shipments.confirm import Outcome, ShipmentDeps, process_shipment
from shared.shipments.input import Malformed, Request, parse_request
from shared.spapi.marketplaces import Region
from tests.dynamodb import create_table
from tests.unit.shipments.world import FakeAmazon

UK = "A1F83G8C2ARO7P"
ORDER = "026-1000001-0000001"


def line(item_id: str, sku: str, ordered: int, shipped: int = 0) -> OrderLine:
    """One order line."""
    return OrderLine(
        order_item_id=item_id,
        sku=sku,
        asin="B0TEST",
        quantity_ordered=ordered,
        quantity_shipped=shipped,
        quantity_unshipped=ordered - shipped,
    )


@dataclass
class ShipStack:
    """The stack the commands see, its repositories and its input queue."""

    target: Target
    connection_id: str
    orders: OrdersRepository
    shipments: ShipmentsRepository
    cancellations: CancellationsRepository
    queue_url: str

    def add_order(self, order_id: str = ORDER, lines: list[OrderLine] | None = None, **fields: Any) -> ImportedOrder:
        """Stores an unshipped merchant order bought a day ago (default: 2 x SKU-A, 1 x SKU-B)."""
        now = utc_now()
        values: dict[str, Any] = {
            "order_id": order_id,
            "connection_id": self.connection_id,
            "marketplace_id": UK,
            "status": "UNSHIPPED",
            "fulfilled_by": "MERCHANT",
            "purchase_date": now - timedelta(days=1),
            "last_updated": now - timedelta(hours=1),
            "items": lines or [line("11111111111111", "SKU-A", 2), line("22222222222222", "SKU-B", 1)],
        } | fields
        order = ImportedOrder.model_validate(values)
        assert self.orders.put_version(order, [], None)
        return order

    def requests(self) -> list[Request]:
        """Every request now on the input queue, parsed as the function parses it (and taken off the queue)."""
        sqs, found = self.target.client("sqs"), list[Request]()
        while True:
            answer = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            messages = answer.get("Messages", [])
            if not messages:
                break
            for message in messages:
                parsed = parse_request(message["Body"])
                assert not isinstance(parsed, Malformed), parsed
                found.append(parsed)
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return found

    def run(self, *args: str) -> Result:
        """`sellersync ARGS` against this stack."""
        return CliRunner().invoke(app, list(args))


@contextmanager
def shipments_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[ShipStack]:
    """A fresh stack on moto in process, with one stored connection (UK marketplace)."""
    with mock_aws():
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
        )
        dynamodb, kms = session.client("dynamodb"), session.client("kms")
        tables = {t: create_table(dynamodb, t.value, gsi1=True) for t in (Table.CONNECTIONS, Table.ORDERS)}
        tables[Table.SHIPMENTS] = create_table(dynamodb, "shipments", gsi1=True)
        key = kms.create_key()["KeyMetadata"]["Arn"]
        queue = session.client("sqs").create_queue(QueueName="shipments-input")["QueueUrl"]
        outputs = {table_output_key(t): name for t, name in tables.items()}
        outputs |= {Output.KMS_KEY_ARN.value: key, Output.SHIPMENTS_INPUT_QUEUE_URL.value: queue}
        target = Target("SellerSync", outputs, session)
        for module in (cli.commands.shipments, cli.commands.orders):
            monkeypatch.setattr(module, "resolve_target", lambda local, stack_name: target)
        connections = ConnectionsRepository(tables[Table.CONNECTIONS], dynamodb, KmsEncryptor(key, kms))
        now = datetime(2026, 11, 1, tzinfo=UTC)
        connection = Connection(
            selling_partner_id="A1B2C3D4E5",
            region=Region.EU,
            name="UK shop",
            marketplace_ids=(UK,),
            authorized_at=now,
            created_at=now,
            updated_at=now,
        )
        connections.put_connection(connection, SecretStr("Atzr|not-a-real-token"))
        yield ShipStack(
            target,
            connection.connection_id,
            OrdersRepository(tables[Table.ORDERS], dynamodb),
            ShipmentsRepository(tables[Table.SHIPMENTS], dynamodb),
            CancellationsRepository(tables[Table.SHIPMENTS], dynamodb),
            queue,
        )


@contextmanager
def shipments_function(stack: ShipStack, amazon: FakeAmazon, timeout: float = 10.0) -> Iterator[list[Outcome]]:
    """Takes the first ShipmentCreated the CLI queues and processes it as the shipments function does (record
    pending, confirmShipment at `amazon`, record the answer), in a thread; the outcome lands in the yielded list."""
    outcomes: list[Outcome] = []
    deps = ShipmentDeps(
        get_order=lambda order_id: stored.order if (stored := stack.orders.get(order_id)) else None,
        store=stack.shipments,
        client=amazon,
        coerce=lambda name: coerce_carrier(name, UK, {}),
        clock=utc_now,
    )

    def serve() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for request in stack.requests():
                if isinstance(request, ShipmentCreated):
                    outcomes.append(process_shipment(request, deps))
                    return
            time.sleep(0.05)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield outcomes
    finally:
        thread.join(timeout)
