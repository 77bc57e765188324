"""Amazon throttling and failing: nothing is lost, nothing stale is sent; the reconciliation repairs drift."""

from typing import Any

import functions.sync_inventory as sync_module
from shared.env import Env
from tests.integration.inventory.conftest import DE, UK, World, _context, clear_handler_caches


def test_429_and_500_storms_lose_nothing(world: World, monkeypatch: Any) -> None:
    # Our token buckets refill 30x faster (a 429 empties createFeed's: 2 minutes per token at Amazon's rate).
    monkeypatch.setenv(Env.SPAPI_TIME_SCALE, "30")
    clear_handler_caches()
    skus = world.skus()
    world.inspector.set_faults(throttle_share=0.3, error_share=0.3)
    world.send(*(world.record(s, 11 + i) for i, s in enumerate(skus)))
    world.send(world.record(skus[0], 0))  # a stock-out through the fast lane, into the storm
    world.pump(rounds=20)
    world.inspector.set_faults(throttle_share=0, error_share=0)
    world.pump(rounds=30)
    for i, sku in enumerate(skus):
        expected = 0 if i == 0 else 11 + i
        for marketplace_id in (UK, DE):
            assert world.listing(sku, marketplace_id).quantity == expected, (sku, marketplace_id)
            state = world.state(sku)
            assert state is not None
            accepted = state.markets[marketplace_id].accepted
            assert accepted is not None and accepted.values.quantity == expected


def test_the_reconciliation_resends_every_sku_and_repairs_drift(world: World, monkeypatch: Any) -> None:
    skus = world.skus()[:3]
    world.send(*(world.record(s, 4) for s in skus))
    world.pump()
    # Someone edits the quantity in Seller Central: Amazon drifts from what we sent.
    world.inspector.set_faults()
    world_seller = world.seller.selling_partner_id
    _edit_at_amazon(world, world_seller, skus[0], 99)
    assert world.listing(skus[0]).quantity == 99
    monkeypatch.setenv(Env.SYNC_TYPE, "inventory")
    monkeypatch.setenv(Env.SYNC_QUEUE_URL, world.urls["changes_dlq"])
    monkeypatch.setenv(Env.SYNC_DLQ_URL, world.urls["changes_dlq"])
    clear_handler_caches()
    sync_module._settings.cache_clear()
    sync_module._dependencies.cache_clear()
    import shared.runtime.inventory as runtime_module

    monkeypatch.setattr(sync_module, "scaled_utc_clock", runtime_module.scaled_utc_clock)
    event = {"sync_type": "inventory", "action": "run", "connection_id": world.connection_id}
    result = sync_module.lambda_handler(event, _context("sellersync-inventory"))
    assert result["state"] == "OK", result
    assert result["counts"]["skus"] == 3
    world.pump()
    assert world.listing(skus[0]).quantity == 4


def _edit_at_amazon(world: World, seller_id: str, sku: str, quantity: int) -> None:
    """A patch from outside Seller Sync (the sandbox's own API, as Seller Central would)."""
    from shared.spapi.models.listings import ListingsItemPatchRequest, PatchOperation

    token = world.inspector.authorize(seller_id)
    import requests

    lwa = requests.post(
        f"{_amazon(world)}/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": token,
            "client_id": "amzn1.application-oa2-client.local-sandbox",
            "client_secret": "local-sandbox-secret",
        },
        timeout=10,
    ).json()["access_token"]
    body = ListingsItemPatchRequest(
        product_type="PRODUCT",
        patches=[
            PatchOperation(
                op="replace",
                path="/attributes/fulfillment_availability",
                value=[{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
            )
        ],
    )
    response = requests.patch(
        f"{_amazon(world)}/eu/listings/2021-08-01/items/{seller_id}/{sku}",
        params={"marketplaceIds": UK},
        json=body.to_body(),
        headers={"x-amz-access-token": lwa},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def _amazon(world: World) -> str:
    return world.inspector.base_url.removesuffix("/_sandbox")
