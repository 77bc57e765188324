"""ORDER_CHANGE notifications, one SQS message at a time: fetches the order and applies it.

shared/notifications.py routes each message of the notifications queue; everything but FEED_PROCESSING_FINISHED comes
here.

Parsing follows Amazon's schema (`models/schemas/notifications/OrderChangeNotification.json`): the envelope's
`NotificationType` routes the message, and an ORDER_CHANGE needs the seller, the order id, the marketplace and the
time of the change. Outcomes of one message:
- `imported` / `changed` / `updated` / `unchanged` / `not_imported`: getOrder (v2026, the polling sync's
  includedData), then `apply_order`'s outcome.
- `not_imported` also, without getOrder when the summary says so: an order we do not hold that is fulfilled by a
  channel the settings leave out (`order_fulfilled_by`, merchant only by default), which polling never asks for, or
  whose status is not imported (a new order still PENDING: the change to UNSHIPPED brings it in).
- `duplicate`: the stored version already holds the change (`already_applied`): no Amazon call at all
  (duplicated, reordered or late deliveries).
- `deferred`: the connection is not ACTIVE, its settings are invalid or its authorization is revoked: polling
  covers the order once it runs again (its watermark never moves past an unfinished window), so nothing is lost.
- `ignored`: the connection does not have the orders sync enabled.
- dead-lettered with a reason (`UnprocessableNotificationError`): malformed, an unsupported type, no connection for
  the seller, an order Amazon does not know.
Anything else (Amazon 5xx/429 after retries, AWS errors) is raised: the message returns to the queue and, after the
queue's maxReceiveCount, lands in its DLQ.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aws_lambda_powertools import Logger
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from shared.models.connection import Connection, ConnectionStatus, connection_id_for
from shared.models.orders import ImportedOrder, from_amazon
from shared.models.settings import ConnectionSettings
from shared.orders import ORDER_CHANGE, SYNC_TYPE
from shared.orders.apply import OrderSink, apply_order
from shared.orders.sync import INCLUDED_DATA, OrdersApi, imported_statuses
from shared.repositories.errors import InvalidStoredItemError, NoRefreshTokenError
from shared.spapi.errors import AuthorizationRevokedError, NotFoundError
from shared.spapi.marketplaces import UnknownMarketplaceError, marketplace_by_id
from shared.sync.events import describe


class UnprocessableNotificationError(ValueError):
    """A notification that can never be processed: it goes to the DLQ with this reason."""


class _Amazon(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class NotificationMetadata(_Amazon):
    """Who sent it and its id (a duplicate delivery keeps the id)."""

    NotificationId: str = Field(min_length=1)
    PublishTime: AwareDatetime | None = None
    SubscriptionId: str | None = None


class Envelope(_Amazon):
    """The SQS workflow's envelope (ORDER_CHANGE and the other PascalCase notification types)."""

    NotificationType: str = Field(min_length=1)
    PayloadVersion: str | None = None
    EventTime: AwareDatetime | None = None
    NotificationMetadata: NotificationMetadata
    Payload: dict[str, Any]


class OrderChangeTrigger(_Amazon):
    """When and why the order changed."""

    TimeOfOrderChange: AwareDatetime
    ChangeReason: str | None = None


class OrderChangeItem(_Amazon):
    """One item of the summary."""

    OrderItemId: str | None = None
    IsBuyerRequestedCancel: bool | None = None


class OrderChangeSummary(_Amazon):
    """The parts of the summary we route on and compare with the stored order."""

    MarketplaceId: str = Field(min_length=1)
    OrderStatus: str | None = None
    FulfillmentType: str | None = None
    NumberOfItemsShipped: int | None = None
    OrderItems: list[OrderChangeItem] = Field(default_factory=list)


# The v0 statuses ORDER_CHANGE reports, in v2026 terms.
V0_STATUSES = {
    "PendingAvailability": "PENDING_AVAILABILITY",
    "Pending": "PENDING",
    "Unshipped": "UNSHIPPED",
    "PartiallyShipped": "PARTIALLY_SHIPPED",
    "Shipped": "SHIPPED",
    "InvoiceUnconfirmed": "SHIPPED",
    "Canceled": "CANCELLED",
    "Unfulfillable": "UNFULFILLABLE",
}


# The summary's FulfillmentType in v2026 `fulfilledBy` terms.
FULFILLMENT_TYPES = {"MFN": "MERCHANT", "AFN": "AMAZON"}


class OrderChangeNotification(_Amazon):
    """Payload.OrderChangeNotification."""

    SellerId: str = Field(min_length=1)
    AmazonOrderId: str = Field(min_length=1)
    OrderChangeType: str | None = None
    OrderChangeTrigger: OrderChangeTrigger
    Summary: OrderChangeSummary


class ConnectionsReader(Protocol):
    """The ConnectionsRepository's reads used here."""

    def get_connection(self, connection_id: str) -> Connection | None:
        """The connection, or None."""
        ...

    def get_settings(self, connection_id: str) -> ConnectionSettings:
        """Its settings; raises InvalidStoredSettingsError."""
        ...


@dataclass(frozen=True)
class NotificationDeps:
    """What the consumer works with (the handler builds the real ones)."""

    connections: ConnectionsReader
    api_for: Callable[[Connection], OrdersApi]
    sink: OrderSink
    logger: Logger


@dataclass(frozen=True)
class Handled:
    """What one message did: its outcome, the order (if any) and how many events went out."""

    outcome: str
    order_id: str | None = None
    published: int = 0


def parse_envelope(body: str) -> Envelope:
    """The envelope; raises UnprocessableNotificationError for anything that is not one."""
    try:
        return Envelope.model_validate_json(body)
    except ValidationError as exc:
        camel_case_type = camel_case_type_of(body)
        if camel_case_type is not None:
            raise UnprocessableNotificationError(f"unsupported notification type {camel_case_type}") from None
        raise UnprocessableNotificationError(f"not an SP-API notification: {describe(exc)}") from None


def camel_case_type_of(body: str) -> str | None:
    """FEED_PROCESSING_FINISHED and REPORT_PROCESSING_FINISHED use a camelCase envelope."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    value = parsed.get("notificationType") if isinstance(parsed, dict) else None
    return str(value) if value else None


def handle_order_notification(body: str, deps: NotificationDeps) -> Handled:
    """Processes one message (see the module doc); raises UnprocessableNotificationError to dead-letter it."""
    envelope = parse_envelope(body)
    if envelope.NotificationType != ORDER_CHANGE:
        raise UnprocessableNotificationError(f"unsupported notification type {envelope.NotificationType}")
    try:
        change = OrderChangeNotification.model_validate(envelope.Payload.get("OrderChangeNotification"))
    except ValidationError as exc:
        raise UnprocessableNotificationError(f"malformed ORDER_CHANGE payload: {describe(exc)}") from None
    deps.logger.append_keys(order_id=change.AmazonOrderId, notification_id=envelope.NotificationMetadata.NotificationId)
    try:
        return _order_change(change, deps)
    finally:
        deps.logger.remove_keys(["order_id", "notification_id", "connection_id"])


def _order_change(change: OrderChangeNotification, deps: NotificationDeps) -> Handled:
    order_id = change.AmazonOrderId
    connection = _connection(change, deps)
    deps.logger.append_keys(connection_id=connection.connection_id)
    if connection.status is not ConnectionStatus.ACTIVE:
        deps.logger.info("connection not active; polling covers this change later", extra={"status": connection.status})
        return Handled("deferred", order_id)
    try:
        settings = deps.connections.get_settings(connection.connection_id)
    except InvalidStoredItemError as exc:
        deps.logger.warning("settings invalid; polling covers this change once fixed", extra={"error": str(exc)})
        return Handled("deferred", order_id)
    if SYNC_TYPE not in settings.enabled_syncs:
        return Handled("ignored", order_id)
    stored = deps.sink.store.get(order_id)
    if stored is not None and already_applied(stored.order, change):
        return Handled("duplicate", order_id)
    if stored is None and _left_out(FULFILLMENT_TYPES.get(change.Summary.FulfillmentType or ""), settings):
        return Handled("not_imported", order_id)
    summary_status = V0_STATUSES.get(change.Summary.OrderStatus or "")
    if stored is None and summary_status is not None and summary_status not in imported_statuses(settings):
        # A new order still PENDING (or one shipped or cancelled before we ever saw it): its next change brings it in
        return Handled("not_imported", order_id)
    try:
        order = deps.api_for(connection).get_order(order_id, INCLUDED_DATA).order
    except NotFoundError:
        raise UnprocessableNotificationError(f"order {order_id} not found at Amazon") from None
    except (AuthorizationRevokedError, NoRefreshTokenError) as exc:
        deps.logger.warning(
            "authorization revoked; polling covers this change after re-authorization", extra={"error": str(exc)}
        )
        return Handled("deferred", order_id)
    imported = from_amazon(order, connection.connection_id, settings.shipping_method_map)
    if stored is None and _left_out(imported.fulfilled_by, settings):
        return Handled("not_imported", order_id)
    result = apply_order(imported, imported_statuses(settings), deps.sink)
    return Handled(result.outcome.value, order_id, result.published)


def _left_out(fulfilled_by: str | None, settings: ConnectionSettings) -> bool:
    """Whether an order of this channel stays out of the import (polling's searchOrders asks for the others only)."""
    return fulfilled_by is not None and fulfilled_by not in settings.order_fulfilled_by


def already_applied(stored: ImportedOrder, change: OrderChangeNotification) -> bool:
    """Whether the stored version already holds this change, so that no getOrder is needed.

    lastUpdatedTime has whole seconds, TimeOfOrderChange milliseconds: a stored version from a later second is newer;
    within the same second the summary's status, units shipped and cancellation requests must match the stored ones.
    """
    changed_at = change.OrderChangeTrigger.TimeOfOrderChange
    if stored.last_updated > changed_at:
        return True
    if stored.last_updated < changed_at.replace(microsecond=0):
        return False
    summary = change.Summary
    shipped = sum(line.quantity_shipped for line in stored.items)
    requested = {item.OrderItemId for item in summary.OrderItems if item.IsBuyerRequestedCancel}
    return (
        V0_STATUSES.get(summary.OrderStatus or "") == stored.status
        and summary.NumberOfItemsShipped == shipped
        and requested == stored.requested_cancellations()
    )


def _connection(change: OrderChangeNotification, deps: NotificationDeps) -> Connection:
    try:
        region = marketplace_by_id(change.Summary.MarketplaceId).region
    except UnknownMarketplaceError:
        raise UnprocessableNotificationError(f"unknown marketplace {change.Summary.MarketplaceId}") from None
    connection_id = connection_id_for(change.SellerId, region)
    connection = deps.connections.get_connection(connection_id)
    if connection is None:
        raise UnprocessableNotificationError(f"no connection {connection_id} for seller {change.SellerId}")
    return connection
