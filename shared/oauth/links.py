"""Connect links: what `sellersync connect-link` makes, an invite recorded in the oauth_states table and signed."""

from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode

from shared.clock import utc_now
from shared.models.oauth import Invite
from shared.oauth.invites import sign_invite
from shared.repositories.oauth_states import OAuthStatesRepository
from shared.spapi.marketplaces import Region

DEFAULT_LINK_LIFETIME = timedelta(days=7)
MAX_LINK_LIFETIME = timedelta(days=30)
CONNECT_PATH = "/connect"


def create_connect_link(
    states: OAuthStatesRepository,
    key: bytes,
    api_url: str,
    *,
    region: Region,
    name: str | None = None,
    country: str | None = None,
    lifetime: timedelta = DEFAULT_LINK_LIFETIME,
    clock: Callable[[], datetime] = utc_now,
    reauthorize: str | None = None,
) -> tuple[str, Invite]:
    """Records a new single-use invite and returns its link `<api>/connect?invite=<signed token>` and the invite.

    Without `reauthorize` the link creates a new connection only; with a connection id it renews that connection
    only, for its own seller. Raises ValueError for a lifetime outside (0, 30 days], a country outside the region
    or a connection of another region.
    """
    if not timedelta(0) < lifetime <= MAX_LINK_LIFETIME:
        raise ValueError(f"a connect link lives between 1 second and {MAX_LINK_LIFETIME.days} days")
    invite = Invite(region=region, name=name, country=country, connection_id=reauthorize, expires_at=clock() + lifetime)
    states.record_invite(invite)
    url = f"{api_url.rstrip('/')}{CONNECT_PATH}?{urlencode({'invite': sign_invite(invite, key)})}"
    return url, invite
