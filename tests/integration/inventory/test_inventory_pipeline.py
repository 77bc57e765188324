"""Changes reach Amazon: feeds, per-SKU verdicts, stale and duplicated values, the fast lane."""

from datetime import timedelta

import pytest

from shared.models.inventory import Change
from shared.repositories.feeds import FeedRecord, FeedStatus
from tests.integration.inventory.conftest import DE, UK, World, price, sandbox_now


def test_changes_reach_the_listings_in_every_marketplace(world: World) -> None:
    first, second = world.skus()[:2]
    world.send(world.record(first, 7, handlingDays=3), world.record(second, 0))
    world.pump()
    for marketplace_id in (UK, DE):
        assert world.listing(first, marketplace_id).quantity == 7
        assert world.listing(first, marketplace_id).handling_days == 3
        assert world.listing(second, marketplace_id).quantity == 0
        assert world.listing(second, marketplace_id).handling_days == 2  # the settings' default
    state = world.state(first)
    assert state is not None
    for market in state.markets.values():
        assert market.verdict is not None and market.verdict.status == "ACCEPTED"
        assert market.accepted is not None and market.accepted.values.quantity == 7
    feeds = world.inspector.feeds(world.seller.selling_partner_id)
    assert {f.feed_type for f in feeds} == {"JSON_LISTINGS_FEED"}
    assert len(feeds) == 2  # one per marketplace, both SKUs in each
    # Each marketplace's feed outcome is on the connection's status items, where `sellersync status` shows it
    statuses = {s.sync_type: s for s in world.statuses.list_for_connection(world.connection_id)}
    for country in ("UK", "DE"):
        status = statuses[f"inventory_feeds.{country}"]
        assert status.state.value == "OK" and status.last_error is None
        assert status.counts["accepted"] == status.counts["messages"] >= 1 and status.counts["rejected"] == 0
        assert status.details["feed_id"] in {f.feed_id for f in feeds}


def test_prices_go_out_only_when_pricing_is_enabled_and_in_the_marketplace_currency(world: World) -> None:
    from shared.models.settings import ConnectionSettings, MarketplaceOverrides

    world.set_settings(
        ConnectionSettings(
            enabled_syncs=frozenset({"inventory"}),
            pricing_disabled=False,
            minimum_price=price("5.00"),
            marketplace_overrides={UK: MarketplaceOverrides(minimum_price=price("4.00"))},
        )
    )
    sku = world.skus()[0]
    before_de = world.listing(sku, DE).price
    world.send(world.record(sku, 4, price="12.50", currency="GBP"))
    world.pump()
    uk = world.listing(sku, UK)
    assert (uk.quantity, uk.price, uk.minimum_price) == (4, "12.50", "4.00")
    de = world.listing(sku, DE)
    assert de.quantity == 4 and de.price == before_de  # GBP price not sent to the EUR marketplace
    state = world.state(sku)
    assert state is not None
    assert any("GBP" in reason for reason in state.markets[DE].reasons)


def test_a_price_jump_beyond_the_guard_is_refused_reported_and_the_stock_still_goes_out(world: World) -> None:
    from shared.models.settings import ConnectionSettings

    world.set_settings(
        ConnectionSettings(
            enabled_syncs=frozenset({"inventory"}),
            pricing_disabled=False,
            minimum_price=price("5.00"),
            price_change_limit=price("0.5"),
        )
    )
    sku = world.skus()[0]
    world.send(world.record(sku, 4, price="10.00", currency="GBP"))
    world.pump()
    assert world.events() == []
    # When the merchant's next price is 3x the last one (the guard allows 50%)
    world.send(world.record(sku, 9, price="30.00", currency="GBP"))
    world.pump()
    # Then Amazon keeps 10.00 while the new stock goes out, and the refusal is an event naming both prices
    uk = world.listing(sku, UK)
    assert (uk.quantity, uk.price) == (9, "10.00")
    (event,) = world.events()
    assert event["detail-type"] == "InventoryPriceRefused"
    detail = event["detail"]
    assert (detail["sku"], detail["marketplaceId"], detail["price"], detail["keptPrice"]) == (sku, UK, "30.00", "10.00")
    assert "refused: 200% above 10.00, the limit is 50%" in detail["reason"]
    # A stock-only record afterwards refuses nothing new (the input function publishes; no feed needs to run)
    world.send(world.record(sku, 8))
    assert world.events() == [event]  # events(): every one so far


def test_a_feed_with_bad_skus_applies_the_rest_and_reports_each_error(world: World) -> None:
    good = world.skus()[:2]
    bad = ["NO-SUCH-SKU-1", "NO-SUCH-SKU-2"]
    world.send(*(world.record(s, 9) for s in good + bad))
    world.pump()
    for sku in good:
        assert world.listing(sku).quantity == 9
        state = world.state(sku)
        verdict = state.markets[UK].verdict if state else None
        assert verdict is not None and verdict.status == "ACCEPTED"
    rejected = {(e["detail"]["sku"], e["detail"]["marketplaceId"]) for e in world.events()}
    assert rejected == {(s, m) for s in bad for m in (UK, DE)}
    for sku in bad:
        state = world.state(sku)
        assert state is not None
        verdict = state.markets[UK].verdict
        assert verdict is not None and verdict.status == "REJECTED"
        assert verdict.code and verdict.message and verdict.feed_id
    assert all(e["detail-type"] == "InventoryRejected" for e in world.events())


def test_late_and_duplicated_values_never_send_a_stale_quantity(world: World) -> None:
    sku = world.skus()[0]
    now = sandbox_now(world.inspector)
    newest = world.record(sku, 3, as_of=now)
    older = world.record(sku, 50, as_of=now - timedelta(minutes=5))
    world.send(newest, as_event=True)
    world.send(newest, as_event=True)  # duplicated delivery
    world.send(older, as_event=True)  # late arrival of an older value
    world.pump()
    assert world.listing(sku).quantity == 3
    sent = [c for feed in _feeds(world) for c in feed if c.sku == sku]
    assert {c.values.quantity for c in sent} == {3}
    assert len(sent) == 2  # once per marketplace: the duplicate queued nothing new after the first feed


def test_a_stock_out_takes_the_fast_lane_while_a_bulk_feed_is_in_flight(world: World) -> None:
    skus = world.skus()
    world.send(*(world.record(s, 20) for s in skus))
    world.run_feeds()  # the bulk feeds are submitted, not yet processed
    assert world.listing(skus[0]).quantity != 0
    world.send(world.record(skus[0], 0))
    world.run_fastlane()
    assert world.listing(skus[0], UK).quantity == 0  # at Amazon before the bulk feed is done
    assert world.listing(skus[0], DE).quantity == 0
    world.pump()
    assert world.listing(skus[0], UK).quantity == 0  # the older bulk value did not win
    assert world.listing(skus[1], UK).quantity == 20
    state = world.state(skus[0])
    accepted = state.markets[UK].accepted if state else None
    assert accepted is not None and accepted.values.quantity == 0


def test_an_invalid_record_goes_to_the_dlq_with_its_reason_and_the_rest_goes_through(world: World) -> None:
    sku = world.skus()[0]
    world.send(world.record(sku, 5), world.record("", 3), world.record(sku, -1), {"sku": "x"})
    world.pump()
    assert world.listing(sku).quantity == 5
    letters = world.dead_letters("input_dlq")
    assert len(letters) == 3
    reasons = [m["MessageAttributes"]["reason"]["StringValue"] for m in letters]
    assert any("sku" in r for r in reasons) and any("available" in r for r in reasons)
    assert any("connectionId" in r or "connection_id" in r for r in reasons)


def test_an_unchanged_value_is_not_sent_again(world: World) -> None:
    sku = world.skus()[0]
    now = sandbox_now(world.inspector)
    world.send(world.record(sku, 6, as_of=now - timedelta(seconds=10)))
    world.pump()
    feeds_before = len(world.inspector.feeds(world.seller.selling_partner_id))
    world.send(world.record(sku, 6, as_of=now))
    world.pump()
    assert len(world.inspector.feeds(world.seller.selling_partner_id)) == feeds_before


def _feeds(world: World) -> list[list[Change]]:
    records: list[FeedRecord] = []
    statuses: tuple[FeedStatus, ...] = ("SUBMITTED", "DONE", "FATAL", "CANCELLED")
    for status in statuses:
        records.extend(world.feeds.list_for_connection(world.connection_id, status))
    found = []
    for record in records:
        stored = world.feeds.get(record.feed_id)
        assert stored is not None
        found.append(stored[1])
    return found


def test_feed_processing_finished_reaches_the_results_queue_through_the_notifications_consumer(world: World) -> None:
    from local.sandbox.config import DEFAULT_APPLICATION_ID
    from shared.inventory.queues import FeedCheck
    from shared.notifications import Routes, handle_notification
    from shared.orders.notifications import NotificationDeps

    sku = world.skus()[0]
    world.send(world.record(sku, 12))
    world.run_feeds()
    world.finish_feeds()
    notified = [body for _, body in world.drain("notifications")]
    finished = [b for b in notified if '"FEED_PROCESSING_FINISHED"' in b]
    assert len(finished) == 2  # one feed per marketplace, each announced
    checks: list[FeedCheck] = []
    orders = NotificationDeps(world.connections, None, None, None)  # type: ignore[arg-type]
    for body in finished:
        assert (
            handle_notification(body, Routes(orders, DEFAULT_APPLICATION_ID, checks.append)).outcome
            == "feed_check_queued"
        )
    submitted = {r.feed_id for r in world.feeds.list_for_connection(world.connection_id, "SUBMITTED")}
    assert {c.feed_id for c in checks} == submitted


def test_a_stock_out_an_older_feed_overwrote_is_repaired_before_that_feed_result_is_recorded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shared.inventory.results as results
    from shared.repositories.stock_out_watch import StockOutWatchRepository

    skus = world.skus()
    world.send(*(world.record(s, 20) for s in skus))
    world.run_feeds()  # the bulk feeds (20 for every SKU) are in Amazon's hands
    world.send(world.record(skus[0], 0))
    world.run_fastlane()
    assert [world.listing(skus[0], mp).quantity for mp in (UK, DE)] == [0, 0]
    # Given: Amazon processes the older bulk feeds after the patch: their 20 overwrites the zero (oversell)
    world.finish_feeds()
    assert [world.listing(skus[0], mp).quantity for mp in (UK, DE)] == [20, 20]
    # When: the feed checks run and recording each feed's result fails (its report cannot be read)
    real_parse = results.parse_report

    def unreadable(_: bytes) -> object:
        raise RuntimeError("report unreadable")

    monkeypatch.setattr(results, "parse_report", unreadable)
    world.pump(rounds=4, until=lambda: world.invocations.get("results", 0) >= 2)  # one check per feed, each failed
    # Then: the zero is back at Amazon in both marketplaces though no result is recorded yet
    submitted = world.feeds.list_for_connection(world.connection_id, "SUBMITTED")
    assert len(submitted) == 2 and not world.feeds.list_for_connection(world.connection_id, "DONE")
    assert [world.listing(skus[0], mp).quantity for mp in (UK, DE)] == [0, 0]
    state = world.state(skus[0])
    assert state is not None
    watch = StockOutWatchRepository(world.feeds._table, world.aws.client("dynamodb"))
    for record in submitted:
        assert watch.get_repaired(record.feed_id) == {f"{skus[0]}#{state.markets[record.marketplace_id].rev}"}
    # And: once the results are recorded, no second repair goes out (a forced re-send of the same zero is moot)
    monkeypatch.setattr(results, "parse_report", real_parse)
    world.run_results()
    assert len(world.feeds.list_for_connection(world.connection_id, "DONE")) == 2
    assert not world.drain("fastlane")
    world.pump()
    assert [world.listing(skus[0], mp).quantity for mp in (UK, DE)] == [0, 0]
    assert world.listing(skus[1], UK).quantity == 20
    state = world.state(skus[0])
    for mp in (UK, DE):
        market = state.markets[mp] if state else None
        assert market is not None and market.accepted is not None and market.accepted.values.quantity == 0
        assert market.verdict is not None and market.verdict.rev == market.rev
