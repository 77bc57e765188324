"""The deployed `catalog` sync's hourly delta on the shared local stack: after a fresh sandbox seller's first import
(its reports applied), a listing the seller changes at Amazon is picked up by the next scheduled run from
searchListingsItems alone (no report requested), and a run after it writes nothing."""

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.config import Table
from infra.outputs import function_output_key, table_output_key
from local.amazon import LocalWorld
from local.sandbox.inspector import SandboxInspector
from shared.catalog import SYNC_TYPE as CATALOG
from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncJob
from shared.repositories.listings import ListingsRepository
from shared.repositories.sync_status import SyncStatusRepository
from tests.integration.catalog.test_catalog_sync_locally import quick_reports, wait_for_reports
from tests.integration.handler_world import connect_seller
from tests.integration.oauth.world import connections

pytestmark = pytest.mark.integration
__all__ = ["quick_reports"]  # the fixture, used by name


def scheduled(connection_id: str) -> dict[str, Any]:
    """The work-queue event of the connection's scheduled (hourly) catalog job."""
    job = SyncJob(sync_type=CATALOG, connection_id=connection_id, requested_at=datetime.now(UTC), trigger="schedule")
    record: dict[str, Any] = {"messageId": str(uuid.uuid4()), "body": job.model_dump_json(), "eventSource": "aws:sqs"}
    record |= {"receiptHandle": "r", "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}}
    return {"Records": [record]}


@pytest.mark.usefixtures("quick_reports")
def test_a_listing_changed_at_amazon_is_picked_up_by_the_next_run_without_a_report(local_world: LocalWorld) -> None:
    world, inspector = local_world, SandboxInspector(local_world.sandbox.url)
    seller = inspector.new_seller("EU", like=0)
    settings = ConnectionSettings(enabled_syncs=frozenset({CATALOG}))
    connection = connect_seller(connections(world), inspector, seller, "catalog delta test", settings)
    outputs = world.stack.deployed.outputs
    function, cid = outputs[function_output_key(CATALOG)], connection.connection_id
    dynamodb = world.stack.deployed.aws.client("dynamodb")
    store = ListingsRepository(outputs[table_output_key(Table.LISTINGS)], dynamodb)
    statuses = SyncStatusRepository(outputs[table_output_key(Table.CONNECTIONS)], dynamodb)

    run = {"sync_type": CATALOG, "action": "run", "connection_id": cid}
    assert world.stack.runtime.invoke(function, run).ok
    wait_for_reports()
    imported = world.stack.runtime.invoke(function, run)
    assert imported.ok and imported.payload["counts"]["added"] > 0, imported.payload
    marketplace_id = connection.marketplace_ids[0]
    assert store.sync_state(cid, marketplace_id).delta_cursor is not None  # the first delta ran after the report

    # The seller changes one merchant-fulfilled listing at Amazon.
    held = next(
        row
        for row in inspector.listings(seller.selling_partner_id, marketplace_id)
        if row.fulfillment_channel == "DEFAULT" and not row.is_parent and row.quantity is not None
    )
    title, quantity = f"{held.sku} renamed ✓", (held.quantity or 0) + 5
    inspector.update_listing(
        seller.selling_partner_id, held.sku, marketplaceId=marketplace_id, quantity=quantity, title=title
    )
    # The title is the listing's in every marketplace it is offered in: each of them shows the change.
    offered = [
        m
        for m in connection.marketplace_ids
        if held.sku in {r.sku for r in inspector.listings(seller.selling_partner_id, m)}
    ]
    time.sleep(1.5)  # into the next second: Amazon's dates (and the delta's windows) are whole seconds

    for attempt in range(2):
        result = world.stack.runtime.invoke(function, scheduled(cid))
        assert result.ok, result.error_message
        status = statuses.get(cid, CATALOG)
        assert status is not None and status.state == "OK", status
        counts = status.counts
        assert "reports_requested" not in counts and "rows" not in counts, counts  # no report: the delta alone
        if attempt == 0:
            assert counts["delta_changed"] == counts["delta_read"] == len(offered), counts
        else:
            # The change is read again (the overlap) and written nothing.
            assert counts["delta_unchanged"] >= 1 and counts["delta_changed"] == counts["delta_added"] == 0, counts
    stored = store.get(cid, marketplace_id, held.sku)
    assert stored is not None and (stored.quantity, stored.title) == (quantity, title)
    assert all(getattr(store.get(cid, m, held.sku), "title", None) == title for m in offered)
