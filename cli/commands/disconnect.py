"""`sellersync connections disconnect`: wires shared.connections.disconnect_connection to a target stack."""

from collections.abc import Callable

import requests

from cli.target import Target
from cli.wiring import connections_repository, lwa_client, spapi_client, subscriptions_repository
from shared.connections.disconnect import DisconnectResult, disconnect_connection
from shared.models.connection import Connection
from shared.repositories.errors import ConnectionNotFoundError, InvalidStoredConnectionError
from shared.spapi.client import SpApiClient
from shared.spapi.marketplaces import Region
from shared.spapi.tokens import AccessTokenCache, GrantlessTokenProvider
from shared.spapi.transport import RetryPolicy


class AmazonSubscriptions:
    """Deletes subscriptions at Amazon with grantless tokens, setting up LWA and the client on the first deletion.

    So a connection without subscriptions disconnects even before the LWA secret is filled in.
    """

    def __init__(self, target: Target, connection_id: str, region: Region, retry: RetryPolicy | None = None) -> None:
        self._target, self._connection_id, self._region, self._retry = target, connection_id, region, retry
        self._client: SpApiClient | None = None

    def __call__(self, notification_type: str, subscription_id: str) -> None:
        if self._client is None:
            http = requests.Session()
            # A cache of its own: the process-wide one is for warm Lambdas, a CLI run asks once.
            tokens = GrantlessTokenProvider(lwa_client(self._target, http), AccessTokenCache())
            self._client = spapi_client(self._target, self._connection_id, self._region, tokens, http, self._retry)
        self._client.delete_subscription_by_id(notification_type, subscription_id)


def find_connection(target: Target, connection_id: str) -> tuple[Connection | None, Region]:
    """The connection (None when its stored item no longer validates) and its region; raises ConnectionNotFoundError."""
    try:
        connection = connections_repository(target).get_connection(connection_id)
    except InvalidStoredConnectionError:
        # The id is `<region>-<seller>` (shared/models/connection.py): the region survives a broken item.
        return None, Region(connection_id.partition("-")[0].upper())
    if connection is None:
        raise ConnectionNotFoundError(connection_id)
    return connection, connection.region


def run_disconnect(
    target: Target,
    connection_id: str,
    region: Region,
    progress: Callable[[str], None] = lambda _: None,
    retry: RetryPolicy | None = None,
) -> DisconnectResult:
    """Removes the connection's subscriptions at Amazon, then its token; see disconnect_connection."""
    return disconnect_connection(
        connections_repository(target),
        subscriptions_repository(target),
        AmazonSubscriptions(target, connection_id, region, retry),
        connection_id,
        on_progress=progress,
    )
