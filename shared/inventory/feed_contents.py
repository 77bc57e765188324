"""What goes into each feed: changes grouped per (connection, marketplace), those still worth sending, and documents
cut to Amazon's size limit.

Apart from feeds.py (token waits, submission, deferral and dead-lettering) because choosing and building a feed's
content is pure apart from reading buckets, and is tested without Amazon or the queues.
"""

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from shared.inventory.answers import patched_since, still_to_send
from shared.inventory.feed_document import BuiltFeed, build_feed
from shared.inventory.state import bucket_of
from shared.models.inventory import Change, ChangeBatch
from shared.repositories.inventory import StoredBucket

MAX_FEED_MESSAGES = 25_000
# Amazon's guidance: feeds under 10 MB. A message with a price is ~540 bytes, so 25,000 of them are ~13 MB.
MAX_FEED_BYTES = 9_500_000


class BucketReader(Protocol):
    """InventoryRepository.get_buckets."""

    def get_buckets(self, connection_id: str, bucket_ids: Iterable[int]) -> dict[int, StoredBucket]:
        """The buckets."""
        ...


@dataclass
class FeedGroup:
    connection_id: str
    marketplace_id: str
    changes: list[Change] = field(default_factory=list)
    # Per SKU, when its latest forced change was queued (a fast-lane patch accepted after that makes it moot).
    forced_at: dict[str, datetime] = field(default_factory=dict)
    # The messages the changes came in (id, receive count), and the SKUs whose feed went out in this invocation.
    messages: list[tuple[str, int]] = field(default_factory=list)
    submitted: set[str] = field(default_factory=set)


def group_batches(batches: Iterable[ChangeBatch], messages: Sequence[tuple[str, int]] | None = None) -> list[FeedGroup]:
    """The batches' changes per (connection, marketplace); `messages`: each batch's (message id, receive count)."""
    groups: dict[tuple[str, str], FeedGroup] = {}
    for index, batch in enumerate(batches):
        for marketplace_id, changes in batch.markets():  # one marketplace but in a patch-first message
            key = (batch.connection_id, marketplace_id)
            group = groups.setdefault(key, FeedGroup(*key))
            group.changes.extend(changes)
            if messages is not None:
                group.messages.append(messages[index])
            for change in changes:
                if change.force:
                    held = group.forced_at.get(change.sku)
                    group.forced_at[change.sku] = batch.queued_at if held is None else max(held, batch.queued_at)
    return list(groups.values())


def next_feed_changes(group: FeedGroup, changes: Sequence[Change], buckets: BucketReader) -> tuple[list[Change], int]:
    """The changes of the next feed: from `changes` (one per SKU, in bucket order), those still worth sending, up to
    MAX_FEED_MESSAGES; returns them and how many of `changes` were looked at (read in bucket order, as few as fill
    the feed)."""
    chosen: list[Change] = []
    looked = 0
    while len(chosen) < MAX_FEED_MESSAGES and looked < len(changes):
        candidates = changes[looked : looked + MAX_FEED_MESSAGES - len(chosen)]
        stored = buckets.get_buckets(group.connection_id, {bucket_of(c.sku) for c in candidates})
        for change in candidates:
            state = stored[bucket_of(change.sku)].bucket.skus.get(change.sku)
            if not still_to_send(state, group.marketplace_id, change):
                continue
            forced_at = group.forced_at.get(change.sku)
            if forced_at is not None and patched_since(state, group.marketplace_id, change, forced_at):
                continue
            chosen.append(change)
        looked += len(candidates)
    return chosen, looked


def split_documents(
    seller_id: str, marketplace_id: str, changes: list[Change]
) -> Iterator[tuple[list[Change], BuiltFeed]]:
    """The feed documents of `changes`, each at most MAX_FEED_BYTES: one too large is cut into as many equal parts
    as its size asks for, each checked again (built lazily, in order)."""
    built = build_feed(seller_id, marketplace_id, changes)
    if len(built.content) <= MAX_FEED_BYTES or len(changes) == 1:
        yield changes, built
        return
    parts = min(len(changes), max(2, math.ceil(len(built.content) / MAX_FEED_BYTES)))
    size = math.ceil(len(changes) / parts)
    for start in range(0, len(changes), size):
        yield from split_documents(seller_id, marketplace_id, changes[start : start + size])
