"""Domain models: pure pydantic, no I/O; the bottom layer of shared/ (pyproject.toml [tool.importlinter]).

A model that a repository stores lives here even when one capability owns it (`inventory.py`, `orders.py`), so that
adapters never import capability logic. The bottom layer also holds shared.spapi.models and shared.spapi.marketplaces
(Amazon's vocabulary), shared.clock, shared.settings and shared.env.
"""

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
