"""What the shipments functions do with one message, with every AWS and Amazon dependency injected.

Input queue, a `ShipmentCreated`: validated and sent (shared/shipments/confirm.py). Sent: a package check follows
after `verify_delay` (the order import usually confirms it first). Refused: the request goes to the input DLQ with the
reason and a `ShipmentRejected` event says why; rejected by Amazon (4xx): recorded, and `ShipmentRejected` carries
Amazon's message (no DLQ: the request was processed). Unchanged (a redelivery): nothing happens.

Verification queue: a `PackageCheck` confirms one sent package against Amazon's order (stored, else one getOrder);
an order event from the bus confirms every sent package the new order version shows shipped; a `HeldRelease` sends
the packages held while the connection was paused (shared/shipments/hold.py). Each confirmation
publishes `ShipmentConfirmed`; a 204 Amazon's order never reflected publishes `ShipmentRejected` (reported, counted).
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from shared.models.connection import Connection, ConnectionStatus
from shared.models.orders import ImportedOrder, order_from_event
from shared.models.shipments import OutcomeType, PackageRecord, PackageState, ShipmentCreated
from shared.shipments.confirm import Outcome, OutcomeKind, ShipmentDeps, process_shipment
from shared.shipments.events import outcome_entry
from shared.shipments.hold import Released
from shared.shipments.messages import HeldRelease, PackageCheck
from shared.shipments.metrics import MetricUnit, ShipmentMetric, ShipmentMetricsSink
from shared.shipments.verify import (
    OrderReader,
    PackageMover,
    confirm_latency_seconds,
    verify_order_packages,
    verify_package,
)

# The order events that may show shipped quantities (shared/orders/events.py, source sellersync.orders).
ORDER_EVENTS_SOURCE = "sellersync.orders"
ORDER_EVENT_TYPES = frozenset({"OrderImported", "OrderChanged", "OrderCancelled"})


class RequestRefusedError(Exception):
    """A request that can never be processed as sent: the caller dead-letters it with this reason."""


class Publisher(Protocol):
    """PutEvents on the stack's bus (EventBusPublisher)."""

    def publish(self, entries: Sequence[dict[str, Any]]) -> None:
        """Publishes every entry or raises."""
        ...


@dataclass(frozen=True)
class Outputs:
    """Where outcomes go: the bus, the metrics, and the verification queue (a check after a delay)."""

    publisher: Publisher
    bus_name: str
    metrics: ShipmentMetricsSink
    send_check: Callable[[PackageCheck, int], None]
    verify_delay: int


def connection_problem(connection: Connection | None, connection_id: str) -> str | None:
    """Why a connection cannot take shipments, or None."""
    if connection is None:
        return f"unknown connection {connection_id}"
    if connection.status is not ConnectionStatus.ACTIVE:
        return f"connection {connection_id} is {connection.status.value}: re-authorize it first"
    return None


def handle_shipment(event: ShipmentCreated, deps: ShipmentDeps, out: Outputs) -> Outcome:
    """Processes one package request; raises RequestRefusedError (after publishing the rejection) when refused."""
    out.metrics.add_metric(ShipmentMetric.SHIPMENTS_RECEIVED, MetricUnit.Count, 1)
    outcome = process_shipment(event, deps)
    if outcome.kind is OutcomeKind.REFUSED:
        out.metrics.add_metric(ShipmentMetric.SHIPMENTS_REFUSED, MetricUnit.Count, 1)
        reject(event, outcome.reason or "refused", out)
        raise RequestRefusedError(outcome.reason or "refused")
    if outcome.kind is OutcomeKind.UNCHANGED:
        out.metrics.add_metric(ShipmentMetric.SHIPMENTS_UNCHANGED, MetricUnit.Count, 1)
    elif outcome.kind is OutcomeKind.REJECTED and outcome.record is not None:
        _rejected_by_amazon(outcome.record, out)
    elif outcome.kind is OutcomeKind.SENT and outcome.record is not None:
        _sent(outcome.record, out)
    return outcome


def _rejected_by_amazon(record: PackageRecord, out: Outputs) -> None:
    out.metrics.add_metric(ShipmentMetric.SHIPMENTS_REJECTED, MetricUnit.Count, 1)
    out.publisher.publish(
        [outcome_entry(OutcomeType.SHIPMENT_REJECTED, out.bus_name, record=record, reason=record.message)]
    )


def _sent(record: PackageRecord, out: Outputs) -> None:
    out.metrics.add_metric(ShipmentMetric.SHIPMENTS_SENT, MetricUnit.Count, 1)
    check = PackageCheck(connection_id=record.connection_id, order_id=record.order_id, reference=record.reference)
    out.send_check(check, out.verify_delay)


def report_released(released: Released, out: Outputs) -> int:
    """The outcomes of a release, as for any sent package: a check follows each 204, a rejection is published."""
    for record in released.sent:
        if record.state is PackageState.REJECTED:
            _rejected_by_amazon(record, out)
        else:
            _sent(record, out)
    return len(released.sent)


def reject(event: ShipmentCreated, reason: str, out: Outputs) -> None:
    """Publishes ShipmentRejected for a request we refused."""
    out.publisher.publish([outcome_entry(OutcomeType.SHIPMENT_REJECTED, out.bus_name, event=event, reason=reason)])


@dataclass(frozen=True)
class VerifyDeps:
    """What verification needs: the packages, the stored orders, Amazon (per connection), metrics, bus, clock."""

    store: PackageMover
    get_order: Callable[[str], ImportedOrder | None]
    client_for: Callable[[str], OrderReader]
    clock: Callable[[], datetime]
    out: Outputs
    # Sends a connection's held packages (hold.release_held with its client); None: releases are refused.
    release: Callable[[str], Released] | None = None


def order_event_order(body: dict[str, Any]) -> ImportedOrder | None:
    """The order an order event of the bus carries (None: not an order event we read)."""
    if body.get("source") != ORDER_EVENTS_SOURCE or body.get("detail-type") not in ORDER_EVENT_TYPES:
        return None
    detail = body.get("detail")
    if not isinstance(detail, dict) or detail.get("items_truncated"):
        # A truncated order lacks lines; the package checks (stored order, getOrder) confirm its packages instead.
        return None
    try:
        return order_from_event(detail.get("order"))
    except ValidationError:
        return None


def handle_verification(body: str, deps: VerifyDeps) -> int:
    """One verification message: a PackageCheck or an order event; returns how many packages it confirmed.
    Raises RequestRefusedError for a message that is neither."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise RequestRefusedError(f"not JSON: {exc.msg}") from None
    if isinstance(payload, dict) and "detail-type" in payload:
        order = order_event_order(payload)
        if order is None:
            return 0
        return _publish_confirmed(verify_order_packages(order, deps.store, deps.clock), deps.out)
    if isinstance(payload, dict) and payload.get("kind") == "held_release":
        return release_packages(payload, deps)
    try:
        check = PackageCheck.model_validate(payload)
    except ValidationError as exc:
        raise RequestRefusedError(f"neither an order event nor a PackageCheck: {exc.errors()[0]['msg']}") from None
    return check_package(check, deps)


def release_packages(payload: dict[str, Any], deps: VerifyDeps) -> int:
    """A `HeldRelease`: sends the connection's held packages; returns how many it sent."""
    try:
        release = HeldRelease.model_validate(payload)
    except ValidationError as exc:
        raise RequestRefusedError(f"invalid held release: {exc.errors()[0]['msg']}") from None
    if deps.release is None:
        raise RequestRefusedError("held packages cannot be released here")
    return report_released(deps.release(release.connection_id), deps.out)


def check_package(check: PackageCheck, deps: VerifyDeps) -> int:
    """Confirms one sent package, or reports it unverified; returns 1 when it was confirmed now."""
    record = deps.store.load(check.connection_id, check.order_id).package(check.reference)
    if record is None or record.state is not PackageState.SENT:
        return 0
    result = verify_package(
        record, deps.get_order(check.order_id), deps.store, deps.client_for(check.connection_id), deps.clock
    )
    if result.state is PackageState.CONFIRMED:
        return _publish_confirmed([result], deps.out)
    if result.state is PackageState.UNVERIFIED:
        deps.out.metrics.add_metric(ShipmentMetric.SHIPMENTS_UNVERIFIED, MetricUnit.Count, 1)
        entry = outcome_entry(OutcomeType.SHIPMENT_REJECTED, deps.out.bus_name, record=result, reason=result.message)
        deps.out.publisher.publish([entry])
    return 0


def _publish_confirmed(records: list[PackageRecord], out: Outputs) -> int:
    if not records:
        return 0
    out.publisher.publish([outcome_entry(OutcomeType.SHIPMENT_CONFIRMED, out.bus_name, record=r) for r in records])
    out.metrics.add_metric(ShipmentMetric.SHIPMENTS_CONFIRMED, MetricUnit.Count, len(records))
    for record in records:
        latency = confirm_latency_seconds(record)
        if latency is not None:
            out.metrics.add_metric(ShipmentMetric.SHIPMENT_CONFIRM_LATENCY_SECONDS, MetricUnit.Seconds, latency)
    return len(records)
