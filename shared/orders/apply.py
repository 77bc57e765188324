"""Applying one order version from Amazon: store it if it is newer, publish its events once.

The one path for polling and notifications. Steps, each safe to repeat:
1. Read the stored version. An order we do not hold is imported only in an imported status (settings).
2. Not newer than stored (shared/models/orders.is_newer): nothing is written (replay, duplicate or late delivery).
   If the stored version still has events pending for longer than `heal_after` (its writer crashed before
   publishing), they are published now.
3. Newer: classify the change against the stored version, write it conditionally on that exact stored version
   together with its pending events (a lost race re-reads and starts again), publish, then clear the pending mark.
   Events the stored version still has pending are published first, whatever their age: the write replaces them.

A crash between PutEvents and clearing the mark re-publishes on the next delivery, under the same `event_id`
(at-least-once with a stable id, README "Order events").
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from shared.models.orders import ImportedOrder, is_newer
from shared.models.sku_map import IDENTITY, SkuMaps
from shared.orders.events import OrderEventType, classify, entries
from shared.repositories.orders import StoredOrder
from shared.sync.metrics import ORDER_IMPORT_LAG_SECONDS, MetricsSink, MetricUnit

# Writers of one order that keep losing the conditional write: give up (the job or message is retried).
MAX_WRITE_ATTEMPTS = 5
# Pending events older than this are assumed orphaned by a crashed writer and published by whoever sees them.
HEAL_AFTER = timedelta(seconds=60)


class OrderStore(Protocol):
    """The OrdersRepository's methods used here."""

    def get(self, order_id: str) -> StoredOrder | None:
        """The stored order, or None."""
        ...

    def put_version(self, order: ImportedOrder, pending_events: Sequence[str], previous: ImportedOrder | None) -> bool:
        """Conditional write; False when the stored version is no longer `previous`."""
        ...

    def clear_pending(self, order: ImportedOrder) -> None:
        """Marks the version's events published."""
        ...


class EventPublisher(Protocol):
    """PutEvents on the stack's bus."""

    def publish(self, entries: Sequence[dict[str, Any]]) -> None:
        """Publishes every entry or raises."""
        ...


class Outcome(StrEnum):
    """What applying one order version did."""

    IMPORTED = "imported"
    CHANGED = "changed"
    UPDATED = "updated"  # a newer version stored whose change no consumer sees: no event
    UNCHANGED = "unchanged"  # same or older than stored: nothing written
    NOT_IMPORTED = "not_imported"  # unknown order in a status we do not import


class OrderWriteContentionError(RuntimeError):
    """Other writers of the same order kept winning; the caller's job or message is retried."""


@dataclass(frozen=True)
class ApplyResult:
    """The outcome and how many events went to the bus (healed ones included)."""

    outcome: Outcome
    published: int = 0


@dataclass(frozen=True)
class OrderSink:
    """Where applied orders go: the table, the bus, the metrics and the clock."""

    store: OrderStore
    publisher: EventPublisher
    bus_name: str
    metrics: MetricsSink
    clock: Callable[[], datetime]
    # The lag metric measures live changes; a connection's first import (orders days old) leaves it out.
    measure_lag: bool = True
    # The connections' SKU maps: each event line names its merchant SKU too (None: the same as the Amazon SKU).
    sku_maps: SkuMaps | None = None


def apply_order(order: ImportedOrder, imported_statuses: Collection[str], sink: OrderSink) -> ApplyResult:
    """Stores and publishes one version of an order (see the module doc)."""
    healed = 0
    for _ in range(MAX_WRITE_ATTEMPTS):
        stored = sink.store.get(order.order_id)
        previous = stored.order if stored else None
        if previous is None and order.status not in imported_statuses:
            return ApplyResult(Outcome.NOT_IMPORTED)
        if stored is not None and previous is not None and not is_newer(order, previous):
            return ApplyResult(Outcome.UNCHANGED, healed + _heal(stored, sink))
        if stored is not None:
            # Overwriting the item drops its pending events, so they go out now (a duplicate keeps its event_id).
            healed += _heal(stored, sink, wait=False)
        events = classify(previous, order)
        if not sink.store.put_version(order, [e.value for e in events], previous):
            continue
        _publish(order, events, previous.status if previous else None, sink)
        return ApplyResult(_outcome(previous, events), healed + len(events))
    raise OrderWriteContentionError(f"order {order.order_id}: {MAX_WRITE_ATTEMPTS} conditional writes lost")


def _outcome(previous: ImportedOrder | None, events: Sequence[OrderEventType]) -> Outcome:
    if previous is None:
        return Outcome.IMPORTED
    return Outcome.CHANGED if events else Outcome.UPDATED


def _publish(
    order: ImportedOrder, events: Sequence[OrderEventType], previous_status: str | None, sink: OrderSink
) -> None:
    if not events:
        return
    sku_map = sink.sku_maps.get(order.connection_id) if sink.sku_maps else IDENTITY
    sink.publisher.publish(entries(order, events, previous_status, sink.bus_name, sku_map))
    sink.store.clear_pending(order)
    if sink.measure_lag:
        lag = max(0.0, (sink.clock() - order.last_updated).total_seconds())
        sink.metrics.add_metric(ORDER_IMPORT_LAG_SECONDS, MetricUnit.Seconds, lag)


def _heal(stored: StoredOrder, sink: OrderSink, *, wait: bool = True) -> int:
    if not stored.pending_events or stored.pending_since is None:
        return 0
    if wait and sink.clock() - stored.pending_since < HEAL_AFTER:
        return 0  # its writer is probably publishing right now
    events = [OrderEventType(name) for name in stored.pending_events if name in OrderEventType._value2member_map_]
    _publish(stored.order, events, stored.previous_status, sink)
    return len(events)
