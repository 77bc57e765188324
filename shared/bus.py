"""PutEvents on the stack's EventBridge bus: ten entries per call, failed entries re-sent with backoff."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from itertools import batched
from typing import TYPE_CHECKING, Any

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
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._sleep = sleep

    def publish(self, entries: Sequence[dict[str, Any]]) -> None:
        """Publishes every entry; raises PublishError naming the error codes of those that never went through."""
        for chunk in batched(entries, PUT_EVENTS_LIMIT, strict=False):
            self._send(list(chunk))

    def _send(self, pending: list[dict[str, Any]]) -> None:
        codes: set[str] = set()
        for attempt in range(1, self._max_attempts + 1):
            sent: list[PutEventsRequestEntryTypeDef] = pending  # type: ignore[assignment]
            results = self._client.put_events(Entries=sent).get("Entries", [])
            failed = [entry for entry, result in zip(pending, results, strict=False) if result.get("ErrorCode")]
            codes = {str(result.get("ErrorCode")) for result in results if result.get("ErrorCode")}
            if not failed:
                return
            pending = failed
            if attempt < self._max_attempts:
                self._sleep(self._base_delay * 2 ** (attempt - 1))
        raise PublishError(f"{len(pending)} event(s) not accepted by EventBridge: {', '.join(sorted(codes))}")
