"""A few changes are patched at once, with no feed; behind a feed in flight, or with Amazon failing, they go by feed."""

import pytest

from shared.models.settings import ConnectionSettings
from tests.integration.inventory.conftest import DE, UK, World

PATCH_FIRST = ConnectionSettings(enabled_syncs=frozenset({"inventory"}), default_handling_days=2)


@pytest.fixture
def patching(world: World) -> World:
    """The world's seller at the default settings: up to 5 changes at once are patched first."""
    assert PATCH_FIRST.patch_first_max_changes == 5
    world.set_settings(PATCH_FIRST)
    return world


def test_a_single_change_is_patched_at_once_in_every_marketplace_without_a_feed(patching: World) -> None:
    world = patching
    sku = world.skus()[0]
    world.send(world.record(sku, 7, handlingDays=3))
    assert world.run_fastlane() == 2  # one patch-first message per marketplace
    for marketplace_id in (UK, DE):
        listing = world.listing(sku, marketplace_id)
        assert (listing.quantity, listing.handling_days) == (7, 3)
        state = world.state(sku)
        market = state.markets[marketplace_id] if state else None
        assert market is not None and market.accepted is not None and market.accepted.channel == "patch"
        assert market.accepted.values.quantity == 7
    world.pump()
    assert world.inspector.feeds(world.seller.selling_partner_id) == []  # nothing went by feed
    assert world.drain("changes") == []


def test_more_changes_than_the_setting_go_by_feed(patching: World) -> None:
    world = patching
    skus = world.skus()[:3]  # 3 SKUs x 2 marketplaces = 6 changes > 5
    world.send(*(world.record(s, 4) for s in skus))
    assert world.run_fastlane() == 0
    world.pump()
    assert {world.listing(s, m).quantity for s in skus for m in (UK, DE)} == {4}
    assert len(world.inspector.feeds(world.seller.selling_partner_id)) == 2  # one per marketplace


def test_behind_a_feed_in_flight_a_new_quantity_follows_it_by_feed_and_a_stock_out_is_patched(patching: World) -> None:
    world = patching
    skus = world.skus()
    world.send(*(world.record(s, 20) for s in skus))  # a bulk: by feed
    world.run_feeds()  # submitted, not yet processed
    feeds = len(world.inspector.feeds(world.seller.selling_partner_id))
    world.send(world.record(skus[0], 9), world.record(skus[1], 0))  # 4 changes: patch-first
    world.run_fastlane()
    assert world.listing(skus[1], UK).quantity == 0  # the stock-out is at Amazon before the bulk feed is done
    assert world.listing(skus[0], UK).quantity != 9  # the new quantity waits behind the bulk feed
    world.pump()
    for marketplace_id in (UK, DE):
        assert world.listing(skus[0], marketplace_id).quantity == 9  # sent after the older feed, so it stands
        assert world.listing(skus[1], marketplace_id).quantity == 0
    assert len(world.inspector.feeds(world.seller.selling_partner_id)) > feeds


def test_a_patch_amazon_keeps_failing_is_handed_to_the_feed_lane_not_lost(patching: World) -> None:
    world = patching
    sku = world.skus()[0]
    # Every patchListingsItem of the seller answers 500 for a while: the client retries, then gives up.
    world.inspector.storm(world.seller.selling_partner_id, "patchListingsItem", 500, 40)
    world.send(world.record(sku, 6))
    world.run_fastlane()
    assert all(storm["left"] < 40 for storm in world.inspector.storms())  # the patches were tried and failed
    assert world.listing(sku, UK).quantity != 6
    assert world.dead_letters("fastlane_dlq") == []
    world.pump()
    for marketplace_id in (UK, DE):
        assert world.listing(sku, marketplace_id).quantity == 6
    assert len(world.inspector.feeds(world.seller.selling_partner_id)) >= 1
