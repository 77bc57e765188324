"""A stack for the listings CLI tests: moto's in-process DynamoDB and KMS behind a Target that `--stack-name` finds,
with one stored connection selling in the UK and Germany and the listings table, written with ListingsRepository.

The catalog stored by `add_catalog`: in the UK a variation family (SHIRT parent with SHIRT-RED and SHIRT-BLUE), a
standalone MUG, an Amazon-fulfilled FBA-BOOK and an INACTIVE OLD-LAMP; in Germany SHIRT-RED (its parent not
listed there) and MUG again.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner, Result

import cli.commands.listings
import cli.commands.sku_maps
import cli.commands.status
import cli.connection_choice
from cli.main import app
from cli.target import Target
from infra.names import Table
from infra.outputs import Output, table_output_key
from shared.models.connection import Connection
from shared.models.listings import Listing, issue
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import KmsEncryptor
from shared.repositories.listings import ListingsRepository
from shared.spapi.marketplaces import Region
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws

UK = "A1F83G8C2ARO7P"
DE = "A1PA6795UKMFR9"
SEEN = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
CHANGED = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
LONG_TITLE = "Cotton shirt with a very long title that the list cuts short, in red"


@dataclass
class ListingsStack:
    """The stack the commands see and its listings repository."""

    target: Target
    connection_id: str
    listings: ListingsRepository

    def listing(self, marketplace_id: str, sku: str, **fields: Any) -> Listing:
        """Stores a BUYABLE merchant listing (fields override) and returns it."""
        values: dict[str, Any] = {
            "connection_id": self.connection_id,
            "marketplace_id": marketplace_id,
            "sku": sku,
            "status": "BUYABLE",
            "first_seen": SEEN,
            "last_changed": CHANGED,
        } | fields
        listing = Listing.model_validate(values)
        self.listings.put_if_changed(listing)
        return listing

    def add_catalog(self) -> None:
        """The catalog of the module doc."""
        offer = {"quantity": 5, "price": Decimal("12.50"), "currency": "GBP", "handling_days": 2}
        family = {"parent_sku": "SHIRT", "variation_theme": "COLOR"}
        self.listing(UK, "SHIRT", title="Cotton shirt", is_parent=True, variation_theme="COLOR", asin="B000PARENT")
        self.listing(UK, "SHIRT-RED", title=LONG_TITLE, asin="B000000RED", **offer, **family)
        self.listing(
            UK,
            "SHIRT-BLUE",
            title="Cotton shirt, blue",
            status="DISCOVERABLE",
            issues=[issue("90220", "ERROR", "'brand' is required but not supplied.")],
            **offer,
            **family,
        )
        self.listing(UK, "MUG", title="Mug", quantity=0, price=Decimal("7.99"), currency="GBP")
        self.listing(UK, "FBA-BOOK", title="A book", fulfillment_channel="AMAZON", quantity=40)
        self.listing(UK, "OLD-LAMP", title="Lamp", status="INACTIVE")
        de_offer = {"quantity": 3, "price": Decimal("14"), "currency": "EUR"}
        self.listing(DE, "SHIRT-RED", title="Baumwollhemd, rot", **de_offer, **family)  # its parent not listed in DE
        self.listing(DE, "MUG", title="Tasse", quantity=1, price=Decimal("8.5"), currency="EUR")

    def run(self, *args: str) -> Result:
        """`sellersync ARGS` against this stack."""
        return CliRunner().invoke(app, list(args))


@contextmanager
def listings_stack(monkeypatch: pytest.MonkeyPatch, *, with_listings_table: bool = True) -> Iterator[ListingsStack]:
    """A fresh stack on moto in process, with one stored connection (UK and DE) and an empty listings table."""
    with in_process_aws():
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
        )
        dynamodb, kms = session.client("dynamodb"), session.client("kms")
        tables = {t: create_table(dynamodb, t.value, gsi1=True) for t in (Table.CONNECTIONS, Table.LISTINGS)}
        key = kms.create_key()["KeyMetadata"]["Arn"]
        outputs = {table_output_key(t): name for t, name in tables.items()} | {Output.KMS_KEY_ARN.value: key}
        if not with_listings_table:
            del outputs[table_output_key(Table.LISTINGS)]
        target = Target("SellerSync", outputs, session)
        for module in (cli.commands.status, cli.connection_choice):
            monkeypatch.setattr(module, "resolve_target", lambda local, stack_name: target)
        connections = ConnectionsRepository(tables[Table.CONNECTIONS], dynamodb, KmsEncryptor(key, kms))
        connection = Connection(
            selling_partner_id="A1B2C3D4E5",
            region=Region.EU,
            name="EU shop",
            marketplace_ids=(UK, DE),
            authorized_at=SEEN,
            created_at=SEEN,
            updated_at=SEEN,
        )
        connections.put_connection(connection, SecretStr("Atzr|not-a-real-token"))
        yield ListingsStack(target, connection.connection_id, ListingsRepository(tables[Table.LISTINGS], dynamodb))
