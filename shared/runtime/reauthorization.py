"""Wiring of the re-authorization notices: the connect link an event carries, and the Announcer of the sync.

The link is exactly what `sellersync connect-link --reauthorize ID` makes (shared/oauth/links.py): a signed,
single-use invite recorded in the oauth_states table that renews only that connection. It lives LINK_LIFETIME (the
longest a connect link may, 30 days), so the link of the 30-day notice still works until the authorization lapses and
an administrator has time to forward any of them; each notice has its own link. The signing key is read when the
first link is made and never leaves the function (the event carries the signed token only).
"""

from collections.abc import Callable
from datetime import datetime
from functools import cache

from shared import aws
from shared.bus import EventBusPublisher
from shared.clock import utc_now
from shared.models.connection import Connection
from shared.oauth.links import MAX_LINK_LIFETIME, create_connect_link
from shared.repositories.oauth_states import OAuthStatesRepository
from shared.repositories.reauthorization_notices import ReauthorizationNotices
from shared.secrets import load_invite_key
from shared.settings import AuthorizationSyncSettings
from shared.sync.reauthorization import Announcer, ConnectLink

LINK_LIFETIME = MAX_LINK_LIFETIME


def link_maker(
    states: OAuthStatesRepository,
    key: Callable[[], bytes],
    api_url: str,
    *,
    clock: Callable[[], datetime] = utc_now,
) -> Callable[[Connection], ConnectLink]:
    """Makes a connection's re-authorization link, as `sellersync connect-link --reauthorize ID` does."""

    def make(connection: Connection) -> ConnectLink:
        url, invite = create_connect_link(
            states,
            key(),
            api_url,
            region=connection.region,
            lifetime=LINK_LIFETIME,
            clock=clock,
            reauthorize=connection.connection_id,
        )
        return ConnectLink(url=url, invite_id=invite.invite_id, expires_at=invite.expires_at)

    return make


def build_announcer(settings: AuthorizationSyncSettings) -> Announcer | None:
    """The sync's Announcer, or None when the settings name no invites table, signing key or API URL."""
    if settings.oauth_states_table is None or settings.invite_key_secret_arn is None or settings.api_url is None:
        return None
    dynamodb = aws.client("dynamodb")
    arn = settings.invite_key_secret_arn

    @cache
    def key() -> bytes:
        return load_invite_key(aws.client("secretsmanager"), arn)

    states = OAuthStatesRepository(settings.oauth_states_table, dynamodb)
    return Announcer(
        ledger=ReauthorizationNotices(settings.connections_table, dynamodb),
        make_link=link_maker(states, key, settings.api_url),
        publish=EventBusPublisher(aws.client("events")).publish,
        bus_name=settings.event_bus_name,
    )
