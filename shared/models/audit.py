"""The audit trail's records and the port every sender records through (docs/operations.md, "Audit trail").

Every change sent to Amazon (a JSON_LISTINGS_FEED, a patchListingsItem, a confirmShipment, an order acknowledgement
feed, a secret rotation) becomes one `AuditRecord`: the connection, what kind of send, the request's own id (`ref`:
feed id, packageReferenceId, SKU and revision of a patch...), Amazon's request id (x-amzn-RequestId), what was sent
per SKU or order (`entries`), Amazon's answer and the time. The port lives here, at the bottom layer, because the
senders are capabilities that must not import each other (inventory, shipments, credentials) and the repository
that stores the records is an adapter they do not import either: the wiring (shared/runtime) injects it.

Nothing secret is ever a field: the entries hold SKUs, order ids, quantities, prices, carriers and tracking numbers;
a secret rotation records the secret's version id, never its value.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict

# The connection id of the application's own sends (the LWA client secret's rotation): not a seller's connection.
APPLICATION = "application"
# How long a record is kept (DynamoDB TTL `expires_at`).
RETENTION_DAYS = 90
# Per-message results kept with a record's answer (the rejected ones: the accepted are the rest, counted).
MAX_ANSWER_RESULTS = 500


class AuditKind(StrEnum):
    """What was sent to Amazon."""

    FEED = "feed"  # JSON_LISTINGS_FEED (inventory, prices, handling time)
    PATCH = "patch"  # patchListingsItem (fast-lane stock-outs and their repairs)
    SHIPMENT = "shipment"  # confirmShipment
    CANCELLATION = "cancellation"  # POST_ORDER_ACKNOWLEDGEMENT_DATA feed
    SECRET_ROTATION = "secret_rotation"  # rotateApplicationClientSecret (connection id "application")


class AuditEntry(BaseModel):
    """One message of a send: the SKU or order it touches and a one-line summary of what was sent for it."""

    model_config = ConfigDict(frozen=True)

    sku: str | None = None
    order_id: str | None = None
    sent: str = ""


class AuditRecord(BaseModel):
    """One send to Amazon and, once known, Amazon's answer.

    `at` is when the request went out, taken from the request's own record (the feed's submitted_at, the pending
    package's updated_at...), so recording it again after a retry writes the same key: it is recorded once.
    """

    model_config = ConfigDict(frozen=True)

    connection_id: str
    kind: AuditKind
    ref: str
    at: AwareDatetime
    operation: str
    outcome: str
    marketplace_id: str | None = None
    request_id: str | None = None
    message: str | None = None
    entries: tuple[AuditEntry, ...] = ()
    # Set by an answer that arrives later (a feed's processing report).
    answered_at: AwareDatetime | None = None
    counts: Mapping[str, int] = {}
    # Per SKU or order: Amazon's result where it is not plain success (at most MAX_ANSWER_RESULTS).
    results: Mapping[str, str] = {}

    def touches(self, sku: str | None = None, order_id: str | None = None) -> bool:
        """Whether the record sent something for this SKU and/or this order."""
        return (sku is None or any(e.sku == sku for e in self.entries)) and (
            order_id is None or any(e.order_id == order_id for e in self.entries)
        )


class AuditAnswer(BaseModel):
    """Amazon's later answer to a recorded send (a feed's processing report): the record it belongs to (connection,
    kind, ref and the send's time `at`, its key) and what Amazon said."""

    model_config = ConfigDict(frozen=True)

    connection_id: str
    kind: AuditKind
    ref: str
    at: AwareDatetime
    outcome: str
    answered_at: AwareDatetime
    counts: Mapping[str, int] = {}
    # Per SKU or order: Amazon's result where it is not plain success (at most MAX_ANSWER_RESULTS).
    results: Mapping[str, str] = {}


class AuditRecorder(Protocol):
    """Where senders record what they sent (AuditRepository, guarded so a failure never fails the send)."""

    def record(self, record: AuditRecord) -> None:
        """Records one send, once (a second record with the same connection, time, kind and ref is ignored)."""
        ...

    def answer(self, answer: AuditAnswer) -> None:
        """Adds Amazon's later answer (a feed's processing report) to a recorded send."""
        ...


class NoAudit:
    """The recorder of code paths (and tests) without an audit table: records nothing."""

    def record(self, record: AuditRecord) -> None:
        """Records nothing."""

    def answer(self, answer: AuditAnswer) -> None:
        """Records nothing."""


def secret_rotation(
    at: datetime,
    secret_version_id: str,
    outcome: str,
    request_id: str | None = None,
    message: str | None = None,
    expires_at: datetime | None = None,
) -> AuditRecord:
    """The record of a client secret rotation (connection APPLICATION), keyed by the new secret's version id: the
    hook the rotation records through (`audit_recorder(settings.audit_table).record(secret_rotation(...))`). It has
    no field for the secret: only its version id, the new secret's expiry and Amazon's answer."""
    expiry = f"new secret expires {expires_at.isoformat()}" if expires_at else "new secret version stored"
    return AuditRecord(
        connection_id=APPLICATION,
        kind=AuditKind.SECRET_ROTATION,
        ref=secret_version_id,
        at=at,
        operation="rotateApplicationClientSecret",
        outcome=outcome,
        request_id=request_id,
        message=message,
        entries=(AuditEntry(sent=f"secret version {secret_version_id}: {expiry}"),),
    )


def offer_summary(quantity: int, handling_days: int, price: object | None, currency: str | None) -> str:
    """The one-line summary of an offer sent for a SKU."""
    priced = f" price={price} {currency or ''}".rstrip() if price is not None else ""
    return f"quantity={quantity} handling_days={handling_days}{priced}"


def capped_results(results: Sequence[tuple[str, str]]) -> dict[str, str]:
    """At most MAX_ANSWER_RESULTS of the (subject, result) pairs, the first of each subject kept."""
    kept: dict[str, str] = {}
    for subject, result in results:
        if len(kept) >= MAX_ANSWER_RESULTS:
            break
        kept.setdefault(subject, result[:300])
    return kept
