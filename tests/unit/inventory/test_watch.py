"""The stock-out watch on fakes: which stock-outs a done feed is checked for, which repairs it calls for, that a
repair sends the current values (re-read), and that a duplicated check never patches twice."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from shared.inventory.state import bucket_of
from shared.inventory.watch import (
    FEED_READ_SECONDS,
    WatchDeps,
    overwritten,
    repair_overwritten,
    repaired_entry,
    repaired_revisions,
    watch_list,
    watch_stock_outs,
)
from shared.models.inventory import Bucket, Change, MarketState, OfferValues, SkuState, SourceValue
from shared.repositories.feeds import FeedRecord
from shared.repositories.inventory import StoredBucket
from shared.spapi.client import SpApiClient
from shared.spapi.errors import ThrottledError
from shared.spapi.models.listings import ListingsItemPatchRequest, ListingsItemSubmissionResponse

UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"
SELLER = "A3SELLER"
NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def values(quantity: int, handling_days: int = 2) -> OfferValues:
    return OfferValues(quantity=quantity, handling_days=handling_days)


def feed_change(sku: str, rev: int, quantity: int) -> Change:
    return Change(sku=sku, rev=rev, values=values(quantity))


def state(rev: int, quantity: int, handling_days: int = 2, marketplace_id: str = UK) -> SkuState:
    source = SourceValue(available=quantity, as_of=NOW, received_at=NOW, handling_days=handling_days)
    market = MarketState(rev=rev, desired=values(quantity, handling_days), desired_at=NOW)
    return SkuState(source=source, markets={marketplace_id: market})


def feed(feed_id: str, marketplace_id: str = UK, submitted_at: datetime = NOW - timedelta(minutes=2)) -> FeedRecord:
    return FeedRecord(feed_id, "conn-1", marketplace_id, "SUBMITTED", submitted_at, message_count=3)


@dataclass
class Store:
    """StockOutWatchRepository in memory: the log per (connection, marketplace) with times, ADD's set semantics."""

    log: list[tuple[str, str, datetime, str]] = field(default_factory=list)
    repaired: dict[str, set[str]] = field(default_factory=dict)

    def add_stock_outs(self, connection_id: str, marketplace_id: str, at: datetime, skus: Iterable[str]) -> None:
        self.log.extend((connection_id, marketplace_id, at, sku) for sku in skus)

    def stock_outs_between(self, connection_id: str, marketplace_id: str, since: datetime, until: datetime) -> set[str]:
        return {s for c, m, at, s in self.log if (c, m) == (connection_id, marketplace_id) and since <= at <= until}

    def get_repaired(self, feed_id: str) -> frozenset[str]:
        return frozenset(self.repaired.get(feed_id, ()))

    def mark_repaired(self, feed_id: str, entries: Iterable[str]) -> None:
        unique = set(entries)
        if unique:
            self.repaired.setdefault(feed_id, set()).update(unique)


@dataclass
class World:
    """The in-flight feeds, the SKU states and Amazon's patchListingsItem."""

    states: dict[str, SkuState] = field(default_factory=dict)
    store: Store = field(default_factory=Store)
    patches: list[tuple[str, list[str], ListingsItemPatchRequest]] = field(default_factory=list)
    throttle_after: int | None = None

    def get_buckets(self, connection_id: str, bucket_ids: Iterable[int]) -> dict[int, StoredBucket]:
        wanted = set(bucket_ids)
        skus: dict[int, dict[str, SkuState]] = {b: {} for b in wanted}
        for sku, held in self.states.items():
            if bucket_of(sku) in wanted:
                skus[bucket_of(sku)][sku] = held
        return {b: StoredBucket(Bucket(skus=s), 1) for b, s in skus.items()}

    def patch_listings_item(
        self, seller_id: str, sku: str, marketplace_ids: Sequence[str], body: ListingsItemPatchRequest
    ) -> ListingsItemSubmissionResponse:
        if self.throttle_after is not None and len(self.patches) >= self.throttle_after:
            raise ThrottledError(429, "QuotaExceeded", "throttled")
        self.patches.append((sku, list(marketplace_ids), body))
        return ListingsItemSubmissionResponse(sku=sku, status="ACCEPTED", submission_id=f"s-{len(self.patches)}")

    def add_metric(self, *args: Any) -> None:
        pass

    def deps(self) -> WatchDeps:
        return WatchDeps(store=self.store, buckets=self)

    def repair(self, record: FeedRecord, changes: Sequence[Change]) -> Any:
        api = cast(SpApiClient, self)
        return repair_overwritten(record, changes, SELLER, api, self.deps(), lambda: NOW, self)


def quantity_patched(body: ListingsItemPatchRequest) -> int:
    dumped = body.model_dump(mode="json", by_alias=True, exclude_none=True)
    patch = next(p for p in dumped["patches"] if p["path"] == "/attributes/fulfillment_availability")
    return int(patch["value"][0]["quantity"])


def test_a_done_feed_is_checked_for_the_stock_outs_logged_since_its_content_may_have_been_read() -> None:
    world = World()
    record = feed("uk-1", submitted_at=NOW - timedelta(minutes=2))
    read_window = timedelta(seconds=FEED_READ_SECONDS)
    watch_stock_outs(
        "conn-1", UK, {"LONG-BEFORE"}, record.submitted_at - read_window - timedelta(seconds=1), world.deps()
    )
    watch_stock_outs("conn-1", UK, {"WHILE-BUILT"}, record.submitted_at - timedelta(seconds=30), world.deps())
    watch_stock_outs("conn-1", UK, {"IN-FLIGHT", "REPAIRED"}, NOW - timedelta(seconds=10), world.deps())
    watch_stock_outs("conn-1", DE, {"OTHER-MARKETPLACE"}, NOW - timedelta(seconds=10), world.deps())
    watch_stock_outs("conn-2", UK, {"OTHER-CONNECTION"}, NOW - timedelta(seconds=10), world.deps())
    watch_stock_outs("conn-1", UK, set(), NOW, world.deps())  # nothing to log
    world.store.mark_repaired("uk-1", [repaired_entry("REPAIRED", 3)])
    assert watch_list(record, NOW, world.deps()) == {"WHILE-BUILT", "IN-FLIGHT"}
    assert len(world.store.log) == 6


def test_a_done_feed_calls_for_repairs_of_the_zeros_it_overwrote_only() -> None:
    changes = [
        feed_change("OVERWRITTEN", 1, 20),
        feed_change("SAME-REVISION", 2, 0),  # the feed carried the zero itself
        feed_change("RESTOCKED", 1, 20),  # the merchant has stock again: that value is on its way
        feed_change("FEED-HAD-ZERO", 1, 0),  # the feed's older value was a zero too: nothing oversold
        feed_change("NOT-WATCHED", 1, 20),
        feed_change("NO-STATE", 1, 20),
    ]
    states: dict[str, SkuState | None] = {
        "OVERWRITTEN": state(2, 0, handling_days=4),
        "SAME-REVISION": state(2, 0),
        "RESTOCKED": state(3, 5),
        "FEED-HAD-ZERO": state(2, 0),
        "NOT-WATCHED": state(2, 0),
        "NO-STATE": None,
    }
    watched = {"OVERWRITTEN", "SAME-REVISION", "RESTOCKED", "FEED-HAD-ZERO", "NO-STATE", "ONLY-WATCHED"}
    repairs = overwritten(watched, changes, states, UK)
    # The current revision and its values (handling days included), never the feed's or the watched ones
    assert repairs == [Change(sku="OVERWRITTEN", rev=2, values=values(0, handling_days=4))]
    assert overwritten(watched, changes, states, DE) == []  # another marketplace's state is not this feed's


def test_the_repair_patches_the_current_zero_once_even_when_the_check_is_duplicated() -> None:
    world = World(states={"A": state(2, 0), "B": state(2, 0)})
    record = feed("uk-1")
    world.store.add_stock_outs("conn-1", UK, NOW - timedelta(seconds=5), {"A", "B"})
    changes = [feed_change("A", 1, 20), feed_change("B", 1, 30), feed_change("C", 1, 40)]
    first = world.repair(record, changes)
    assert sorted(sku for sku, _, _ in world.patches) == ["A", "B"]
    assert all(ids == [UK] and quantity_patched(body) == 0 for _, ids, body in world.patches)
    assert [o.status for o in first.patched.answered] == ["ACCEPTED", "ACCEPTED"]
    assert first.settled == {("A", 2), ("B", 2)}
    assert world.store.repaired == {"uk-1": {repaired_entry("A", 2), repaired_entry("B", 2)}}
    # A duplicated FEED_PROCESSING_FINISHED (or the poll racing it) before the result is recorded
    again = world.repair(record, changes)
    assert len(world.patches) == 2
    assert again.patched.answered == [] and again.settled == {("A", 2), ("B", 2)}


def test_the_repair_reads_the_state_again_and_sends_nothing_stale() -> None:
    world = World(states={"A": state(2, 0)})
    world.store.add_stock_outs("conn-1", UK, NOW - timedelta(seconds=5), {"A"})
    # Between the stock-out and the feed's end the merchant restocked: revision 3, quantity 7
    world.states["A"] = state(3, 7)
    repaired = world.repair(feed("uk-1"), [feed_change("A", 1, 20)])
    assert world.patches == [] and repaired.settled == frozenset()
    assert watch_list(feed("uk-1"), NOW, world.deps()) == {"A"}  # still watched: a later check looks again


def test_a_throttled_repair_returns_the_failure_and_marks_only_what_amazon_accepted() -> None:
    world = World(states={"A": state(2, 0), "B": state(2, 0)}, throttle_after=1)
    world.store.add_stock_outs("conn-1", UK, NOW - timedelta(seconds=5), {"A", "B"})
    repaired = world.repair(feed("uk-1"), [feed_change("A", 1, 20), feed_change("B", 1, 20)])
    assert isinstance(repaired.patched.failure, ThrottledError)
    assert [o.change.sku for o in repaired.patched.answered] == ["A"]
    assert repaired_revisions(world.store.get_repaired("uk-1")) == {("A", 2)}
    # The next check (a duplicate, or a poll) finds B still to repair; the result's forced repair covers it too
    assert watch_list(feed("uk-1"), NOW, world.deps()) == {"B"}


def test_a_repaired_entry_keeps_a_sku_holding_the_separator() -> None:
    assert repaired_revisions([repaired_entry("A#1-X", 12), repaired_entry("B", 3)]) == {("A#1-X", 12), ("B", 3)}
