"""LWA semantics on the sandbox state: authorization codes, refresh and access tokens, grantless tokens, revocation.

Token values are short, random and marked `sandbox` so nobody can mistake them for real credentials.
"""

import secrets
from dataclasses import dataclass
from typing import Any

from local.sandbox.entities import Seller
from local.sandbox.records import AccessToken, AuthCode, Authorization
from local.sandbox.state import SandboxState

CODE_LIFETIME_SECONDS = 300
ACCESS_TOKEN_SECONDS = 3600
GRANTLESS_SCOPES = frozenset(
    {
        "sellingpartnerapi::notifications",
        "sellingpartnerapi::client_credential:rotation",
        "sellingpartnerapi::migration",
    }
)
# Amazon's exact wording (REFERENCE.md 2.1); an expired, replayed or mismatched code all give the same answer.
INVALID_CODE = "The request has an invalid grant parameter : code"
INVALID_REFRESH = (
    "The request has an invalid grant parameter : refresh_token. User may have revoked or didn't grant the permission."
)


class LwaError(Exception):
    """An LWA error answer: HTTP status plus the OAuth error and description."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


@dataclass(frozen=True)
class Principal:
    """Who an access token speaks for: a seller in a region, or the application itself (grantless)."""

    seller_id: str | None
    region: str | None
    scope: str | None

    @property
    def grantless(self) -> bool:
        """True for client_credentials tokens."""
        return self.seller_id is None


def issue_code(state: SandboxState, seller: Seller, redirect_uri: str, now: float) -> str:
    """Creates the spapi_oauth_code a consent hands to the redirect URI."""
    code = f"sandbox-code-{secrets.token_hex(8)}"
    state.auth_codes[code] = AuthCode(code, seller.selling_partner_id, seller.region, redirect_uri, now)
    return code


def exchange_code(state: SandboxState, code: str, redirect_uri: str | None, now: float) -> dict[str, Any]:
    """authorization_code grant: a new authorization with its refresh token, plus a first access token."""
    record = state.auth_codes.get(code)
    if record is None or record.used or now - record.issued > CODE_LIFETIME_SECONDS:
        raise LwaError(400, "invalid_grant", INVALID_CODE)
    if redirect_uri is not None and redirect_uri != record.redirect_uri:
        raise LwaError(400, "invalid_grant", INVALID_CODE)
    # Spent even if the caller never reads the answer: LWA codes are single-use.
    record.used = True
    authorization = grant(state, record.selling_partner_id, record.region, now)
    return _token_body(state, authorization, now)


def grant(state: SandboxState, seller_id: str, region: str, now: float) -> Authorization:
    """Records a seller's authorization of the app and returns it (also the inspection shortcut)."""
    authorization = Authorization(
        authorization_id=secrets.token_hex(8),
        selling_partner_id=seller_id,
        region=region,
        refresh_token=f"Atzr|sandbox-{secrets.token_hex(8)}",
        created=now,
    )
    state.authorizations[authorization.authorization_id] = authorization
    return authorization


def refresh(state: SandboxState, refresh_token: str, now: float) -> dict[str, Any]:
    """refresh_token grant: a new access token; revoked or unknown tokens get invalid_grant."""
    authorization = _by_refresh_token(state, refresh_token)
    if authorization is None or authorization.revoked(now):
        raise LwaError(400, "invalid_grant", INVALID_REFRESH)
    return _token_body(state, authorization, now)


def client_credentials(state: SandboxState, scope: str, now: float) -> dict[str, Any]:
    """client_credentials grant for grantless operations."""
    scopes = set(scope.split())
    if not scopes or not scopes <= GRANTLESS_SCOPES:
        raise LwaError(400, "invalid_scope", "The request has an invalid parameter : scope")
    token = _new_access_token(state, now, scope=" ".join(sorted(scopes)))
    return {
        "access_token": token.token,
        "scope": token.scope,
        "token_type": "bearer",
        "expires_in": ACCESS_TOKEN_SECONDS,
    }


def resolve(state: SandboxState, token: str, now: float) -> Principal | None:
    """Who an x-amz-access-token speaks for; None when unknown, expired or revoked."""
    record = state.access_tokens.get(token)
    if record is None or record.expires <= now:
        return None
    if record.authorization_id is None:
        return Principal(None, None, record.scope)
    authorization = state.authorizations[record.authorization_id]
    if authorization.revoked(now):
        return None
    return Principal(authorization.selling_partner_id, authorization.region, None)


def revoke(state: SandboxState, seller_id: str, at: float) -> int:
    """Revokes (now or at a later sandbox time) every current authorization of a seller; returns how many."""
    count = 0
    for authorization in state.authorizations.values():
        if authorization.selling_partner_id == seller_id and authorization.revoked_at is None:
            authorization.revoked_at = at
            count += 1
    return count


def _by_refresh_token(state: SandboxState, refresh_token: str) -> Authorization | None:
    return next((a for a in state.authorizations.values() if a.refresh_token == refresh_token), None)


def _token_body(state: SandboxState, authorization: Authorization, now: float) -> dict[str, Any]:
    token = _new_access_token(state, now, authorization_id=authorization.authorization_id)
    return {
        "access_token": token.token,
        "refresh_token": authorization.refresh_token,
        "token_type": "bearer",
        "expires_in": ACCESS_TOKEN_SECONDS,
    }


def _new_access_token(
    state: SandboxState, now: float, authorization_id: str | None = None, scope: str | None = None
) -> AccessToken:
    token = AccessToken(f"Atza|sandbox-{secrets.token_hex(12)}", now + ACCESS_TOKEN_SECONDS, authorization_id, scope)
    state.access_tokens[token.token] = token
    return token
