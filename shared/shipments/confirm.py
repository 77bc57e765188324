"""Sending one package to Amazon (confirmShipment, Orders v0), and the whole path from a ShipmentCreated to an outcome.

Crash safety: a package is recorded pending, with its packageReferenceId, before the call; if the process dies
between Amazon's answer and recording it, the redelivered message finds the package pending with the same content and
sends it again with the same packageReferenceId, which Amazon treats as an edit of that package, never a second one.

Amazon's answers: 204 -> sent (a 204 is not proof: shared/shipments/verify.py confirms it later); a 4xx about the
request (400, 404, 409...) -> rejected with Amazon's code, message and request id (final, reported); 429 and 5xx are
retried by the client's transport and, once its retries are spent, raised (ThrottledError, ServerError, both
RetryableError) so the message is retried and the package stays pending. 401/403 are raised too: the connection's
authorization is at fault, not the package.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from shared.models.orders import ImportedOrder
from shared.models.shipments import PackageRecord, PackageState, ShipmentCreated
from shared.models.sku_map import IDENTITY, SkuMap
from shared.repositories.shipments import ConcurrentShipmentError, OrderShipments
from shared.shipments.validation import CarrierChoice, Refusal, Unchanged, validate_shipment
from shared.spapi.errors import RetryableError, SpApiError, UnauthorizedError
from shared.spapi.models.shipments import ConfirmShipmentOrderItem, ConfirmShipmentRequest, PackageDetail

OTHER = "Other"
# Re-reads after a lost race (another package of the same order recorded meanwhile) before giving up with an error.
MAX_RACES = 5


class ConfirmClient(Protocol):
    """The part of SpApiClient that sends a package."""

    def confirm_shipment(self, order_id: str, body: ConfirmShipmentRequest) -> None:
        """POST confirmShipment; raises SpApiError subclasses."""
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
    record: PackageRecord, client: ConfirmClient, store: PackageStore, clock: Callable[[], datetime]
) -> PackageRecord:
    """Sends a pending package and records Amazon's answer (sent or rejected); returns the package as it now is.

    Retryable failures propagate with the package left pending. If the package was edited meanwhile (the conditional
    update lost), the answer is not recorded: the edit's own delivery sends and records it.
    """
    attempt = record.model_copy(update={"attempts": record.attempts + 1})
    try:
        client.confirm_shipment(record.order_id, confirmation_request(record))
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
    return answered


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
        if previous is not None and previous.state is PackageState.PENDING and previous.content == verdict.content:
            pending = previous  # a redelivery after a crash: send the recorded package again, same id
        else:
            try:
                deps.store.record_package(verdict, existing)
            except ConcurrentShipmentError:
                continue
            pending = verdict
        answered = confirm_package(pending, deps.client, deps.store, deps.clock)
        if answered.state is PackageState.REJECTED:
            return Outcome(OutcomeKind.REJECTED, record=answered, reason=answered.message)
        return Outcome(OutcomeKind.SENT, record=answered)
    raise ConcurrentShipmentError(event.connection_id, event.order_id)
