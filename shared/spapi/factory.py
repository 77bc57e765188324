"""SP-API clients for connections, as the sync and notification functions build them.

A client takes the connection's refresh token (decrypted by the repository with KMS), the container's LWA client and
token cache, and the rate limiter shared by every Lambda through DynamoDB. Decrypted refresh tokens are kept in the
container for `token_ttl` seconds, keyed by the connection's authorization time, so a busy notification consumer
does not call KMS for every message and a re-authorized connection's new token is used at once.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

import requests
from pydantic import SecretStr

from shared import aws
from shared.clock import scaled_monotonic
from shared.models.connection import Connection
from shared.secrets import load_lwa_app
from shared.spapi.client import SpApiClient
from shared.spapi.lwa import LwaClient, LwaCredentials
from shared.spapi.ratelimit import RateLimiter
from shared.spapi.ratelimit_dynamodb import shared_rate_limiter
from shared.spapi.tokens import AccessTokenCache, LwaTokenProvider, shared_token_cache

TOKEN_TTL_SECONDS = 300.0


class ClientSettings(Protocol):
    """The function settings a connection's client is built from (OrdersSyncSettings, NotificationsSettings)."""

    @property
    def lwa_secret_arn(self) -> str: ...
    @property
    def lwa_token_url(self) -> str | None: ...
    @property
    def rate_limits_table(self) -> str: ...
    @property
    def spapi_time_scale(self) -> float: ...
    @property
    def spapi_endpoint_url(self) -> str | None: ...


class RefreshTokens(Protocol):
    """Hands out a connection's decrypted refresh token (ConnectionsRepository)."""

    def get_refresh_token(self, connection_id: str) -> SecretStr:
        """The token; raises NoRefreshTokenError when none is stored."""
        ...


@dataclass
class ConnectionClients:
    """Builds the SpApiClient of a connection (see the module doc)."""

    lwa: Callable[[], LwaClient]
    tokens: RefreshTokens
    limiter: RateLimiter
    session: requests.Session = field(default_factory=requests.Session)
    endpoint_override: str | None = None
    token_ttl: float = TOKEN_TTL_SECONDS
    clock: Callable[[], float] = time.monotonic
    # Access tokens by connection; against the time-scaled sandbox its clock runs in sandbox seconds.
    token_cache: AccessTokenCache = field(default_factory=shared_token_cache)
    _cached: dict[str, tuple[float, SecretStr]] = field(default_factory=dict)

    def client_for(self, connection: Connection, remaining_time_ms: Callable[[], int] | None = None) -> SpApiClient:
        """The connection's client, bounded by the invocation's remaining time."""
        cid = connection.connection_id
        provider = LwaTokenProvider(self.lwa(), cid, self._refresh_token(connection), self.token_cache)
        return SpApiClient(
            cid,
            connection.region,
            provider,
            self.limiter,
            self.session,
            endpoint_override=self.endpoint_override,
            remaining_time_ms=remaining_time_ms,
        )

    def forget(self, connection_id: str) -> None:
        """Drops the cached refresh tokens of a connection."""
        for key in [k for k in self._cached if k.startswith(f"{connection_id}#")]:
            del self._cached[key]

    def _refresh_token(self, connection: Connection) -> SecretStr:
        # Keyed by the authorization too: a re-authorized connection's new token is read at once.
        key = f"{connection.connection_id}#{connection.authorized_at.isoformat()}"
        cached = self._cached.get(key)
        now = self.clock()
        if cached is not None and cached[0] > now:
            return cached[1]
        token = self.tokens.get_refresh_token(connection.connection_id)
        self._cached[key] = (now + self.token_ttl, token)
        return token


def connection_clients(settings: ClientSettings, tokens: RefreshTokens, session: requests.Session) -> ConnectionClients:
    """The clients of a function that calls SP-API for connections: the LWA app secret read on first use, the
    rate limiter shared through DynamoDB, tokens cached on (possibly scaled) time."""

    def credentials() -> LwaCredentials:
        return load_lwa_app(aws.client("secretsmanager"), settings.lwa_secret_arn).credentials

    @cache
    def lwa() -> LwaClient:
        # `reload`: after a client secret rotation, a warm container whose secret LWA refuses reads the new one.
        return LwaClient(credentials(), session, settings.lwa_token_url, reload=credentials)

    return ConnectionClients(
        lwa=lwa,
        tokens=tokens,
        limiter=shared_rate_limiter(settings.rate_limits_table, settings.spapi_time_scale),
        session=session,
        endpoint_override=settings.spapi_endpoint_url,
        token_cache=AccessTokenCache(clock=scaled_monotonic(settings.spapi_time_scale)),
    )


def lazy_connection_clients(
    settings: ClientSettings, tokens: RefreshTokens, session: requests.Session
) -> Callable[[], ConnectionClients]:
    """`connection_clients`, built on first call and kept: a function that refuses a message before any Amazon call
    never reads the LWA secret or builds the rate limiter."""
    built: list[ConnectionClients] = []

    def clients() -> ConnectionClients:
        if not built:
            built.append(connection_clients(settings, tokens, session))
        return built[0]

    return clients
