"""Data access: one repository per table, typed errors, and the KMS encryptor of secrets."""

from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import DecryptionError, Encryptor, KmsEncryptor
from shared.repositories.errors import (
    ConcurrentUpdateError,
    ConnectionExistsError,
    ConnectionNotFoundError,
    InvalidStoredConnectionError,
    InvalidStoredSettingsError,
    NoRefreshTokenError,
    RepositoryError,
)
from shared.repositories.oauth_states import (
    ExpiredStateError,
    InviteAlreadyUsedError,
    InviteNotFoundError,
    OAuthStatesRepository,
    StateSellerMismatchError,
    UnknownStateError,
)
from shared.repositories.sync_status import InvalidStoredSyncStatusError, SyncStatusRepository

__all__ = [
    "ConcurrentUpdateError",
    "ConnectionExistsError",
    "ConnectionNotFoundError",
    "ConnectionsRepository",
    "DecryptionError",
    "Encryptor",
    "ExpiredStateError",
    "InviteAlreadyUsedError",
    "InviteNotFoundError",
    "InvalidStoredConnectionError",
    "InvalidStoredSettingsError",
    "InvalidStoredSyncStatusError",
    "KmsEncryptor",
    "NoRefreshTokenError",
    "OAuthStatesRepository",
    "RepositoryError",
    "StateSellerMismatchError",
    "SyncStatusRepository",
    "UnknownStateError",
]
