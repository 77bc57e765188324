"""Builds the OAuth workflow's dependencies from the function's settings: boto3 clients, repositories, LWA, SP-API.

Called on the first request of a container (never at import). Secrets are read from Secrets Manager by each step
that needs them, uncached: the endpoints serve a few sellers a year, and a fixed LWA secret then works at once.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import requests
from pydantic import SecretStr

from shared import aws
from shared.clock import utc_now
from shared.oauth.amazon import OAuthConfig
from shared.oauth.flow import Connected, OAuthDeps
from shared.oauth.http import HttpContext
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import KmsEncryptor
from shared.repositories.oauth_states import OAuthStatesRepository
from shared.secrets import LwaApp, load_invite_key, load_lwa_app
from shared.settings import OAuthSettings
from shared.spapi.client import SpApiClient
from shared.spapi.lwa import LwaClient, TokenGrant
from shared.spapi.marketplaces import Region
from shared.spapi.ratelimit import InMemoryRateLimiter
from shared.spapi.transport import RetryPolicy

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

# A seller waits on the page: a few quick retries, then a clear "Amazon is not answering" page.
CALLBACK_RETRY = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=4.0, reserve_seconds=0.0, timeout=(5.0, 10.0))


class _FreshToken:
    """The TokenProvider of the calls made right after the code exchange: the access token it returned."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def access_token(self, scope: str | None = None) -> str:
        return self._token.get_secret_value()

    def invalidate(self, scope: str | None = None) -> None:
        """Nothing to forget: a refused fresh token is a refusal, not an expiry."""


def oauth_config(settings: OAuthSettings) -> OAuthConfig:
    """The workflow's configuration from the function's settings."""
    return OAuthConfig(
        redirect_uri=settings.oauth_redirect_uri,
        draft_app=settings.oauth_draft_app,
        seller_central_override=settings.seller_central_url,
    )


def http_context(settings: OAuthSettings) -> HttpContext:
    """Cookies are `Secure` whenever the API is served over HTTPS (always in the cloud)."""
    return HttpContext(secure_cookies=settings.api_url.startswith("https://"))


def build_deps(settings: OAuthSettings, session: boto3.session.Session | None = None) -> OAuthDeps:
    """Clients, repositories and the LWA and SP-API callers for the OAuth workflow."""
    make_client = session.client if session is not None else aws.client
    dynamodb = make_client("dynamodb")
    secrets: SecretsManagerClient = make_client("secretsmanager")
    http = requests.Session()
    encryptor = KmsEncryptor(settings.kms_key_arn, make_client("kms"))

    def exchange(app: LwaApp, code: SecretStr, redirect_uri: str) -> TokenGrant:
        return LwaClient(app.credentials, http, settings.lwa_token_url).exchange_authorization_code(code, redirect_uri)

    def seller_api(region: Region, selling_partner_id: str, access_token: SecretStr) -> SpApiClient:
        # One client for the callback's two calls, rate-limited by its token buckets (getMarketplaceParticipations
        # 0.016/s burst 15, getListingsItem 5/s burst 10: one call each per consent).
        limiter = InMemoryRateLimiter(time_scale=settings.spapi_time_scale)
        return SpApiClient(
            f"{region.value}-{selling_partner_id}".lower(),
            region,
            _FreshToken(access_token),
            limiter,
            http,
            endpoint_override=settings.spapi_endpoint_url,
            retry=CALLBACK_RETRY,
        )

    return OAuthDeps(
        states=OAuthStatesRepository(settings.oauth_states_table, dynamodb),
        connections=ConnectionsRepository(settings.connections_table, dynamodb, encryptor),
        invite_key=lambda: load_invite_key(secrets, settings.invite_key_secret_arn),
        lwa_app=lambda: load_lwa_app(secrets, settings.lwa_secret_arn),
        exchange_code=exchange,
        seller_api=seller_api,
        clock=utc_now,
    )


def connection_event(connected: Connected, bus_name: str) -> dict[str, Any]:
    """The `ConnectionAuthorized` PutEvents entry (source `sellersync.connections`, detail version 1; no secrets)."""
    connection = connected.stored.connection
    detail = {
        "version": 1,
        "connection_id": connection.connection_id,
        "selling_partner_id": connection.selling_partner_id,
        "region": connection.region.value,
        "marketplace_ids": list(connection.marketplace_ids),
        "reauthorized": connected.stored.reauthorized,
        "authorized_at": connection.authorized_at.isoformat(),
    }
    return {
        "Source": "sellersync.connections",
        "DetailType": "ConnectionAuthorized",
        "Detail": json.dumps(detail),
        "EventBusName": bus_name,
    }
