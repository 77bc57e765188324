"""Connection lifecycle beyond authorization: the notification subscriptions a connection holds, and disconnecting."""

from shared.connections.disconnect import (
    DisconnectResult,
    SubscriptionRemovalError,
    SubscriptionRemover,
    disconnect_connection,
)
from shared.connections.subscriptions import (
    InvalidStoredSubscriptionError,
    SubscriptionRecord,
    SubscriptionsRepository,
)

__all__ = [
    "DisconnectResult",
    "InvalidStoredSubscriptionError",
    "SubscriptionRecord",
    "SubscriptionRemovalError",
    "SubscriptionRemover",
    "SubscriptionsRepository",
    "disconnect_connection",
]
