"""Disconnecting a connection: its notification subscriptions removed at Amazon, then its refresh token deleted.

The order matters. Subscriptions go first, each deleted at Amazon (deleteSubscriptionById, grantless, so it works even
after the seller revoked the app) and then forgotten; only when none is left is the connection disconnected (token
removed, status DISCONNECTED, settings and history kept). A subscription Amazon no longer has (404) counts as removed.
Any other failure stops before the connection changes, with the subscriptions removed so far already forgotten, so
running it again continues where it stopped.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from shared.repositories.connections import ConnectionsRepository
from shared.repositories.errors import ConnectionNotFoundError, InvalidStoredConnectionError
from shared.repositories.subscriptions import SubscriptionRecord, SubscriptionsRepository
from shared.spapi.errors import LwaError, NotFoundError, RetryableError, SpApiError

DEFAULT_REASON = "disconnected by the operator"


class SubscriptionRemover(Protocol):
    """Deletes one subscription at Amazon (SpApiClient.delete_subscription_by_id)."""

    def __call__(self, notification_type: str, subscription_id: str) -> None: ...


class SubscriptionRemovalError(RuntimeError):
    """Amazon did not remove a subscription; the connection was not disconnected, and running again is safe."""

    def __init__(self, record: SubscriptionRecord, cause: Exception) -> None:
        self.record = record
        self.retryable = isinstance(cause, RetryableError)
        hint = "Amazon is unavailable or throttling, try again later" if self.retryable else "Amazon refused"
        super().__init__(
            f"could not remove the {record.notification_type} subscription {record.subscription_id} of connection "
            f"{record.connection_id!r} ({hint}): {cause}. The connection was not disconnected; running the "
            "disconnect again continues where it stopped"
        )


@dataclass(frozen=True)
class DisconnectResult:
    """What disconnecting did: subscriptions deleted at Amazon, and those Amazon no longer had."""

    connection_id: str
    removed: list[SubscriptionRecord] = field(default_factory=list)
    already_gone: list[SubscriptionRecord] = field(default_factory=list)


def disconnect_connection(
    connections: ConnectionsRepository,
    subscriptions: SubscriptionsRepository,
    remove: SubscriptionRemover,
    connection_id: str,
    *,
    reason: str = DEFAULT_REASON,
    on_progress: Callable[[str], None] = lambda _: None,
) -> DisconnectResult:
    """Removes the connection's subscriptions at Amazon, then its token (see the module doc).

    Raises:
        ConnectionNotFoundError: no such connection; nothing was done.
        SubscriptionRemovalError: Amazon failed or refused; the connection still holds its token.
    """
    _require_connection(connections, connection_id)
    result = DisconnectResult(connection_id)
    for record in subscriptions.list_subscriptions(connection_id):
        on_progress(f"removing the {record.notification_type} subscription at Amazon")
        try:
            remove(record.notification_type, record.subscription_id)
            result.removed.append(record)
        except NotFoundError:
            result.already_gone.append(record)
        except (SpApiError, LwaError, RetryableError) as exc:
            raise SubscriptionRemovalError(record, exc) from None
        subscriptions.delete_subscription(connection_id, record.notification_type)
    on_progress("removing the refresh token")
    connections.disconnect(connection_id, reason)
    return result


def _require_connection(connections: ConnectionsRepository, connection_id: str) -> None:
    try:
        if connections.get_connection(connection_id) is None:
            raise ConnectionNotFoundError(connection_id)
    except InvalidStoredConnectionError:
        # A META item broken by a console edit still holds a token to delete; disconnecting rewrites its status.
        return
