"""Domain models: pure pydantic, no I/O."""

from shared.models.connection import Connection, ConnectionStatus, connection_id_for
from shared.models.oauth import ExpiredInviteError, Invite, InviteError, StoredState
from shared.models.settings import ConnectionSettings, EffectiveSettings, MarketplaceOverrides

__all__ = [
    "Connection",
    "ConnectionSettings",
    "ConnectionStatus",
    "EffectiveSettings",
    "ExpiredInviteError",
    "Invite",
    "InviteError",
    "MarketplaceOverrides",
    "StoredState",
    "connection_id_for",
]
