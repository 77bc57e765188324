"""The deployed `catalog` sync on the shared local stack: a fresh sandbox seller like Moda (four EU marketplaces, SKUs
and titles the Cp1252 report can only garble) has its All Listings Reports requested, waited for and applied by the
function itself, each row re-read from the Listings Items API; the listings table then holds every marketplace's
catalog exactly as Amazon holds it (exact SKUs, families, handling days), and a second run writes nothing."""

import time
from collections.abc import Iterator

import pytest

from infra.config import Table
from infra.outputs import function_output_key, table_output_key
from local.amazon import LocalWorld
from local.sandbox.inspector import SandboxInspector
from shared.catalog import SYNC_TYPE as CATALOG
from shared.models.settings import ConnectionSettings
from shared.repositories.listings import ListingsRepository
from tests.integration.handler_world import connect_seller
from tests.integration.oauth.world import connections

pytestmark = pytest.mark.integration
# Amazon makes the reports in this many seconds here (put back after the test). The shared sandbox's clock is never
# moved: the other modules' orders and shipments are dated by it and checked against the functions' clock.
REPORT_SECONDS = 2.0


@pytest.fixture
def quick_reports(local_world: LocalWorld) -> Iterator[None]:
    config = local_world.config
    before = config.report_processing_seconds
    config.report_processing_seconds = REPORT_SECONDS
    yield
    config.report_processing_seconds = before


def wait_for_reports() -> None:
    time.sleep(REPORT_SECONDS + 1.0)


@pytest.mark.usefixtures("quick_reports")
def test_the_catalog_sync_imports_every_marketplace_and_a_second_run_writes_nothing(local_world: LocalWorld) -> None:
    world, inspector = local_world, SandboxInspector(local_world.sandbox.url)
    seller = inspector.new_seller("EU", like=1)
    settings = ConnectionSettings(enabled_syncs=frozenset({CATALOG}))
    connection = connect_seller(connections(world), inspector, seller, "catalog test", settings)
    outputs = world.stack.deployed.outputs
    function = outputs[function_output_key(CATALOG)]
    run = {"sync_type": CATALOG, "action": "run", "connection_id": connection.connection_id}

    first = world.stack.runtime.invoke(function, run)
    assert first.ok, first.error_message
    assert first.payload["counts"]["reports_requested"] == len(connection.marketplace_ids)
    wait_for_reports()
    second = world.stack.runtime.invoke(function, run)
    assert second.ok and second.payload["state"] == "OK", second.payload
    counts = second.payload["counts"]

    store = ListingsRepository(outputs[table_output_key(Table.LISTINGS)], world.stack.deployed.aws.client("dynamodb"))
    for marketplace_id in connection.marketplace_ids:
        at_amazon = {row.sku: row for row in inspector.listings(seller.selling_partner_id, marketplace_id)}
        stored = {listing.sku: listing for listing in store.list(connection.connection_id, marketplace_id)}
        assert set(stored) == set(at_amazon), marketplace_id  # garbled rows too, with their exact characters
        assert any(sku.encode("cp1252", errors="replace").decode("cp1252") != sku for sku in stored)
        for sku in stored:
            # Amazon-fulfilled stock is Amazon's to count: the report shows none for it, and neither do we.
            held, where = at_amazon[sku], (marketplace_id, sku)
            merchant = held.fulfillment_channel == "DEFAULT" and not held.is_parent
            assert stored[sku].quantity == (held.quantity if merchant else None), where
            assert stored[sku].fulfillment_channel == (
                "MERCHANT" if held.fulfillment_channel == "DEFAULT" else "AMAZON"
            )
            assert stored[sku].handling_days == (held.handling_days if merchant else None), where
            assert (stored[sku].parent_sku, stored[sku].is_parent) == (held.parent_sku, held.is_parent), where
    assert counts["garbled"] == 0 and counts["api_reads"] >= len(connection.marketplace_ids)
    assert counts["added"] == sum(
        len(list(store.list(connection.connection_id, m))) for m in connection.marketplace_ids
    )

    world.stack.runtime.invoke(function, run)  # requests the next reports
    wait_for_reports()
    third = world.stack.runtime.invoke(function, run)
    assert third.ok and third.payload["counts"]["added"] == third.payload["counts"]["changed"] == 0, third.payload
    assert third.payload["counts"]["unchanged"] == counts["added"]
