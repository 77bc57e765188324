"""Connection lifecycle beyond authorization: disconnecting (subscriptions are stored by shared.repositories)."""

from shared.connections.disconnect import (
    DisconnectResult,
    SubscriptionRemovalError,
    SubscriptionRemover,
    disconnect_connection,
)

__all__ = [
    "DisconnectResult",
    "SubscriptionRemovalError",
    "SubscriptionRemover",
    "disconnect_connection",
]
