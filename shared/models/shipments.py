"""Shipments and cancellations going back to Amazon: what the merchant sends, and what we remember per order.

- `ShipmentCreated`: one package from the merchant's system (an event's detail, a CSV group or `sellersync shipments
  confirm`). The merchant's `reference` is unique per order in their system: the same reference again is the same
  package (an edit), never a second one. Items by SKU or order item id; no items: every unshipped item.
- `OrderCancellationRequested`: cancel a whole order with one of Amazon's CancelReason values (or a plain alias).
- `PackageRecord` / `CancellationRecord`: what the shipments table keeps per package and per order's cancellation,
  with the state the operator sees (`sellersync shipments status`).

Amazon's side (REFERENCE.md sections 6-7): one confirmShipment per package with a `packageReferenceId` that is a JSON
string holding a positive integer (`package_reference_id` derives it from order and reference, so a retry edits the
same package); cancellations go through POST_ORDER_ACKNOWLEDGEMENT_DATA, whole orders only.
"""

import hashlib
import re
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic.alias_generators import to_camel

# Amazon's order ids: 3-7-7 word characters (amzn-base.xsd AmazonOrderID); order item codes are digits (14 in the XSD).
ORDER_ID_PATTERN = r"^\w{3}-\w{7}-\w{7}$"
OrderId = Annotated[str, StringConstraints(pattern=ORDER_ID_PATTERN)]
_CONTROL = "\x00-\x1f\x7f-\x9f"
# Free text from a warehouse system: trimmed, printable, bounded.
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=rf"^[^{_CONTROL}]+$")
]
ConnectionRef = Annotated[str, StringConstraints(min_length=1, max_length=100)]
# packageReferenceId: a positive integer below 2^31, so any integer type on Amazon's side holds it.
PACKAGE_ID_LIMIT = 2**31 - 1


class CancelReason(StrEnum):
    """Amazon's CancelReason values (OrderAcknowledgement.xsd), exact spelling."""

    NO_INVENTORY = "NoInventory"
    SHIPPING_ADDRESS_UNDELIVERABLE = "ShippingAddressUndeliverable"
    CUSTOMER_EXCHANGE = "CustomerExchange"
    BUYER_CANCELED = "BuyerCanceled"
    GENERAL_ADJUSTMENT = "GeneralAdjustment"
    CARRIER_CREDIT_DECISION = "CarrierCreditDecision"
    RISK_ASSESSMENT_INFORMATION_NOT_VALID = "RiskAssessmentInformationNotValid"
    CARRIER_COVERAGE_FAILURE = "CarrierCoverageFailure"
    CUSTOMER_RETURN = "CustomerReturn"
    MERCHANDISE_NOT_RECEIVED = "MerchandiseNotReceived"


# Plain words a warehouse system or an operator uses, folded (lower case, letters and digits only).
CANCEL_REASON_ALIASES: dict[str, CancelReason] = {
    "outofstock": CancelReason.NO_INVENTORY,
    "nostock": CancelReason.NO_INVENTORY,
    "oos": CancelReason.NO_INVENTORY,
    "buyerrequested": CancelReason.BUYER_CANCELED,
    "buyercancelled": CancelReason.BUYER_CANCELED,
    "customerrequested": CancelReason.BUYER_CANCELED,
    "customercancelled": CancelReason.BUYER_CANCELED,
    "customercanceled": CancelReason.BUYER_CANCELED,
    "undeliverable": CancelReason.SHIPPING_ADDRESS_UNDELIVERABLE,
    "badaddress": CancelReason.SHIPPING_ADDRESS_UNDELIVERABLE,
    "addressundeliverable": CancelReason.SHIPPING_ADDRESS_UNDELIVERABLE,
    "exchange": CancelReason.CUSTOMER_EXCHANGE,
    "pricingerror": CancelReason.GENERAL_ADJUSTMENT,
    "other": CancelReason.GENERAL_ADJUSTMENT,
    "fraud": CancelReason.RISK_ASSESSMENT_INFORMATION_NOT_VALID,
    "nocarrier": CancelReason.CARRIER_COVERAGE_FAILURE,
}


def fold(text: str) -> str:
    """Lower case, letters and digits only: "Out of stock" -> "outofstock"."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def parse_cancel_reason(text: str) -> CancelReason:
    """Amazon's value for a reason given as Amazon spells it, in any case, or as a plain alias; ValueError otherwise."""
    folded = fold(text)
    for reason in CancelReason:
        if fold(reason.value) == folded:
            return reason
    if folded in CANCEL_REASON_ALIASES:
        return CANCEL_REASON_ALIASES[folded]
    accepted = ", ".join(r.value for r in CancelReason)
    raise ValueError(f"unknown cancel reason {text!r}: use one of {accepted} (or e.g. 'out of stock')")


def package_reference_id(order_id: str, reference: str, attempt: int = 0) -> str:
    """The packageReferenceId of the merchant's package `reference` in an order: a positive integer as a string.

    Deterministic, so a retry or a redelivery edits the same package at Amazon. `attempt` > 0 draws another number for
    the rare reference whose number another reference of the same order already holds.
    """
    digest = hashlib.sha256(f"{order_id}\x1f{reference}\x1f{attempt}".encode()).digest()
    return str(int.from_bytes(digest[:8], "big") % PACKAGE_ID_LIMIT + 1)


class _Wire(BaseModel):
    """camelCase on the wire (event details, CLI batches); snake_case in Python."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)


class ShipmentItem(_Wire):
    """A quantity of one order item, named by the seller SKU or by Amazon's order item id."""

    sku: Text | None = None
    order_item_id: Annotated[str, StringConstraints(pattern=r"^\d{1,20}$")] | None = None
    quantity: Annotated[int, Field(strict=True, ge=1, le=100_000)]

    @model_validator(mode="after")
    def _one_name(self) -> Self:
        if (self.sku is None) == (self.order_item_id is None):
            raise ValueError("an item names either its sku or its orderItemId")
        return self


class ShipmentCreated(_Wire):
    """One package the warehouse shipped (detail of a `ShipmentCreated` event, schema version 1)."""

    schema_version: Literal[1] = 1
    connection_id: ConnectionRef
    order_id: OrderId
    reference: Text
    carrier: Text
    service: Text | None = None
    tracking_number: Text
    ship_date: AwareDatetime | None = None
    items: list[ShipmentItem] = Field(default_factory=list, max_length=500)
    ship_from_supply_source_id: Text | None = None


class OrderCancellationRequested(_Wire):
    """Cancel a whole order (detail of an `OrderCancellationRequested` event, schema version 1).

    `items`, when given, must name every item of the order: Amazon does not support partial cancellation.
    """

    schema_version: Literal[1] = 1
    connection_id: ConnectionRef
    order_id: OrderId
    reason: CancelReason
    items: list[Text] | None = None

    @field_validator("reason", mode="before")
    @classmethod
    def _alias(cls, value: object) -> object:
        return parse_cancel_reason(value) if isinstance(value, str) else value


class PackageState(StrEnum):
    """pending: recorded, not yet answered by Amazon; held: recorded while the connection's shipments were paused, sent
    on resume; sent: Amazon answered 204; confirmed: the order shows the shipped quantities; rejected: Amazon refused
    it (4xx) or we did; unverified: a 204 Amazon's order never reflected."""

    PENDING = "pending"
    HELD = "held"
    SENT = "sent"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    UNVERIFIED = "unverified"


class CancellationState(StrEnum):
    """pending: waiting for the next feed; submitted: in a feed; cancelled: Amazon's report accepted it; rejected."""

    PENDING = "pending"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackageLine(_Record):
    """One order item in a package, resolved against the stored order."""

    order_item_id: str
    sku: str | None = None
    quantity: int = Field(ge=1)


class PackageRecord(_Record):
    """One package as the shipments table keeps it; `content` fingerprints what Amazon is sent (an edit changes it)."""

    connection_id: str
    order_id: str
    reference: str
    package_reference_id: str
    marketplace_id: str
    carrier_given: str
    carrier_code: str
    carrier_name: str | None = None
    service: str | None = None
    tracking_number: str
    ship_date: AwareDatetime
    lines: tuple[PackageLine, ...]
    ship_from_supply_source_id: str | None = None
    state: PackageState = PackageState.PENDING
    message: str | None = None
    request_id: str | None = None
    attempts: int = 0
    content: str = ""
    created_at: AwareDatetime
    updated_at: AwareDatetime
    sent_at: AwareDatetime | None = None
    confirmed_at: AwareDatetime | None = None

    def fingerprint(self) -> str:
        """A digest of what confirmShipment sends for this package: the same fingerprint is not sent twice."""
        sent = self.model_dump(
            mode="json",
            include={"carrier_code", "carrier_name", "service", "tracking_number", "ship_date", "lines"},
        )
        sent["ship_from"] = self.ship_from_supply_source_id
        return hashlib.sha256(repr(sorted(sent.items())).encode()).hexdigest()[:16]


class CancellationRecord(_Record):
    """An order's cancellation request as the shipments table keeps it."""

    connection_id: str
    order_id: str
    marketplace_id: str
    reason: CancelReason
    order_item_ids: tuple[str, ...]
    state: CancellationState = CancellationState.PENDING
    feed_id: str | None = None
    message_id: int | None = None
    verdict: str | None = None
    requested_at: AwareDatetime
    updated_at: AwareDatetime


class OutcomeType(StrEnum):
    """The detail types the shipments capability publishes (source `sellersync.shipments`, schema version 1)."""

    SHIPMENT_CONFIRMED = "ShipmentConfirmed"
    SHIPMENT_REJECTED = "ShipmentRejected"
    ORDER_CANCELLED = "OrderCancelled"
    ORDER_CANCELLATION_REJECTED = "OrderCancellationRejected"


SOURCE = "sellersync.shipments"
SHIPMENT_CREATED = "ShipmentCreated"
ORDER_CANCELLATION_REQUESTED = "OrderCancellationRequested"
OUTCOME_SCHEMA_VERSION = 1
