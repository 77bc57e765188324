"""apply_order on an in-memory store with the repository's conditional writes, and a fake bus."""

import json
from datetime import timedelta
from typing import Any

import pytest

from shared.bus import PublishError
from shared.models.orders import ImportedOrder
from shared.orders.apply import (
    HEAL_AFTER,
    MAX_WRITE_ATTEMPTS,
    ApplyResult,
    OrderWriteContentionError,
    Outcome,
    apply_order,
)
from shared.sync.metrics import ORDER_IMPORT_LAG_SECONDS
from tests.unit.orders.amazon import ORDER_ID, T0, amazon_item, imported
from tests.unit.orders.fakes import SinkHarness

STATUSES = frozenset({"UNSHIPPED", "PARTIALLY_SHIPPED"})


def version(minutes: int, **fields: Any) -> ImportedOrder:
    """The order as Amazon last updated it `minutes` after T0."""
    return imported(updated=T0 + timedelta(minutes=minutes), **fields)


def details(harness: SinkHarness) -> list[dict[str, object]]:
    return [json.loads(entry["Detail"]) for entry in harness.publisher.entries]


def test_a_new_order_is_stored_published_and_its_outbox_cleared() -> None:
    harness = SinkHarness()
    harness.clock.now = T0 + timedelta(seconds=42)

    result = apply_order(version(0), STATUSES, harness.sink)

    assert result == ApplyResult(Outcome.IMPORTED, 1)
    stored = harness.store.get(ORDER_ID)
    assert stored is not None and stored.order == version(0)
    assert (stored.pending_events, stored.pending_since, stored.previous_status) == ((), None, None)
    assert harness.publisher.detail_types() == ["OrderImported"]
    assert harness.publisher.entries[0]["EventBusName"] == "sellersync-bus"
    assert harness.metrics.points == [(ORDER_IMPORT_LAG_SECONDS, 42.0)]


def test_a_replay_writes_nothing_and_publishes_nothing() -> None:
    harness = SinkHarness()
    apply_order(version(0), STATUSES, harness.sink)

    result = apply_order(version(0), STATUSES, harness.sink)

    assert result == ApplyResult(Outcome.UNCHANGED, 0)
    assert len(harness.store.writes) == len(harness.store.puts) == 1
    assert harness.publisher.detail_types() == ["OrderImported"]


def test_an_older_version_never_overwrites_a_newer_one() -> None:
    harness = SinkHarness()
    apply_order(version(10, status="SHIPPED"), frozenset({"SHIPPED"}), harness.sink)

    result = apply_order(version(5, status="UNSHIPPED"), STATUSES, harness.sink)

    assert result.outcome is Outcome.UNCHANGED
    stored = harness.store.get(ORDER_ID)
    assert stored is not None and stored.order.status == "SHIPPED"
    assert harness.store.puts == [version(10, status="SHIPPED")]


def test_a_newer_version_is_classified_against_the_stored_one() -> None:
    harness = SinkHarness()
    apply_order(version(0), STATUSES, harness.sink)

    changed = apply_order(version(5, status="SHIPPED"), STATUSES, harness.sink)
    updated = apply_order(version(6, status="SHIPPED"), STATUSES, harness.sink)

    assert (changed, updated) == (ApplyResult(Outcome.CHANGED, 1), ApplyResult(Outcome.UPDATED, 0))
    assert harness.publisher.detail_types() == ["OrderImported", "OrderChanged"]
    assert details(harness)[1]["previous_status"] == "UNSHIPPED"
    stored = harness.store.get(ORDER_ID)
    assert stored is not None and stored.order == version(6, status="SHIPPED")


def test_a_known_order_is_followed_into_statuses_that_are_not_imported() -> None:
    harness = SinkHarness()
    apply_order(version(0), STATUSES, harness.sink)

    result = apply_order(version(5, status="CANCELLED"), STATUSES, harness.sink)

    assert result == ApplyResult(Outcome.CHANGED, 1)
    assert harness.publisher.detail_types() == ["OrderImported", "OrderCancelled"]


def test_an_unknown_order_in_a_status_not_imported_is_left_alone() -> None:
    harness = SinkHarness()

    result = apply_order(version(0, status="SHIPPED"), STATUSES, harness.sink)

    assert result == ApplyResult(Outcome.NOT_IMPORTED)
    assert harness.store.items == {} and harness.store.puts == [] and harness.publisher.attempts == []


def test_a_lost_race_reads_again_and_classifies_against_the_winner() -> None:
    # Given v0 stored, and a concurrent writer storing v5 (SHIPPED) just before our conditional write of v6 (SHIPPED)
    harness = SinkHarness()
    apply_order(version(0), STATUSES, harness.sink)
    harness.store.puts.clear()
    harness.store.racers = [version(5, status="SHIPPED")]

    result = apply_order(version(6, status="SHIPPED"), STATUSES, harness.sink)

    # Then our first write lost, and against the winner v6 shows nothing new: stored, no OrderChanged from us
    assert result == ApplyResult(Outcome.UPDATED, 0)
    assert harness.store.puts == [version(6, status="SHIPPED")] * 2
    stored = harness.store.get(ORDER_ID)
    assert stored is not None and stored.order == version(6, status="SHIPPED")
    assert stored.previous_status == "SHIPPED"
    assert harness.publisher.detail_types() == ["OrderImported"]


def test_a_race_lost_to_a_newer_version_ends_unchanged() -> None:
    harness = SinkHarness()
    harness.store.racers = [version(9, status="SHIPPED")]

    result = apply_order(version(3), STATUSES, harness.sink)

    assert result == ApplyResult(Outcome.UNCHANGED, 0)
    stored = harness.store.get(ORDER_ID)
    assert stored is not None and stored.order.status == "SHIPPED"
    assert harness.publisher.attempts == []


def test_writers_that_keep_winning_end_in_contention() -> None:
    # Every time we write, another writer has just stored a version newer than the one we read (but older than ours)
    harness = SinkHarness()
    apply_order(version(0), STATUSES, harness.sink)
    harness.store.racers = [version(minute) for minute in range(1, MAX_WRITE_ATTEMPTS + 1)]

    with pytest.raises(OrderWriteContentionError, match=f"{ORDER_ID}: {MAX_WRITE_ATTEMPTS} conditional writes lost"):
        apply_order(version(500, status="SHIPPED"), STATUSES, harness.sink)

    assert len(harness.store.puts) == 1 + MAX_WRITE_ATTEMPTS
    assert harness.publisher.detail_types() == ["OrderImported"]


def test_a_failed_publish_leaves_the_events_pending_until_a_later_replay_heals_them() -> None:
    harness = SinkHarness()
    harness.publisher.failures = 1
    order = version(0, items=[amazon_item(request_reason="BUYER_CANCELLED")])

    with pytest.raises(PublishError):
        apply_order(order, STATUSES, harness.sink)

    stored = harness.store.get(ORDER_ID)
    assert stored is not None
    assert (stored.pending_events, stored.pending_since) == (("OrderImported", "BuyerCancellationRequested"), T0)
    (failed_attempt,) = harness.publisher.attempts

    # A replay while the writer may still be publishing leaves them alone
    harness.clock.advance(seconds=HEAL_AFTER.total_seconds() - 1)
    assert apply_order(order, STATUSES, harness.sink) == ApplyResult(Outcome.UNCHANGED, 0)
    assert harness.publisher.calls == []

    # Once they are older than HEAL_AFTER, the next replay publishes them, under the same event ids
    harness.clock.advance(seconds=1)
    assert apply_order(order, STATUSES, harness.sink) == ApplyResult(Outcome.UNCHANGED, 2)
    assert harness.publisher.calls == [failed_attempt]
    stored = harness.store.get(ORDER_ID)
    assert stored is not None and stored.pending_events == ()

    # ...and only once
    harness.clock.advance(minutes=10)
    assert apply_order(order, STATUSES, harness.sink) == ApplyResult(Outcome.UNCHANGED, 0)
    assert len(harness.publisher.calls) == 1


def test_healed_events_keep_the_status_the_version_replaced() -> None:
    harness = SinkHarness()
    apply_order(version(0), STATUSES, harness.sink)
    harness.publisher.failures = 1
    with pytest.raises(PublishError):
        apply_order(version(5, status="SHIPPED"), STATUSES, harness.sink)

    harness.clock.advance(minutes=2)
    apply_order(version(5, status="SHIPPED"), STATUSES, harness.sink)

    assert harness.publisher.detail_types() == ["OrderImported", "OrderChanged"]
    assert details(harness)[1]["previous_status"] == "UNSHIPPED"


def test_a_newer_version_does_not_swallow_the_pending_events_of_the_one_it_replaces() -> None:
    # Given v0's OrderImported never reached the bus (publish failed, nothing replayed v0 since)
    harness = SinkHarness()
    harness.publisher.failures = 1
    with pytest.raises(PublishError):
        apply_order(version(0), STATUSES, harness.sink)

    # When v5 arrives
    result = apply_order(version(5, status="SHIPPED"), STATUSES, harness.sink)

    # Then consumers still learn of the import, before the change
    assert harness.publisher.detail_types() == ["OrderImported", "OrderChanged"]
    assert json.loads(harness.publisher.entries[0]["Detail"])["order"]["last_updated"] == "2026-11-24T10:00:00Z"
    assert result == ApplyResult(Outcome.CHANGED, 2)
    stored = harness.store.get(ORDER_ID)
    assert stored is not None and stored.pending_events == ()


def test_a_second_change_within_the_same_second_is_not_taken_for_a_replay() -> None:
    # Amazon's lastUpdatedTime has whole seconds: two versions may share it
    harness = SinkHarness()
    apply_order(version(0), STATUSES, harness.sink)

    shipped = version(0, status="SHIPPED", items=[amazon_item(shipped=2)])
    result = apply_order(shipped, STATUSES, harness.sink)

    assert result == ApplyResult(Outcome.CHANGED, 1)
    assert harness.publisher.detail_types() == ["OrderImported", "OrderChanged"]
    assert apply_order(version(0), STATUSES, harness.sink) == ApplyResult(Outcome.UNCHANGED, 0)
    stored = harness.store.get(ORDER_ID)
    assert stored is not None and stored.order == shipped
