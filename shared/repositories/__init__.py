"""Data access: one repository per table, typed errors, and the KMS encryptor of secrets."""

from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import DecryptionError, Encryptor, KmsEncryptor
from shared.repositories.errors import (
    ConcurrentUpdateError,
    ConnectionNotFoundError,
    InvalidStoredConnectionError,
    InvalidStoredSettingsError,
    NoRefreshTokenError,
    RepositoryError,
)

__all__ = [
    "ConcurrentUpdateError",
    "ConnectionNotFoundError",
    "ConnectionsRepository",
    "DecryptionError",
    "Encryptor",
    "InvalidStoredConnectionError",
    "InvalidStoredSettingsError",
    "KmsEncryptor",
    "NoRefreshTokenError",
    "RepositoryError",
]
