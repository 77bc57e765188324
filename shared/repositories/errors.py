"""Typed errors of the repositories; callers branch on the type, never on the message."""

from pydantic import ValidationError


class RepositoryError(RuntimeError):
    """Base of the errors the repositories raise on purpose."""


class ConnectionNotFoundError(RepositoryError):
    """No connection with this id."""

    def __init__(self, connection_id: str) -> None:
        super().__init__(f"no connection {connection_id!r}")
        self.connection_id = connection_id


class ConnectionExistsError(RepositoryError):
    """A connection with this id exists already, where only a new one may be created."""

    def __init__(self, connection_id: str) -> None:
        super().__init__(f"connection {connection_id!r} exists already")
        self.connection_id = connection_id


class ConcurrentUpdateError(RepositoryError):
    """A conditional write lost: the item changed since it was read (version or status no longer as expected)."""

    def __init__(self, connection_id: str) -> None:
        super().__init__(f"connection {connection_id!r} changed concurrently; read it again and retry")
        self.connection_id = connection_id


class NoRefreshTokenError(RepositoryError):
    """The connection holds no refresh token (it was disconnected): the seller must authorize again."""

    def __init__(self, connection_id: str) -> None:
        super().__init__(f"connection {connection_id!r} has no refresh token; authorize it again")
        self.connection_id = connection_id


class InvalidStoredItemError(RepositoryError):
    """A stored item no longer validates (typically edited by hand in the console)."""

    item_kind = "item"

    def __init__(self, connection_id: str, error: ValidationError) -> None:
        self.connection_id = connection_id
        self.errors = [f"{'.'.join(str(p) for p in e['loc']) or '(item)'}: {e['msg']}" for e in error.errors()]
        super().__init__(
            f"stored {self.item_kind} of connection {connection_id!r} is invalid: {'; '.join(self.errors)}"
        )


class InvalidStoredSettingsError(InvalidStoredItemError):
    """The SETTINGS item no longer validates; fix it in the console or write valid settings."""

    item_kind = "settings"


class InvalidStoredConnectionError(InvalidStoredItemError):
    """The META item no longer validates."""

    item_kind = "connection"
