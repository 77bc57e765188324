"""Login with Amazon: the refresh-token, authorization-code and client-credentials grants.

Secrets travel as pydantic `SecretStr` (their repr is masked) and never enter log lines or exception messages.

Client secret rotation (docs/operations.md, "Client secret rotation"): after a rotation the credentials carry the
previous secret until its expiry. A grant LWA refuses with `invalid_client` is sent again with the previous secret
while it is still valid (Amazon's new secret may take a while to be accepted everywhere), and a client built with
`reload` re-reads the credentials once when every secret it knows was refused (a warm container that loaded the old
secret before a rotation keeps working after the old one expired).
"""

import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import requests
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from shared.spapi.errors import (
    AuthorizationRevokedError,
    InvalidAuthorizationCodeError,
    InvalidClientError,
    LwaError,
    LwaRequestError,
    TransientAuthError,
)
from shared.spapi.marketplaces import LWA_TOKEN_URL

logger = logging.getLogger(__name__)

NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"
# rotateApplicationClientSecret's grantless scope (REFERENCE.md 2.1; LISTINGS-SHIPMENTS-CANCELLATIONS.md part D).
ROTATION_SCOPE = "sellingpartnerapi::client_credential:rotation"
_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded;charset=UTF-8"


class Grant(StrEnum):
    """The LWA grant types we use."""

    REFRESH_TOKEN = "refresh_token"
    AUTHORIZATION_CODE = "authorization_code"
    CLIENT_CREDENTIALS = "client_credentials"


class LwaCredentials(BaseModel):
    """The application's LWA client id and secret (the secrets are masked in repr and str); after a rotation, the
    previous secret and when Amazon stops accepting it."""

    model_config = ConfigDict(frozen=True)

    client_id: str
    client_secret: SecretStr
    previous_client_secret: SecretStr | None = None
    previous_expires_at: datetime | None = None

    def fallback_secret(self, now: datetime) -> SecretStr | None:
        """The previous secret while it is still valid at `now` (None without one, or once it expired)."""
        if self.previous_client_secret is None or self.previous_client_secret == self.client_secret:
            return None
        if self.previous_expires_at is not None and now >= self.previous_expires_at:
            return None
        return self.previous_client_secret


class AccessToken(BaseModel):
    """An LWA access token and when it expires, on the client's (monotonic) clock."""

    model_config = ConfigDict(frozen=True)

    token: SecretStr
    expires_at: float


class TokenGrant(BaseModel):
    """What the authorization-code exchange returns: the seller's refresh token and a first access token."""

    model_config = ConfigDict(frozen=True)

    access_token: AccessToken
    refresh_token: SecretStr


class _TokenResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")

    access_token: SecretStr
    expires_in: int
    refresh_token: SecretStr | None = None


class LwaClient:
    """Calls the LWA token endpoint; 5xx, 429 and connection errors are retried with backoff before giving up."""

    def __init__(
        self,
        credentials: LwaCredentials,
        session: requests.Session,
        token_url: str | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 3,
        base_delay: float = 0.5,
        timeout: float = 10.0,
        jitter: Callable[[float, float], float] = random.uniform,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        reload: Callable[[], LwaCredentials] | None = None,
    ) -> None:
        self.credentials = credentials
        self._now = now
        self._reload = reload
        self._session = session
        self._token_url = token_url or LWA_TOKEN_URL
        self._clock = clock
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._timeout = timeout
        self._jitter = jitter

    def refresh_access_token(self, refresh_token: SecretStr) -> AccessToken:
        """A fresh access token for a seller.

        Raises:
            AuthorizationRevokedError: `invalid_grant`, the seller must authorize again.
            InvalidClientError: our client id/secret is wrong or expired.
            TransientAuthError: LWA failed or was unreachable on every attempt.
        """
        form = {"grant_type": Grant.REFRESH_TOKEN.value, "refresh_token": refresh_token.get_secret_value()}
        return self._access_token(self._post(Grant.REFRESH_TOKEN, form))

    def exchange_authorization_code(self, code: SecretStr, redirect_uri: str) -> TokenGrant:
        """Exchanges the `spapi_oauth_code` of the OAuth callback (valid 5 minutes, single use) for tokens.

        Raises:
            InvalidAuthorizationCodeError: the code expired, was used, or the redirect_uri differs; never retry it.
            InvalidClientError, TransientAuthError: as for refresh_access_token.
        """
        form = {
            "grant_type": Grant.AUTHORIZATION_CODE.value,
            "code": code.get_secret_value(),
            "redirect_uri": redirect_uri,
        }
        response = self._post(Grant.AUTHORIZATION_CODE, form)
        if response.refresh_token is None:
            raise LwaRequestError("LWA authorization_code grant returned no refresh token", status=200)
        return TokenGrant(access_token=self._access_token(response), refresh_token=response.refresh_token)

    def client_credentials_token(self, scope: str = NOTIFICATIONS_SCOPE) -> AccessToken:
        """A grantless (application) access token for a scope such as `sellingpartnerapi::notifications`."""
        form = {"grant_type": Grant.CLIENT_CREDENTIALS.value, "scope": scope}
        return self._access_token(self._post(Grant.CLIENT_CREDENTIALS, form))

    def _access_token(self, response: _TokenResponse) -> AccessToken:
        return AccessToken(token=response.access_token, expires_at=self._clock() + response.expires_in)

    def _post(self, grant: Grant, form: dict[str, str]) -> _TokenResponse:
        """The grant with the current secret; on invalid_client the previous one, then re-read credentials."""
        try:
            return self._post_with(grant, form, self.credentials.client_secret)
        except InvalidClientError:
            fallback = self.credentials.fallback_secret(self._now())
            if fallback is not None:
                logger.warning(
                    "LWA refused the current client secret, trying the previous one", extra={"grant": grant.value}
                )
                try:
                    return self._post_with(grant, form, fallback)
                except InvalidClientError:
                    pass
            if self._reload is None or grant is Grant.AUTHORIZATION_CODE:
                # An authorization code is single-use: after two refusals it is not sent a third time.
                raise
            fresh = self._reload()
            if fresh.client_secret == self.credentials.client_secret:
                raise
            logger.warning(
                "LWA refused every known client secret, retrying with re-read ones", extra={"grant": grant.value}
            )
            self.credentials = fresh
            return self._post_with(grant, form, fresh.client_secret)

    def _post_with(self, grant: Grant, form: dict[str, str], client_secret: SecretStr) -> _TokenResponse:
        form = form | {"client_id": self.credentials.client_id, "client_secret": client_secret.get_secret_value()}
        secrets = [v for k, v in form.items() if k in ("client_secret", "refresh_token", "code")]
        attempt = 1
        while True:
            try:
                return self._post_once(grant, form, secrets)
            except TransientAuthError:
                if attempt >= self._max_attempts:
                    raise
            logger.warning("LWA token call failed, retrying", extra={"grant": grant.value, "attempt": attempt})
            self._sleep(self._jitter(0.0, self._base_delay * 2 ** (attempt - 1)))
            attempt += 1

    def _post_once(self, grant: Grant, form: dict[str, str], secrets: list[str]) -> _TokenResponse:
        try:
            response = self._session.post(
                self._token_url, data=form, headers={"content-type": _FORM_CONTENT_TYPE}, timeout=self._timeout
            )
        except requests.RequestException:
            # Raised without the cause's text, which could echo the request.
            raise TransientAuthError(f"LWA {grant.value} grant: no answer from the token endpoint") from None
        if response.status_code != 200:
            raise lwa_error(grant, response.status_code, _json_or_empty(response), secrets)
        try:
            return _TokenResponse.model_validate(response.json())
        except (ValueError, ValidationError):
            raise LwaRequestError(f"LWA {grant.value} grant: unreadable token response", status=200) from None


def lwa_error(grant: Grant, status: int, body: dict[str, Any], secrets: list[str] | None = None) -> LwaError:
    """Maps an LWA error answer to the exception the caller acts on (by LWA's error code, never by its text)."""
    error = str(body.get("error", ""))
    description = str(body.get("error_description", ""))
    if any(s and s in description for s in secrets or []):
        description = "(redacted)"
    message = f"LWA {grant.value} grant refused: HTTP {status} {error or 'no error code'}"
    if description:
        message += f": {description[:200]}"
    kind: type[LwaError]
    if status >= 500 or status == 429:
        kind = TransientAuthError
    elif error == "invalid_client":
        kind = InvalidClientError
    elif error == "invalid_grant" and grant is Grant.REFRESH_TOKEN:
        kind = AuthorizationRevokedError
    elif error == "invalid_grant" and grant is Grant.AUTHORIZATION_CODE:
        kind = InvalidAuthorizationCodeError
    else:
        kind = LwaRequestError
    return kind(message, status=status, error=error)


def _json_or_empty(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
