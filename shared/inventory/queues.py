"""The inventory pipeline's SQS messages: changes (feed lane), stock-outs and patch-first changes (fast lane) and feed
checks. A changes or stock-outs message holds one marketplace's changes; a patch-first message every marketplace's of
its connection (`ChangeBatch.also`), at most STOCK_OUTS_PER_MESSAGE changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import batched
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from shared.models.inventory import Change, ChangeBatch, MarketplaceChanges

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

# Changes per message: ~200 bytes each as JSON, so a message stays well below SQS's 256 KB.
CHANGES_PER_MESSAGE = 800
# SQS's limit is 262,144 bytes for the body and the attributes together; a dead letter's attributes (the reason, at
# most 1,000 characters, and the original message id) fit in the rest.
MAX_DEAD_LETTER_BYTES = 256 * 1024 - 4 * 1024
# Stock-outs per fast-lane message: each costs one patchListingsItem (5 per second per seller).
STOCK_OUTS_PER_MESSAGE = 10
MAX_DELAY_SECONDS = 900


class FeedCheck(BaseModel):
    """A results-queue message: look at a submitted feed (after FEED_PROCESSING_FINISHED, or as the polling
    fallback); `polls` counts the checks that found it still processing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["feed_check"] = "feed_check"
    # Known when we queue the check; a notification names only the seller (the feed record names the connection).
    connection_id: str | None = None
    feed_id: str
    polls: int = 0


class ChangeQueues:
    """Sends changes and feed checks to the pipeline's queues."""

    def __init__(self, sqs: SQSClient, changes_url: str, fastlane_url: str, results_url: str) -> None:
        self._sqs = sqs
        self._changes_url = changes_url
        self._fastlane_url = fastlane_url
        self._results_url = results_url

    def send_changes(
        self,
        connection_id: str,
        marketplace_id: str,
        changes: Sequence[Change],
        now: datetime,
        delay_seconds: float = 0,
    ) -> int:
        """Queues changes for the feed lane (messages of CHANGES_PER_MESSAGE); returns the number of messages."""
        return self._send(
            self._changes_url, connection_id, marketplace_id, changes, now, CHANGES_PER_MESSAGE, delay_seconds
        )

    def send_stock_outs(self, connection_id: str, marketplace_id: str, changes: Sequence[Change], now: datetime) -> int:
        """Queues stock-outs for the fast lane."""
        return self._send(self._fastlane_url, connection_id, marketplace_id, changes, now, STOCK_OUTS_PER_MESSAGE, 0)

    def send_patch_first(self, connection_id: str, changes: Mapping[str, Sequence[Change]], now: datetime) -> int:
        """Queues a few changes of a connection, by marketplace, for the fast lane alone (it hands the feed lane what it
        does not patch): every marketplace in one message (`ChangeBatch.also`), STOCK_OUTS_PER_MESSAGE changes at
        most (each one patch: the bound keeps a message within patchListingsItem's rate); returns the messages."""
        pairs = [(marketplace_id, c) for marketplace_id, part in sorted(changes.items()) for c in part]
        for chunk in batched(pairs, STOCK_OUTS_PER_MESSAGE, strict=False):
            by_market: dict[str, list[Change]] = {}
            for marketplace_id, change in chunk:
                by_market.setdefault(marketplace_id, []).append(change)
            (first, head), *rest = by_market.items()
            body = ChangeBatch(
                connection_id=connection_id,
                marketplace_id=first,
                changes=tuple(head),
                queued_at=now,
                patch_first=True,
                also=tuple(MarketplaceChanges(marketplace_id=m, changes=tuple(part)) for m, part in rest),
            )
            self._sqs.send_message(QueueUrl=self._fastlane_url, MessageBody=body.model_dump_json(exclude_defaults=True))
        return -(-len(pairs) // STOCK_OUTS_PER_MESSAGE)

    def send_feed_check(self, check: FeedCheck, delay_seconds: float = 0) -> None:
        """Queues a look at a feed, after `delay_seconds` (at most 15 minutes)."""
        self._sqs.send_message(
            QueueUrl=self._results_url, MessageBody=check.model_dump_json(), DelaySeconds=_delay(delay_seconds)
        )

    def _send(
        self,
        url: str,
        connection_id: str,
        marketplace_id: str,
        changes: Sequence[Change],
        now: datetime,
        size: int,
        delay_seconds: float,
    ) -> int:
        messages = 0
        for chunk in batched(changes, size, strict=False):
            body = ChangeBatch(connection_id=connection_id, marketplace_id=marketplace_id, changes=chunk, queued_at=now)
            self._sqs.send_message(
                QueueUrl=url,
                MessageBody=body.model_dump_json(exclude_defaults=True),
                DelaySeconds=_delay(delay_seconds),
            )
            messages += 1
        return messages


def _delay(seconds: float) -> int:
    return max(0, min(MAX_DELAY_SECONDS, round(seconds)))


def dead_letter_bodies(batch: ChangeBatch, max_bytes: int = MAX_DEAD_LETTER_BYTES) -> list[str]:
    """The batch as ChangeBatch bodies of at most `max_bytes` each (UTF-8), in order: a group of 25,000 changes is
    4 MB, more than one SQS message takes. A single change always fits (a few hundred bytes). A batch of several
    marketplaces (`also`) becomes bodies of one marketplace each."""
    if batch.also:
        return [
            body
            for marketplace_id, changes in batch.markets()
            for body in dead_letter_bodies(
                batch.model_copy(update={"marketplace_id": marketplace_id, "changes": changes, "also": ()}), max_bytes
            )
        ]
    whole = batch.model_dump_json()
    if len(whole.encode()) <= max_bytes:
        return [whole]
    empty = len(batch.model_copy(update={"changes": ()}).model_dump_json().encode())
    bodies: list[str] = []
    part: list[Change] = []
    size = empty
    for change in batch.changes:
        # +1: the comma between changes.
        cost = len(change.model_dump_json().encode()) + 1
        if part and size + cost > max_bytes:
            bodies.append(batch.model_copy(update={"changes": tuple(part)}).model_dump_json())
            part, size = [], empty
        part.append(change)
        size += cost
    bodies.append(batch.model_copy(update={"changes": tuple(part)}).model_dump_json())
    return bodies
