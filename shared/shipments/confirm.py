"""Sending one package to Amazon (confirmShipment, Orders v0), and the whole path from a ShipmentCreated to an outcome.

Crash safety: a package is recorded pending, with its packageReferenceId, before the call; if the process dies
between Amazon's answer and recording it, the redelivered message finds the package pending with the same content and
sends it again with the same packageReferenceId, which Amazon treats as an edit of that package, never a second one.

Amazon's answers: 204 -> sent (a 204 is not proof: shared/shipments/verify.py confirms it later); a 4xx about the
request (400, 404, 409...) -> rejected with Amazon's code, message and request id (final, reported); 429 and 5xx are
retried by the client's transport and, once its retries are spent, raised (ThrottledError, ServerError, both
RetryableError) so the message is retried and the package stays pending. 401/403 are raised too: the connection's
authorization is at fault, not the package. While the connection's shipments are paused, a valid package is recorded
held and not sent (shared/shipments/hold.py): the resume's release, or the request redelivered after it, sends it.

Every answered confirmShipment (sent or rejected) is recorded in the audit trail with Amazon's request id, keyed by the
packageReferenceId and the pending package's time: a redelivered message that sends the same pending package again
records it once.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from shared.models.audit import AuditEntry, AuditKind, AuditRecord, AuditRecorder, NoAudit
from shared.models.orders import ImportedOrder
from shared.models.shipments import PackageRecord, PackageState, ShipmentCreated
from shared.models.sku_map import IDENTITY, SkuMap
from shared.repositories.shipments import ConcurrentShipmentError, OrderShipments
from shared.shipments.hold import hold_package
from shared.shipments.validation import CarrierChoice, Refusal, Unchanged, validate_shipment
from shared.spapi.errors import RetryableError, SpApiError, UnauthorizedError
from shared.spapi.models.shipments import ConfirmShipmentOrderItem, ConfirmShipmentRequest, PackageDetail

OTHER = "Other"
# Re-reads after a lost race (another package of the same order recorded meanwhile) before giving up with an error.
MAX_RACES = 5


class ConfirmClient(Protocol):
    """The part of SpApiClient that sends a package."""

    def confirm_shipment(self, order_id: str, body: ConfirmShipmentRequest) -> None:
        """POST confirmShipment; raises SpApiError subclasses. Amazon's request id is then the client's
        `last_request_id` (read if the client has one)."""
        ...


class PackageStore(Protocol):
    """The part of ShipmentsRepository the sending path uses."""

    def load(self, connection_id: str, order_id: str) -> OrderShipments:
        """Everything stored for one order."""
        ...

    def record_package(self, record: PackageRecord, existing: OrderShipments) -> OrderShipments:
        """Stores a new or edited package, conditioned on `existing`."""
        ...

    def transition(self, current: PackageRecord, updated: PackageRecord) -> bool:
        """Moves a package on if it still is `current`."""
        ...


class OutcomeKind(StrEnum):
    """What happened to one ShipmentCreated."""

    SENT = "sent"
    HELD = "held"
    UNCHANGED = "unchanged"
    REFUSED = "refused"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Outcome:
    """The result of `process_shipment`: the package as recorded (absent when refused) and the reason or Amazon's
    message for refusals and rejections."""

    kind: OutcomeKind
    record: PackageRecord | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ShipmentDeps:
    """What `process_shipment` needs: the stored order, the shipments table, Amazon, carrier coercion, the clock."""

    get_order: Callable[[str], ImportedOrder | None]
    store: PackageStore
    client: ConfirmClient
    coerce: Callable[[str], CarrierChoice]
    clock: Callable[[], datetime]
    # The connection's SKU map: an item may name the merchant SKU of an order line (read only when needed).
    sku_map: Callable[[], SkuMap] = lambda: IDENTITY
    # The audit trail: every answered confirmShipment.
    audit: AuditRecorder = field(default_factory=NoAudit)
    # Whether the connection's shipments are paused now (asked again after holding): held, not sent (hold.py).
    paused: Callable[[], bool] = lambda: False


def confirmation_request(record: PackageRecord) -> ConfirmShipmentRequest:
    """confirmShipment's body for a package: carrierName only with Other, the service as shippingMethod."""
    detail = PackageDetail(
        package_reference_id=record.package_reference_id,
        carrier_code=record.carrier_code,
        carrier_name=record.carrier_name if record.carrier_code == OTHER else None,
        tracking_number=record.tracking_number,
        ship_date=record.ship_date,
        shipping_method=record.service,
        ship_from_supply_source_id=record.ship_from_supply_source_id,
        order_items=[
            ConfirmShipmentOrderItem(order_item_id=x.order_item_id, quantity=x.quantity) for x in record.lines
        ],
    )
    return ConfirmShipmentRequest(marketplace_id=record.marketplace_id, package_detail=detail)


def is_final_refusal(exc: SpApiError) -> bool:
    """Whether Amazon's error refuses the package itself (a 4xx other than throttling and authorization)."""
    return 400 <= exc.status < 500 and not isinstance(exc, RetryableError | UnauthorizedError)


def confirm_package(
    record: PackageRecord,
    client: ConfirmClient,
    store: PackageStore,
    clock: Callable[[], datetime],
    audit: AuditRecorder | None = None,
) -> PackageRecord:
    """Sends a pending package and records Amazon's answer (sent or rejected); returns the package as it now is.

    Retryable failures propagate with the package left pending. If the package was edited meanwhile (the conditional
    update lost), the answer is not recorded: the edit's own delivery sends and records it.
    """
    attempt = record.model_copy(update={"attempts": record.attempts + 1})
    request_id: str | None = None
    try:
        client.confirm_shipment(record.order_id, confirmation_request(record))
        request_id = getattr(client, "last_request_id", None)
    except SpApiError as exc:
        if not is_final_refusal(exc):
            raise
        now = clock()
        answered = attempt.model_copy(
            update={
                "state": PackageState.REJECTED,
                "message": f"{exc.code}: {exc.message}",
                "request_id": exc.request_id,
                "updated_at": now,
            }
        )
    else:
        now = clock()
        answered = attempt.model_copy(
            update={"state": PackageState.SENT, "message": None, "request_id": None, "sent_at": now, "updated_at": now}
        )
    store.transition(record, answered)
    if audit is not None:
        audit.record(shipment_audit(record, answered, request_id=answered.request_id or request_id))
    return answered


def shipment_audit(sent: PackageRecord, answered: PackageRecord, request_id: str | None) -> AuditRecord:
    """The audit record of one confirmShipment: the package as sent (carrier, tracking, lines) and Amazon's answer."""
    lines = ", ".join(f"{x.order_item_id}x{x.quantity}" for x in sent.lines)
    carrier = sent.carrier_name if sent.carrier_code == OTHER else sent.carrier_code
    return AuditRecord(
        connection_id=sent.connection_id,
        kind=AuditKind.SHIPMENT,
        ref=f"{sent.order_id}#{sent.package_reference_id}",
        at=sent.updated_at,
        operation="confirmShipment",
        outcome=answered.state.value.upper(),
        marketplace_id=sent.marketplace_id,
        request_id=request_id,
        message=answered.message,
        entries=(
            AuditEntry(
                order_id=sent.order_id,
                sent=f"package={sent.package_reference_id} carrier={carrier} tracking={sent.tracking_number} "
                f"ship_date={sent.ship_date.isoformat()} items={lines}",
            ),
        ),
    )


def process_shipment(event: ShipmentCreated, deps: ShipmentDeps) -> Outcome:
    """Validates a package against the stored order, records it pending and sends it (see the module doc).

    A lost race with another package of the same order re-reads and validates again (at most MAX_RACES times).
    """
    for _ in range(MAX_RACES):
        existing = deps.store.load(event.connection_id, event.order_id)
        order = deps.get_order(event.order_id)
        verdict = validate_shipment(event, order, existing, deps.coerce, now=deps.clock(), sku_map=deps.sku_map)
        if isinstance(verdict, Refusal):
            return Outcome(OutcomeKind.REFUSED, reason=verdict.reason)
        if isinstance(verdict, Unchanged):
            return Outcome(OutcomeKind.UNCHANGED, record=verdict.record)
        previous = existing.package(event.reference)
        if deps.paused():
            held = hold_package(verdict, previous, existing, deps.store)
            if held is not None and deps.paused():  # asked again: a resume meanwhile may have released before it
                return Outcome(OutcomeKind.HELD, record=held)
            continue  # a lost race, or resumed meanwhile: read again (a held package is then sent)
        pending = _recorded_pending(verdict, previous, existing, deps)
        if pending is None:
            continue
        answered = confirm_package(pending, deps.client, deps.store, deps.clock, deps.audit)
        if answered.state is PackageState.REJECTED:
            return Outcome(OutcomeKind.REJECTED, record=answered, reason=answered.message)
        return Outcome(OutcomeKind.SENT, record=answered)
    raise ConcurrentShipmentError(event.connection_id, event.order_id)


def _recorded_pending(
    verdict: PackageRecord, previous: PackageRecord | None, existing: OrderShipments, deps: ShipmentDeps
) -> PackageRecord | None:
    """The package to send, recorded pending; None: a lost race (read and validate again)."""
    if previous is not None and previous.content == verdict.content:
        if previous.state is PackageState.PENDING:
            return previous  # a redelivery after a crash: send the recorded package again, same id
        if previous.state is PackageState.HELD:  # held while paused, now resumed: whoever moves it on sends it
            pending = previous.model_copy(update={"state": PackageState.PENDING, "updated_at": deps.clock()})
            return pending if deps.store.transition(previous, pending) else None
    try:
        deps.store.record_package(verdict, existing)
    except ConcurrentShipmentError:
        return None
    return verdict
