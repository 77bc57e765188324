"""Domain models: pure pydantic, no I/O."""

from shared.models.connection import Connection, ConnectionStatus, connection_id_for
from shared.models.settings import ConnectionSettings, EffectiveSettings, MarketplaceOverrides

__all__ = [
    "Connection",
    "ConnectionSettings",
    "ConnectionStatus",
    "EffectiveSettings",
    "MarketplaceOverrides",
    "connection_id_for",
]
