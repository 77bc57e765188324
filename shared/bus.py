"""PutEvents on the stack's EventBridge bus: ten entries per call, failed entries re-sent with backoff."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from itertools import batched
from typing import TYPE_CHECKING, Any

from shared.batches import BatchRetry

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

# PutEvents takes at most 10 entries per call.
PUT_EVENTS_LIMIT = 10


class PublishError(RuntimeError):
    """Some entries were not accepted after every attempt; the caller's work is retried (events have stable ids)."""


class EventBusPublisher:
    """Publishes entries, re-sending those EventBridge reports as failed (throttling, internal errors)."""

    def __init__(
        self,
        events_client: EventBridgeClient,
        *,
        max_attempts: int = 4,
        base_delay: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = events_client
        self._retry = BatchRetry(max_attempts, base_delay, sleep)

    def publish(self, entries: Sequence[dict[str, Any]]) -> None:
        """Publishes every entry; raises PublishError naming the error codes of those that never went through."""
        for chunk in batched(entries, PUT_EVENTS_LIMIT, strict=False):
            failed, codes = self._retry.send(list(chunk), self._attempt)
            if failed:
                raise PublishError(f"{len(failed)} event(s) not accepted by EventBridge: {', '.join(sorted(codes))}")

    def _attempt(self, pending: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], set[str]]:
        sent: list[PutEventsRequestEntryTypeDef] = pending  # type: ignore[assignment]
        results = self._client.put_events(Entries=sent).get("Entries", [])
        failed = [entry for entry, result in zip(pending, results, strict=False) if result.get("ErrorCode")]
        return failed, {str(result["ErrorCode"]) for result in results if result.get("ErrorCode")}
