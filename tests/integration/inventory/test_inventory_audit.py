"""The inventory functions record what they send in the audit table: each feed with its messages and createFeed's
request id, then the processing report's answer (the SKUs Amazon did not accept); a stock-out's fast-lane patch."""

from datetime import timedelta

import pytest

from shared.env import Env
from shared.models.audit import AuditKind
from shared.repositories.audit import AuditRepository
from tests.dynamodb import create_table
from tests.integration.handler_world import sandbox_now
from tests.integration.inventory.conftest import UK, World, clear_handler_caches

pytestmark = pytest.mark.integration


@pytest.fixture
def audit(world: World, monkeypatch: pytest.MonkeyPatch) -> AuditRepository:
    """An audit table told to the handlers (built again, as in a fresh container)."""
    dynamodb = world.aws.client("dynamodb")
    table = create_table(dynamodb, "audit", ttl="expires_at")
    monkeypatch.setenv(Env.AUDIT_TABLE, table)
    clear_handler_caches()
    return AuditRepository(table, dynamodb)


def test_a_feed_is_recorded_with_its_messages_request_id_and_amazons_answer(
    world: World, audit: AuditRepository
) -> None:
    good, bad = world.skus()[0], "NO-SUCH-SKU-AUDIT"
    world.send(world.record(good, 9), world.record(bad, 9))
    world.pump()

    since = sandbox_now(world.inspector) - timedelta(days=1)
    feeds = [r for r in audit.list_records(world.connection_id, since) if r.kind is AuditKind.FEED]
    uk = next(r for r in feeds if r.marketplace_id == UK)
    assert len(feeds) == 2  # UK and DE
    assert {e.sku for e in uk.entries} == {good, bad}
    assert uk.request_id and uk.ref in {f.feed_id for f in world.inspector.feeds(world.seller.selling_partner_id)}
    assert uk.outcome == "DONE" and uk.answered_at is not None
    assert uk.counts["accepted"] == 1 and uk.counts["rejected"] == 1
    assert list(uk.results) == [bad] and uk.results[bad].startswith("REJECTED")
    assert [r.ref for r in audit.list_records(world.connection_id, since, sku=bad)] == [f.ref for f in feeds]


def test_a_stock_out_patch_is_recorded_with_its_request_id(world: World, audit: AuditRepository) -> None:
    sku = world.skus()[1]
    world.send(world.record(sku, 0))
    world.run_fastlane()

    since = sandbox_now(world.inspector) - timedelta(days=1)
    patches = [r for r in audit.list_records(world.connection_id, since, sku=sku) if r.kind is AuditKind.PATCH]
    assert patches and all(p.request_id and p.outcome == "ACCEPTED" for p in patches)
    assert {p.marketplace_id for p in patches} <= {UK, "A1PA6795UKMFR9"}
    assert "quantity=0" in patches[0].entries[0].sent
