"""The `authorization` sync: refresh each ACTIVE connection's LWA token, hourly, to find revoked authorizations early.

Amazon sends no signal when a seller removes the app or the 365-day authorization lapses; the next token refresh
answers `invalid_grant` (REFERENCE.md 2.1). A refresh costs no SP-API quota, so this sync runs for every ACTIVE
connection whatever its `enabled_syncs` (`always_on`), and the runner turns `invalid_grant` into
NEEDS_REAUTHORIZATION. Each successful check counts the days left before re-authorization is due
(`DaysUntilReauthorization`, alarmed below 30 days) and the access token it obtained is dropped; with an `announce`
(shared/sync/reauthorization.py) it also sends the `ConnectionReauthorizationDue` event at 30, 14, 7 and 1 days.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from pydantic import SecretStr

from shared.clock import utc_now
from shared.models.connection import Connection, ConnectionStatus
from shared.sync.dependencies import ConnectionsPort, Counts, JobContext, SyncDefinition
from shared.sync.metrics import (
    CONNECTIONS_NEEDING_REAUTHORIZATION,
    DAYS_UNTIL_REAUTHORIZATION,
    MetricsSink,
    MetricUnit,
)

SYNC_TYPE = "authorization"
# A revoked authorization must be found even on a connection that syncs nothing else.
ALWAYS_ON = True
# Alarm threshold: re-authorization is due within this many days.
REAUTHORIZATION_WARNING_DAYS = 30
# Sends a connection's due notice (reauthorization.Announcer); returns the threshold announced, or None.
type Announce = Callable[[Connection, datetime], int | None]


class RefreshTokens(Protocol):
    """Hands out a connection's decrypted refresh token (ConnectionsRepository)."""

    def get_refresh_token(self, connection_id: str) -> SecretStr:
        """The token; raises NoRefreshTokenError when none is stored."""
        ...


def check_authorization(
    context: JobContext,
    *,
    tokens: RefreshTokens,
    refresh: Callable[[SecretStr], object],
    metrics: MetricsSink,
    clock: Callable[[], datetime] = utc_now,
    announce: Announce | None = None,
) -> Counts:
    """Refreshes the connection's access token; counts the days until re-authorization is due.

    Raises:
        AuthorizationRevokedError: LWA answered `invalid_grant` (the runner marks the connection).
        NoRefreshTokenError: the connection holds no token (likewise).
    """
    connection = context.connection
    refresh(tokens.get_refresh_token(connection.connection_id))
    now = clock()
    days = connection.days_until_reauthorization(now)
    metrics.add_metric(DAYS_UNTIL_REAUTHORIZATION, MetricUnit.Count, days)
    counts = {"days_until_reauthorization": days}
    # After the refresh: a revoked authorization raised above and is announced by its own status, not by this.
    announced = announce(connection, now) if announce is not None else None
    if announced is not None:
        counts["reauthorization_notice_days"] = announced
    return counts


def report_reauthorization_needed(connections: ConnectionsPort, metrics: MetricsSink) -> None:
    """After each dispatch: how many connections wait for re-authorization (0 included, so the alarm can clear)."""
    waiting = connections.list_connections(ConnectionStatus.NEEDS_REAUTHORIZATION)
    metrics.add_metric(CONNECTIONS_NEEDING_REAUTHORIZATION, MetricUnit.Count, len(waiting))


def authorization_sync(
    *,
    connections: ConnectionsPort,
    tokens: RefreshTokens,
    refresh: Callable[[SecretStr], object],
    metrics: MetricsSink,
    clock: Callable[[], datetime] = utc_now,
    announce: Announce | None = None,
) -> SyncDefinition:
    """The sync type's definition, wired to its dependencies."""

    def run(context: JobContext) -> Counts:
        return check_authorization(
            context, tokens=tokens, refresh=refresh, metrics=metrics, clock=clock, announce=announce
        )

    return SyncDefinition(
        name=SYNC_TYPE,
        run=run,
        always_on=ALWAYS_ON,
        after_dispatch=lambda: report_reauthorization_needed(connections, metrics),
    )
