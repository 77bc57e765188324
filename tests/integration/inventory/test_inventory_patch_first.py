"""A few changes are patched at once, with no feed; behind a feed in flight, or with Amazon failing, they go by feed."""

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from shared import aws
from shared.env import Env
from shared.inventory.state import bucket_of
from shared.models.inventory import ChangeBatch
from shared.models.settings import ConnectionSettings
from tests.integration.inventory.conftest import DE, UK, World

PATCH_FIRST = ConnectionSettings(enabled_syncs=frozenset({"inventory"}), default_handling_days=2)


@pytest.fixture
def state_writes(patching: World) -> Iterator[list[str]]:
    """The inventory state table's writes from here on (the handlers' DynamoDB client), one entry per write."""
    writes: list[str] = []
    table = os.environ[Env.INVENTORY_TABLE]

    def count(params: dict[str, Any], **_: Any) -> None:
        if params.get("TableName", table) == table:  # a batch or transaction names its tables inside: counted
            writes.append(params["Item"]["sk"]["S"] if "Item" in params else "?")

    events = aws.client("dynamodb").meta.events  # the client the handlers get (cached per environment)
    for operation in ("PutItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems"):
        events.register(f"before-parameter-build.dynamodb.{operation}", count)
    yield writes
    for operation in ("PutItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems"):
        events.unregister(f"before-parameter-build.dynamodb.{operation}", count)


@pytest.fixture
def patching(world: World) -> World:
    """The world's seller at the default settings: up to 5 changes at once are patched first."""
    assert PATCH_FIRST.patch_first_max_changes == 5
    world.set_settings(PATCH_FIRST)
    return world


def test_a_single_change_is_patched_at_once_in_every_marketplace_without_a_feed(
    patching: World, state_writes: list[str]
) -> None:
    world = patching
    sku = world.skus()[0]
    world.send(world.record(sku, 7, handlingDays=3))
    state_writes.clear()  # the input's own write of the new value
    assert world.run_fastlane() == 1  # one patch-first message for both marketplaces
    assert world.invocations["fastlane"] == 1
    assert state_writes == [f"BUCKET#{bucket_of(sku):04d}"]  # both marketplaces' answers: one write of the bucket
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


def test_amazon_failing_in_one_marketplace_hands_over_only_its_changes(
    patching: World, state_writes: list[str]
) -> None:
    world = patching
    sku = world.skus()[0]
    # The client's five attempts at the first marketplace's patch (UK) answer 500; DE's patch then goes through.
    world.inspector.storm(world.seller.selling_partner_id, "patchListingsItem", 500, 5)
    world.send(world.record(sku, 6))
    state_writes.clear()
    assert world.run_fastlane() == 1
    assert [storm["left"] for storm in world.inspector.storms()] == [0]
    assert world.listing(sku, DE).quantity == 6 and world.listing(sku, UK).quantity != 6
    state = world.state(sku)
    assert state is not None
    accepted = state.markets[DE].accepted
    assert accepted is not None and accepted.channel == "patch" and accepted.values.quantity == 6  # recorded
    uk = state.markets[UK].accepted
    assert uk is None or uk.values.quantity != 6  # not answered: nothing recorded for UK
    assert state_writes == [f"BUCKET#{bucket_of(sku):04d}"]
    handed = [ChangeBatch.model_validate_json(body) for _, body in world.drain("changes")]
    assert [(b.marketplace_id, [c.sku for c in b.changes], b.also) for b in handed] == [(UK, [sku], ())]
    assert world.dead_letters("fastlane_dlq") == []
    for batch in handed:  # back on the queue for the feed lane
        world.aws.client("sqs").send_message(QueueUrl=world.urls["changes"], MessageBody=batch.model_dump_json())
    world.pump()
    assert world.listing(sku, UK).quantity == 6


def test_a_message_of_the_previous_release_one_per_marketplace_is_still_patched(patching: World) -> None:
    world = patching
    sku = world.skus()[0]
    world.send(world.record(sku, 5))
    (_, body), *more = world.drain("fastlane")
    assert more == []
    batch = ChangeBatch.model_validate_json(body)
    assert sorted(m for m, _ in batch.markets()) == sorted([UK, DE])
    sqs = world.aws.client("sqs")
    for marketplace_id, changes in batch.markets():  # as the previous release queued them: no `also` field at all
        old = {
            "connection_id": batch.connection_id,
            "marketplace_id": marketplace_id,
            "changes": [c.model_dump(mode="json", exclude_defaults=True) for c in changes],
            "queued_at": batch.queued_at.isoformat(),
            "patch_first": True,
        }
        sqs.send_message(QueueUrl=world.urls["fastlane"], MessageBody=json.dumps(old))
    assert world.run_fastlane() == 2
    for marketplace_id in (UK, DE):
        assert world.listing(sku, marketplace_id).quantity == 5
        state = world.state(sku)
        accepted = state.markets[marketplace_id].accepted if state else None
        assert accepted is not None and accepted.channel == "patch"
    assert world.dead_letters("fastlane_dlq") == [] and world.drain("changes") == []
