"""`sellersync connections add`: a private (self-authorized) app's seller, from the refresh token Seller Central shows.

The token is proved before anything is stored: LWA must refresh it, and getMarketplaceParticipations must answer with
it in the given region. Then it is stored exactly as the OAuth callback stores an authorization (a known seller and
region is re-authorized and keeps its settings), and the same ConnectionAuthorized event is published.
"""

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

import requests
import typer
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr, TypeAdapter, ValidationError

from cli.errors import CliError, UsageError
from cli.target import Target, TargetError
from cli.wiring import connections_repository, lwa_client, spapi_client
from infra.outputs import Output
from shared.models.connection import SellingPartnerId, connection_id_for
from shared.models.oauth import ConnectionName
from shared.oauth.authorization import StoredAuthorization, participating_marketplaces, store_authorization
from shared.oauth.flow import Connected
from shared.runtime.oauth import connection_event
from shared.spapi.client import SpApiClient
from shared.spapi.errors import AuthorizationRevokedError, InvalidClientError, UnauthorizedError
from shared.spapi.marketplaces import Marketplace, Region
from shared.spapi.tokens import AccessTokenCache, LwaTokenProvider

# ConnectionAuthorized events of the OAuth callback name the invite the seller came through; these came through none.
PRIVATE_APP_INVITE = "private-app"


@dataclass(frozen=True)
class AddedConnection:
    """The stored connection, and a warning when its event could not be published."""

    stored: StoredAuthorization
    event_warning: str | None = None


def read_refresh_token(from_stdin: bool, stdin: TextIO | None = None) -> SecretStr:
    """The refresh token from stdin (a hidden prompt on a terminal); never from an argument, which shells record."""
    if not from_stdin:
        raise UsageError("give the refresh token on stdin with --refresh-token-stdin (never as an argument)")
    stream = stdin or sys.stdin
    text = typer.prompt("Refresh token", hide_input=True, err=True) if stream.isatty() else stream.read()
    token = text.strip()
    if not token:
        raise UsageError("no refresh token on stdin")
    if any(char.isspace() for char in token):
        raise UsageError("stdin holds more than one word: give exactly the refresh token")
    return SecretStr(token)


def add_private_connection(
    target: Target,
    seller_id: str,
    region: Region,
    name: str | None,
    token: SecretStr,
    progress: Callable[[str], None] = lambda _: None,
) -> AddedConnection:
    """Proves the token at Amazon, reads the seller's marketplaces and stores the connection."""
    seller = _checked(SellingPartnerId, seller_id.strip().upper(), "--seller-id: Amazon's selling partner id, A-Z 0-9")
    checked_name = None if name is None else _checked(ConnectionName, name, "--name: 1 to 200 characters")
    http = requests.Session()
    connection_id = connection_id_for(seller, region)
    tokens = LwaTokenProvider(lwa_client(target, http), connection_id, token, AccessTokenCache())
    progress("Checking the refresh token at LWA")
    _check_token(tokens)
    progress("Reading the seller's marketplaces (getMarketplaceParticipations)")
    marketplaces = _marketplaces(spapi_client(target, connection_id, region, tokens, http), region)
    progress("Storing the connection")
    stored = store_authorization(
        connections_repository(target),
        selling_partner_id=seller,
        region=region,
        refresh_token=token,
        marketplaces=marketplaces,
        name=checked_name,
        clock=lambda: datetime.now(UTC),
    )
    return AddedConnection(stored, _publish(target, stored))


def _checked(kind: Any, value: str, rule: str) -> str:
    try:
        return str(TypeAdapter(kind).validate_python(value))
    except ValidationError:
        raise UsageError(rule) from None


def _check_token(tokens: LwaTokenProvider) -> None:
    try:
        tokens.access_token()
    except AuthorizationRevokedError as exc:
        raise UsageError(
            f"LWA refused the refresh token ({exc.error or 'invalid_grant'}): it is revoked, expired, mistyped or "
            "issued to another app. Authorize the app again in Seller Central and pass the new token"
        ) from None
    except InvalidClientError as exc:
        raise CliError(f"LWA refused the app credentials of the stack's LWA secret: {exc}") from None


def _marketplaces(client: SpApiClient, region: Region) -> list[Marketplace]:
    try:
        response = client.get_marketplace_participations()
    except UnauthorizedError as exc:
        raise UsageError(f"Amazon refused the seller's token in region {region}: is --region right? ({exc})") from None
    marketplaces = participating_marketplaces(region, response)
    if not marketplaces:
        raise UsageError(f"the seller takes part in no marketplace of region {region}: is --region right?")
    return marketplaces


def _publish(target: Target, stored: StoredAuthorization) -> str | None:
    """Publishes ConnectionAuthorized; a failure is a warning: the connection is stored, the event is a notice."""
    try:
        entry = connection_event(Connected(stored, PRIVATE_APP_INVITE), target.output(Output.EVENT_BUS_NAME))
        failed = target.client("events").put_events(Entries=[entry]).get("FailedEntryCount", 0)
    except (TargetError, ClientError, BotoCoreError) as exc:
        return f"the connection is stored, but its ConnectionAuthorized event was not published: {exc}"
    return "the connection is stored, but EventBridge refused its ConnectionAuthorized event" if failed else None
