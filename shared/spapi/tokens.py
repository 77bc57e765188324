"""Access tokens for SP-API calls: a per-key cache that refreshes once under concurrency, and the providers."""

import hashlib
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Protocol

from pydantic import SecretStr

from shared.spapi.lwa import AccessToken, LwaClient

# Refresh this long before LWA's expiry, so a token never expires between the cache check and Amazon's check.
EARLY_EXPIRY_SECONDS = 300.0


class TokenProvider(Protocol):
    """Gives the access token of an SP-API call: the seller's (scope None) or a grantless one for a scope."""

    def access_token(self, scope: str | None = None) -> str:
        """The current access token."""
        ...

    def invalidate(self, scope: str | None = None) -> None:
        """Forgets the cached token (after Amazon refused it)."""
        ...


class AccessTokenCache:
    """Access tokens by key, dropped `early_expiry` seconds before they expire; thread-safe.

    A lock per key makes concurrent callers of one key wait for a single refresh, while other keys proceed.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, early_expiry: float = EARLY_EXPIRY_SECONDS):
        self._clock = clock
        self._early_expiry = early_expiry
        self._tokens: dict[str, AccessToken] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: str, fetch: Callable[[], AccessToken]) -> SecretStr:
        """The cached token of `key`, or the one `fetch` returns (called at most once at a time per key)."""
        token = self._valid(key)
        if token is not None:
            return token
        with self._lock_for(key):
            token = self._valid(key)
            if token is None:
                fresh = fetch()
                self._tokens[key] = fresh
                token = fresh.token
            return token

    def invalidate(self, key: str) -> None:
        """Drops the token of `key`."""
        self._tokens.pop(key, None)

    def _valid(self, key: str) -> SecretStr | None:
        token = self._tokens.get(key)
        if token is None or self._clock() >= token.expires_at - self._early_expiry:
            return None
        return token.token

    def _lock_for(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


@cache
def shared_token_cache() -> AccessTokenCache:
    """The container-wide token cache, built on first use and reused by warm starts."""
    return AccessTokenCache()


class LwaTokenProvider:
    """Tokens of one connection: its refresh token for seller calls, client credentials for grantless calls."""

    def __init__(
        self, lwa: LwaClient, connection_id: str, refresh_token: SecretStr, cache: AccessTokenCache | None = None
    ) -> None:
        self._lwa = lwa
        self._refresh_token = refresh_token
        self._cache = cache or shared_token_cache()
        # The refresh token's digest is part of the key: after a re-authorization the old token is not reused.
        digest = hashlib.sha256(refresh_token.get_secret_value().encode()).hexdigest()[:16]
        self._seller_key = f"seller#{connection_id}#{digest}"

    def access_token(self, scope: str | None = None) -> str:
        """The seller's access token, or the application's grantless token for `scope`.

        Raises:
            AuthorizationRevokedError, InvalidClientError, TransientAuthError: from the LWA refresh.
        """
        if scope is None:
            token = self._cache.get(self._seller_key, lambda: self._lwa.refresh_access_token(self._refresh_token))
        else:
            token = self._cache.get(self._grantless_key(scope), lambda: self._lwa.client_credentials_token(scope))
        return token.get_secret_value()

    def invalidate(self, scope: str | None = None) -> None:
        """Forgets the cached token so the next call refreshes it."""
        self._cache.invalidate(self._seller_key if scope is None else self._grantless_key(scope))

    def _grantless_key(self, scope: str) -> str:
        # Grantless tokens belong to the application, so every connection of the container shares them.
        return f"grantless#{self._lwa.credentials.client_id}#{scope}"


class GrantlessTokenProvider:
    """Application tokens only, for grantless calls made without a seller (deleteSubscriptionById on disconnect)."""

    def __init__(self, lwa: LwaClient, cache: AccessTokenCache | None = None) -> None:
        self._lwa = lwa
        self._cache = cache or shared_token_cache()

    def access_token(self, scope: str | None = None) -> str:
        """The application's grantless token for `scope`; there is no seller token (scope None raises ValueError)."""
        if scope is None:
            raise ValueError("a grantless token provider holds no seller token")
        return self._cache.get(self._key(scope), lambda: self._lwa.client_credentials_token(scope)).get_secret_value()

    def invalidate(self, scope: str | None = None) -> None:
        """Forgets the cached grantless token of `scope`."""
        if scope is not None:
            self._cache.invalidate(self._key(scope))

    def _key(self, scope: str) -> str:
        # The same key as LwaTokenProvider's grantless tokens: one application token per scope and container.
        return f"grantless#{self._lwa.credentials.client_id}#{scope}"
