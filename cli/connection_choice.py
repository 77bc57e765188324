"""Which connection a command works on: the one named, or the stack's only one (commands whose --connection is
optional). A module of its own so that a read-only command loads nothing of the pipelines."""

from cli.errors import UsageError
from cli.target import Target, resolve_target
from cli.wiring import connections_repository
from shared.models.connection import Connection
from shared.repositories.errors import ConnectionNotFoundError


def resolve_connection(target: Target, connection_id: str | None) -> Connection:
    """The named connection, or the stack's only one; a UsageError names the choices otherwise."""
    connections = connections_repository(target)
    if connection_id is not None:
        found = connections.get_connection(connection_id)
        if found is None:
            raise ConnectionNotFoundError(connection_id)
        return found
    every = connections.list_connections()
    if len(every) == 1:
        return every[0]
    if not every:
        raise UsageError("the stack has no connection yet: connect a seller first (connect-link, connections add)")
    choices = ", ".join(sorted(c.connection_id for c in every))
    raise UsageError(f"the stack has {len(every)} connections: name one with --connection ({choices})")


def target_and_connection(local: bool, stack_name: str, connection_id: str | None) -> tuple[Target, Connection]:
    """The stack a command works on (`resolve_target`) and its connection (`resolve_connection`)."""
    target = resolve_target(local, stack_name)
    return target, resolve_connection(target, connection_id)
