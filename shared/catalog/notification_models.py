"""The listings notifications as Amazon sends them (models/schemas/notifications): the envelope, the three payloads
and `parse_notification`, which turns one queue message into a `ListingNotice` or refuses it with a reason.

The status type is accepted in both spellings (`LISTINGS_ITEM_STATUS_CHANGE`, the subscription's name, and
`..._CHANGED`, the schema's enum: LISTINGS-SHIPMENTS-CANCELLATIONS.md Corrections §10); the envelope's
`NotificationMetadata.ApplicationId` must be our application's. A message is the EventBridge event the partner bus's
rule sends whole (`detail` is the envelope) or, equally, a bare envelope.
"""

import json
from dataclasses import dataclass
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from shared.sync.events import describe

STATUS_CHANGE = "LISTINGS_ITEM_STATUS_CHANGE"
# The schema's enum spells it so; the example and the subscription's notificationType do not (Corrections §10).
STATUS_CHANGED = "LISTINGS_ITEM_STATUS_CHANGED"
ISSUES_CHANGE = "LISTINGS_ITEM_ISSUES_CHANGE"
MFN_QUANTITY_CHANGE = "LISTINGS_ITEM_MFN_QUANTITY_CHANGE"
# The types the catalog subscribes to, and the detail-types its partner bus rule routes (both status spellings).
SUBSCRIBED_TYPES = (STATUS_CHANGE, ISSUES_CHANGE, MFN_QUANTITY_CHANGE)
DETAIL_TYPES = (STATUS_CHANGE, STATUS_CHANGED, ISSUES_CHANGE, MFN_QUANTITY_CHANGE)
# What each type's payload must hold besides SellerId and Sku (the schemas' required fields).
_REQUIRED = {
    STATUS_CHANGE: ("Status",),
    ISSUES_CHANGE: ("Severities",),
    MFN_QUANTITY_CHANGE: ("FulfillmentChannelCode", "Quantity"),
}


class UnprocessableListingNotificationError(ValueError):
    """A notification that can never be processed: it goes to the DLQ with this reason."""


class _Amazon(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class NotificationMetadata(_Amazon):
    """Whose notification it is and its id (a duplicate delivery keeps the id)."""

    ApplicationId: str | None = None
    NotificationId: str = Field(min_length=1)
    SubscriptionId: str | None = None
    PublishTime: AwareDatetime | None = None


class ListingPayload(_Amazon):
    """The fields of the three payloads; which ones a type requires is checked by type."""

    SellerId: str = Field(min_length=1)
    Sku: str = Field(min_length=1)
    MarketplaceId: str | None = Field(default=None, min_length=1)
    Asin: str | None = None
    Status: list[str] | None = None
    Severities: list[str] | None = None
    EnforcementActions: list[str] | None = None
    FulfillmentChannelCode: str | None = None
    Quantity: int | None = None


class ListingEnvelope(_Amazon):
    """Amazon's envelope (the EventBridge event's `detail`)."""

    NotificationType: str = Field(min_length=1)
    PayloadVersion: str | None = None
    EventTime: AwareDatetime | None = None
    Payload: ListingPayload
    NotificationMetadata: NotificationMetadata


@dataclass(frozen=True)
class ListingNotice:
    """One parsed notification: its type (the status type in its subscription spelling), seller, SKU, marketplace
    (None for MFN_QUANTITY_CHANGE) and id."""

    notification_type: str
    seller_id: str
    sku: str
    marketplace_id: str | None
    notification_id: str


def parse_notification(body: str, application_id: str) -> ListingNotice:
    """The notice of one queue message (an EventBridge event, or a bare envelope); raises
    UnprocessableListingNotificationError for anything that can never be processed."""
    envelope = _envelope_json(body)
    try:
        parsed = ListingEnvelope.model_validate(envelope)
    except ValidationError as exc:
        raise UnprocessableListingNotificationError(f"malformed listings notification: {describe(exc)}") from None
    theirs = parsed.NotificationMetadata.ApplicationId
    if not theirs:
        raise UnprocessableListingNotificationError("the notification names no ApplicationId")
    if theirs != application_id:
        raise UnprocessableListingNotificationError(
            f"notification of another application {theirs} (ours is {application_id})"
        )
    kind = STATUS_CHANGE if parsed.NotificationType == STATUS_CHANGED else parsed.NotificationType
    if kind not in _REQUIRED:
        raise UnprocessableListingNotificationError(f"unsupported notification type {parsed.NotificationType}")
    payload = parsed.Payload
    missing = [name for name in _REQUIRED[kind] if getattr(payload, name) is None]
    if missing:
        raise UnprocessableListingNotificationError(f"malformed {kind} payload: {', '.join(missing)} missing")
    marketplace_id = None if kind == MFN_QUANTITY_CHANGE else payload.MarketplaceId
    if kind != MFN_QUANTITY_CHANGE and marketplace_id is None:
        # The schemas leave it optional, but a listing exists per marketplace: without one there is nothing to read.
        raise UnprocessableListingNotificationError(f"malformed {kind} payload: MarketplaceId missing")
    return ListingNotice(
        kind, payload.SellerId, payload.Sku, marketplace_id, parsed.NotificationMetadata.NotificationId
    )


def _envelope_json(body: str) -> Any:
    try:
        parsed = json.loads(body)
    except ValueError:
        raise UnprocessableListingNotificationError("not JSON") from None
    if isinstance(parsed, dict) and "detail-type" in parsed and "detail" in parsed:
        return parsed["detail"]  # the EventBridge event the partner bus's rule sends whole
    return parsed
