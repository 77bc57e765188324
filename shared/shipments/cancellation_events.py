"""The outcome events of cancellations on the bus: source `sellersync.shipments`, detail types `OrderCancelled` and
`OrderCancellationRejected`, versioned like the order events.

Detail (schema version 1): `schema_version`, `event_id` (stable: the same verdict of the same order in the same feed,
or the same refusal, always has the same id, so a consumer de-duplicates a re-publication), `connection_id`,
`order_id`, `reason` (Amazon's CancelReason), `feed_id` (null when we refused the request ourselves) and `verdict`
(Amazon's description, or our reason for refusing).

`CancellationOutcome` is one verdict as `apply_report` (shared/shipments/cancellations.py) returns it.
"""

import json
from dataclasses import dataclass
from typing import Any

from shared.models.shipments import (
    OUTCOME_SCHEMA_VERSION,
    SOURCE,
    CancellationRecord,
    CancellationState,
    CancelReason,
    OutcomeType,
)


class FeedNotDone(Exception):
    """Amazon has not finished the feed: poll again later."""

    def __init__(self, feed_id: str) -> None:
        super().__init__(f"cancellation feed {feed_id} is still being processed")
        self.feed_id = feed_id


@dataclass(frozen=True)
class CancellationOutcome:
    """Amazon's verdict on one cancellation; `changed`: this call settled it (False: settled before, re-told)."""

    record: CancellationRecord
    changed: bool

    @property
    def cancelled(self) -> bool:
        """Whether Amazon cancelled the order."""
        return self.record.state == CancellationState.CANCELLED

    def event_entry(self, bus_name: str) -> dict[str, Any]:
        """The OrderCancelled or OrderCancellationRejected entry (stable event id per order and feed)."""
        return outcome_entry(self.record, bus_name)


def outcome_entry(record: CancellationRecord, bus_name: str) -> dict[str, Any]:
    """The PutEvents entry of a settled cancellation (cancelled or rejected by Amazon)."""
    cancelled = record.state == CancellationState.CANCELLED
    kind = OutcomeType.ORDER_CANCELLED if cancelled else OutcomeType.ORDER_CANCELLATION_REJECTED
    detail = _detail(f"{record.order_id}:{record.feed_id}:{kind.value}", record.connection_id, record.order_id)
    detail |= {"reason": record.reason.value, "feed_id": record.feed_id, "verdict": record.verdict}
    return _entry(kind, detail, bus_name)


def refusal_entry(
    connection_id: str, order_id: str, reason: CancelReason, code: str, message: str, bus_name: str
) -> dict[str, Any]:
    """The OrderCancellationRejected entry of a request we refused before sending anything."""
    detail = _detail(f"{order_id}:refused:{code}:{reason.value}", connection_id, order_id)
    detail |= {"reason": reason.value, "feed_id": None, "verdict": f"refused: {message}"}
    return _entry(OutcomeType.ORDER_CANCELLATION_REJECTED, detail, bus_name)


def _detail(event_id: str, connection_id: str, order_id: str) -> dict[str, Any]:
    return {
        "schema_version": OUTCOME_SCHEMA_VERSION,
        "event_id": event_id,
        "connection_id": connection_id,
        "order_id": order_id,
    }


def _entry(kind: OutcomeType, detail: dict[str, Any], bus_name: str) -> dict[str, Any]:
    return {"Source": SOURCE, "DetailType": kind.value, "Detail": json.dumps(detail), "EventBusName": bus_name}
