"""Starting quantities and Amazon-fulfilled listings end to end: the reconciliation reads the stored catalog (the
listings table, filled here as the catalog import would), seeds what the merchant never sent without changing any
listing at Amazon, and the merchant's records never push stock to an Amazon-fulfilled offer."""

from datetime import UTC, datetime
from typing import Any

import pytest

import functions.sync_inventory as sync_module
from local.sandbox.inspector import ListingRow
from shared.env import Env
from shared.models.listings import FulfillmentChannel, Listing, ListingStatus
from shared.repositories.listings import ListingsRepository
from tests.dynamodb import create_table
from tests.integration.inventory.conftest import DE, INVENTORY_ENABLED, UK, World, _context, clear_handler_caches

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _stored(world: World, row: ListingRow) -> Listing:
    amazon = row.fulfillment_channel != "DEFAULT"
    return Listing(
        connection_id=world.connection_id,
        marketplace_id=row.marketplace_id,
        sku=row.sku,
        status=ListingStatus.BUYABLE,
        fulfillment_channel=FulfillmentChannel.AMAZON if amazon else FulfillmentChannel.MERCHANT,
        quantity=None if row.is_parent else row.quantity,
        is_parent=row.is_parent,
        parent_sku=row.parent_sku,
        handling_days=row.handling_days,
        first_seen=AT,
        last_changed=AT,
    )


def _terms(world: World) -> dict[tuple[str, str], tuple[str, int | None, int | None]]:
    rows = world.inspector.listings(world.seller.selling_partner_id)
    return {(r.marketplace_id, r.sku): (r.fulfillment_channel, r.quantity, r.handling_days) for r in rows}


def _reconcile(world: World, monkeypatch: pytest.MonkeyPatch, listings_table: str) -> dict[str, Any]:
    monkeypatch.setenv(Env.SYNC_TYPE, "inventory")
    monkeypatch.setenv(Env.SYNC_QUEUE_URL, world.urls["changes_dlq"])
    monkeypatch.setenv(Env.SYNC_DLQ_URL, world.urls["changes_dlq"])
    monkeypatch.setenv(Env.LISTINGS_TABLE, listings_table)
    clear_handler_caches()
    sync_module._settings.cache_clear()
    sync_module._dependencies.cache_clear()
    import shared.runtime.inventory as runtime_module

    monkeypatch.setattr(sync_module, "scaled_utc_clock", runtime_module.scaled_utc_clock)
    event = {"sync_type": "inventory", "action": "run", "connection_id": world.connection_id}
    result: dict[str, Any] = sync_module.lambda_handler(event, _context("sellersync-inventory"))
    assert result["state"] == "OK", result
    return result


def test_seeding_changes_no_listing_and_amazon_fulfilled_offers_are_never_pushed_stock(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamodb = world.aws.client("dynamodb")
    table = create_table(dynamodb, "listings", gsi1=True)
    store = ListingsRepository(table, dynamodb)
    rows = world.inspector.listings(world.seller.selling_partner_id)
    for row in rows:
        store.put_if_changed(_stored(world, row))
    fba = sorted({r.sku for r in rows if r.marketplace_id == UK and r.fulfillment_channel != "DEFAULT"})
    assert fba, "the sandbox seller has Amazon-fulfilled listings"
    mfn = world.skus()[0]
    world.set_settings(INVENTORY_ENABLED.model_copy(update={"seed_inventory_from_amazon": True}))
    before = _terms(world)

    result = _reconcile(world, monkeypatch, table)
    world.pump()

    assert result["counts"]["changes_queued"] == 0 and result["counts"]["seeded"] > 0
    assert _terms(world) == before  # enabling inventory with seeding changed nothing at Amazon
    seeded = world.state(mfn)
    assert seeded is not None and seeded.source.seeded
    assert seeded.markets[UK].desired.quantity == before[(UK, mfn)][1]

    # The merchant speaks: the merchant-fulfilled SKU goes out, the Amazon-fulfilled one is held.
    world.send(world.record(mfn, 3), world.record(fba[0], 7))
    world.pump()
    assert world.listing(mfn, UK).quantity == 3 and world.listing(mfn, DE).quantity == 3
    assert _terms(world)[(UK, fba[0])] == before[(UK, fba[0])]
    held = world.state(fba[0])
    assert held is not None and held.markets[UK].hold == "amazon_fulfilled"
    assert held.markets[UK].sent is None and not held.source.seeded
