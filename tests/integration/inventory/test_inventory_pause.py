"""A paused inventory sync keeps what arrives and sends nothing; the resume's reconciliation sends it, once."""

from collections import Counter
from typing import Any

import functions.sync_inventory as sync_module
from shared.env import Env
from shared.repositories.connection_pauses import ConnectionPauses
from shared.repositories.feeds import FeedRecord, FeedStatus
from tests.integration.inventory.conftest import DE, UK, World, _context, clear_handler_caches


def _sent(world: World) -> Counter[tuple[str, str]]:
    """How often each (SKU, marketplace) went out in a feed."""
    records: list[FeedRecord] = []
    statuses: tuple[FeedStatus, ...] = ("SUBMITTED", "DONE", "FATAL", "CANCELLED")
    for status in statuses:
        records.extend(world.feeds.list_for_connection(world.connection_id, status))
    sent: Counter[tuple[str, str]] = Counter()
    for record in records:
        stored = world.feeds.get(record.feed_id)
        assert stored is not None
        sent.update((change.sku, record.marketplace_id) for change in stored[1])
    return sent


def _run_reconciliation(world: World, monkeypatch: Any) -> dict[str, Any]:
    """What the job `connections resume` enqueues does: one run of the inventory sync."""
    monkeypatch.setenv(Env.SYNC_TYPE, "inventory")
    monkeypatch.setenv(Env.SYNC_QUEUE_URL, world.urls["changes_dlq"])
    monkeypatch.setenv(Env.SYNC_DLQ_URL, world.urls["changes_dlq"])
    clear_handler_caches()
    sync_module._settings.cache_clear()
    sync_module._dependencies.cache_clear()
    import shared.runtime.inventory as runtime_module

    monkeypatch.setattr(sync_module, "scaled_utc_clock", runtime_module.scaled_utc_clock)
    event = {"sync_type": "inventory", "action": "run", "connection_id": world.connection_id}
    return dict(sync_module.lambda_handler(event, _context("sellersync-inventory")))


def test_a_paused_inventory_keeps_the_change_and_the_resume_sends_it_once(world: World, monkeypatch: Any) -> None:
    pauses = ConnectionPauses(world.connections._table, world.aws.client("dynamodb"))
    kept, stock_out = [sku for sku in world.skus() if world.listing(sku).quantity not in (0, 9)][:2]
    before = {sku: world.listing(sku).quantity for sku in (kept, stock_out)}
    feeds_before = len(world.inspector.feeds(world.seller.selling_partner_id))

    # Paused: the records are accepted and kept, nothing reaches Amazon (neither feed nor fast lane)
    assert pauses.pause(world.connection_id, "inventory", "ops", "warehouse move")
    answer = world.send(world.record(kept, 9), world.record(stock_out, 0), as_event=True)
    world.pump()
    assert answer == {"batchItemFailures": []}
    assert len(world.inspector.feeds(world.seller.selling_partner_id)) == feeds_before
    assert {sku: world.listing(sku).quantity for sku in (kept, stock_out)} == before
    state = world.state(kept)
    assert state is not None and state.markets[UK].desired.quantity == 9
    assert world.dead_letters("input_dlq") == []

    # Resumed (twice: the second finds nothing to release): one reconciliation sends what was kept
    assert pauses.resume(world.connection_id, "inventory") is True
    assert pauses.resume(world.connection_id, "inventory") is False
    result = _run_reconciliation(world, monkeypatch)
    world.pump()

    assert result["state"] == "OK", result
    for marketplace_id in (UK, DE):
        assert world.listing(kept, marketplace_id).quantity == 9
        assert world.listing(stock_out, marketplace_id).quantity == 0
    sent = _sent(world)
    assert [sent[(kept, m)] for m in (UK, DE)] == [1, 1]
    assert [sent[(stock_out, m)] for m in (UK, DE)] == [1, 1]
