"""The feed lane on fakes: document size cap, feed-token pacing, reading only the next feed's buckets, and forced
repairs a fast-lane patch already answered."""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from aws_lambda_powertools import Logger

from shared.inventory import feed_contents
from shared.inventory.feed_contents import MAX_FEED_BYTES, MAX_FEED_MESSAGES, split_documents
from shared.inventory.feeds import (
    PREPARE_AHEAD_SECONDS,
    TOKEN_MARGIN_SECONDS,
    WAIT_INLINE_SECONDS,
    FeedDeps,
    submit_feeds,
)
from shared.inventory.queues import ChangeQueues
from shared.inventory.state import bucket_of
from shared.models.connection import Connection
from shared.models.inventory import (
    Accepted,
    Bucket,
    Change,
    ChangeBatch,
    MarketState,
    OfferValues,
    SkuState,
    SourceValue,
)
from shared.models.settings import ConnectionSettings
from shared.repositories.feeds import FeedRecord
from shared.repositories.inventory import StoredBucket
from shared.spapi.client import SpApiClient
from shared.spapi.marketplaces import Region
from shared.spapi.models.feeds import CreateFeedDocumentResponse, CreateFeedRequest, CreateFeedResponse

UK = "A1F83G8C2ARO7P"
SELLER = "A3SELLER"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
SETTINGS = ConnectionSettings(enabled_syncs=frozenset({"inventory"}), default_handling_days=2)
CONNECTION = Connection(
    selling_partner_id=SELLER,
    region=Region.EU,
    name="Shop",
    marketplace_ids=(UK,),
    authorized_at=NOW,
    created_at=NOW,
    updated_at=NOW,
)


def change(index: int, price: str | None = None, force: bool = False) -> Change:
    priced = {"price": Decimal(price), "minimum_price": Decimal("10.00"), "currency": "GBP"} if price else {}
    values = OfferValues.model_validate({"quantity": 1 + index % 50, "handling_days": 2, **priced})
    return Change(sku=f"SKU-WITH-A-LONGER-NAME-{index:06d}", rev=1, values=values, force=force)


def state_of(item: Change, accepted: Accepted | None = None) -> SkuState:
    source = SourceValue(available=item.values.quantity, as_of=NOW, received_at=NOW)
    market = MarketState(rev=item.rev, desired=item.values, desired_at=NOW, accepted=accepted)
    return SkuState(source=source, markets={UK: market})


class Connections:
    def get_connection(self, connection_id: str) -> Connection | None:
        return CONNECTION

    def get_settings(self, connection_id: str) -> ConnectionSettings:
        return SETTINGS


@dataclass
class Buckets:
    """The SKU states, bucketed; remembers which buckets were read."""

    states: dict[str, SkuState]
    read: list[int] = field(default_factory=list)

    def get_buckets(self, connection_id: str, bucket_ids: Iterable[int]) -> dict[int, StoredBucket]:
        wanted = sorted(set(bucket_ids))
        self.read.extend(wanted)
        skus: dict[int, dict[str, SkuState]] = {b: {} for b in wanted}
        for sku, state in self.states.items():
            if bucket_of(sku) in skus:
                skus[bucket_of(sku)][sku] = state
        return {b: StoredBucket(Bucket(skus=s), 1) for b, s in skus.items()}


@dataclass
class Amazon:
    """createFeedDocument, upload and createFeed, with the time of each createFeed."""

    clock: list[float]
    uploads: list[bytes] = field(default_factory=list)
    created: list[float] = field(default_factory=list)

    def create_feed_document(self, content_type: str) -> CreateFeedDocumentResponse:
        return CreateFeedDocumentResponse(feed_document_id=f"doc-{len(self.uploads)}", url="https://s3.example/doc")

    def upload_feed_document(self, url: str, content: bytes, content_type: str) -> None:
        self.uploads.append(content)

    def create_feed(self, request: CreateFeedRequest) -> CreateFeedResponse:
        self.created.append(self.clock[0])
        return CreateFeedResponse(feed_id=f"feed-{len(self.created)}")


@dataclass
class World:
    """FeedDeps on fakes; the feed token waits are scripted (one per look, the last repeats)."""

    states: dict[str, SkuState]
    waits: list[float] = field(default_factory=lambda: [0.0])
    clock: list[float] = field(default_factory=lambda: [0.0])
    sent: list[dict[str, Any]] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    recorded: list[FeedRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.buckets = Buckets(self.states)
        self.amazon = Amazon(self.clock)

    def send_message(self, **message: Any) -> None:
        self.sent.append(message)

    def put_submitted(self, record: FeedRecord, changes: Sequence[Change]) -> None:
        self.recorded.append(record)

    def add_metric(self, *args: Any) -> None:
        pass

    def token_wait(self, connection_id: str) -> float:
        return self.waits.pop(0) if len(self.waits) > 1 else self.waits[0]

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.clock[0] += seconds

    def deps(self) -> FeedDeps:
        return FeedDeps(
            connections=Connections(),
            buckets=self.buckets,
            feeds=self,
            queues=ChangeQueues(cast(Any, self), "changes", "fastlane", "results"),
            api_for=lambda connection: cast(SpApiClient, self.amazon),
            feed_token_wait=self.token_wait,
            metrics=self,
            logger=Logger(service="test-feeds"),
            clock=lambda: NOW,
            dead_letter=lambda batch, reason: None,
            sleep=self.sleep,
        )

    def deferred(self) -> list[tuple[int, int]]:
        """(changes, delay seconds) of each message sent back to the changes queue."""
        return [
            (len(json.loads(m["MessageBody"])["changes"]), m["DelaySeconds"])
            for m in self.sent
            if m["QueueUrl"] == "changes"
        ]


def batch(changes: Sequence[Change], queued_at: datetime = NOW) -> ChangeBatch:
    return ChangeBatch(connection_id="conn-1", marketplace_id=UK, changes=tuple(changes), queued_at=queued_at)


def test_a_full_feed_with_prices_is_split_into_documents_under_ten_megabytes() -> None:
    # Given 25,000 priced changes: one document would be ~14 MB, above Amazon's "under 10 MB"
    changes = [change(i, price="1234.99") for i in range(MAX_FEED_MESSAGES)]
    world = World({c.sku: state_of(c) for c in changes})

    report = submit_feeds([batch(changes)], world.deps())

    # Then two feeds, each document within the cap, every change sent once and in order
    assert len(report.feeds) == len(world.amazon.uploads) == 2
    assert all(len(content) <= MAX_FEED_BYTES < 10_000_000 for content in world.amazon.uploads)
    skus = [m["sku"] for content in world.amazon.uploads for m in json.loads(content)["messages"]]
    assert skus == sorted((c.sku for c in changes), key=lambda s: (bucket_of(s), s))
    assert report.messages == MAX_FEED_MESSAGES


def test_split_documents_keeps_a_small_feed_whole() -> None:
    changes = [change(i, price="19.99") for i in range(100)]
    parts = list(split_documents(SELLER, UK, changes))
    assert [p for p, _ in parts] == [changes]


def test_a_token_within_reach_is_waited_for_with_a_margin_and_a_later_one_defers_the_rest_unread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given feeds of 100 messages and 250 changes (three feeds); the first token is free, the second 10 s away, the
    # third 40 s away
    monkeypatch.setattr(feed_contents, "MAX_FEED_MESSAGES", 100)
    changes = [change(i) for i in range(250)]
    world = World({c.sku: state_of(c) for c in changes}, waits=[0.0, 0.0, 10.0, 10.0, 40.0])

    report = submit_feeds([batch(changes)], world.deps())

    # Then two feeds: the second after 10 s plus the margin; the third feed's changes go back unread, delayed to
    # come back shortly before their token
    assert len(report.feeds) == 2
    assert world.sleeps == [10.0 + TOKEN_MARGIN_SECONDS]
    assert world.amazon.created == [0.0, 10.0 + TOKEN_MARGIN_SECONDS]
    assert report.deferred == 50
    assert sum(n for n, _ in world.deferred()) == 50
    assert {delay for _, delay in world.deferred()} == {round(40.0 - PREPARE_AHEAD_SECONDS)}
    in_order = sorted(changes, key=lambda c: (bucket_of(c.sku), c.sku))
    assert set(world.buckets.read) == {bucket_of(c.sku) for c in in_order[:200]}
    assert PREPARE_AHEAD_SECONDS < WAIT_INLINE_SECONDS < 40.0


def test_a_forced_repair_is_dropped_once_a_fast_lane_patch_of_its_revision_was_accepted_after_it() -> None:
    # Given two forced repairs queued at NOW: one's revision was patched after that, the other's before
    repaired, pending = change(1, force=True), change(2, force=True)
    later = Accepted(rev=1, values=repaired.values, channel="patch", at=NOW + timedelta(seconds=5))
    earlier = Accepted(rev=1, values=pending.values, channel="patch", at=NOW - timedelta(seconds=5))
    world = World({repaired.sku: state_of(repaired, later), pending.sku: state_of(pending, earlier)})

    report = submit_feeds([batch([repaired, pending])], world.deps())

    # Then only the repair the patch did not answer goes out in a feed
    sent = [m["sku"] for content in world.amazon.uploads for m in json.loads(content)["messages"]]
    assert sent == [pending.sku]
    assert report.skipped == 1
