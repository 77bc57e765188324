"""Helpers for the OAuth tests: a connect link from the running local stack, and a seller clicking through consent."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from infra.config import Table
from infra.outputs import Output, table_output_key
from local.amazon import LocalWorld
from shared.oauth.links import create_connect_link
from shared.repositories import ConnectionsRepository, KmsEncryptor, OAuthStatesRepository
from shared.secrets import load_invite_key
from shared.spapi.marketplaces import Region

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def states(world: LocalWorld) -> OAuthStatesRepository:
    """The stack's oauth_states table."""
    outputs = world.stack.deployed.outputs
    return OAuthStatesRepository(
        outputs[table_output_key(Table.OAUTH_STATES)], world.stack.deployed.aws.client("dynamodb")
    )


def connections(world: LocalWorld) -> ConnectionsRepository:
    """The stack's connections table (with its KMS key)."""
    aws, outputs = world.stack.deployed.aws, world.stack.deployed.outputs
    encryptor = KmsEncryptor(outputs[Output.KMS_KEY_ARN], aws.client("kms"))
    return ConnectionsRepository(outputs[table_output_key(Table.CONNECTIONS)], aws.client("dynamodb"), encryptor)


def connect_link(
    world: LocalWorld,
    region: Region = Region.EU,
    name: str | None = None,
    lifetime: timedelta = timedelta(days=1),
    clock: datetime | None = None,
    reauthorize: str | None = None,
) -> str:
    """A fresh connect link (with a connection id: a re-authorization link), as `sellersync connect-link` makes it."""
    aws, outputs = world.stack.deployed.aws, world.stack.deployed.outputs
    key = load_invite_key(aws.client("secretsmanager"), outputs[Output.INVITE_KEY_SECRET_ARN])
    now = clock or datetime.now(UTC)
    url, _ = create_connect_link(
        states(world),
        key,
        world.api_url,
        region=region,
        name=name,
        lifetime=lifetime,
        clock=lambda: now,
        reauthorize=reauthorize,
    )
    return url


@dataclass
class Consent:
    """A seller's browser part-way through consent."""

    session: requests.Session
    consent_page: requests.Response

    def decide(self, decision: str = "authorize") -> requests.Response:
        """Clicks Authorize or Cancel; returns Amazon's redirect (not followed)."""
        fields = {name: unescape(value) for name, value in _HIDDEN.findall(self.consent_page.text)}
        fields["decision"] = decision
        return self.session.post(self.consent_page.url, data=fields, allow_redirects=False, timeout=30)

    def follow(self, response: requests.Response) -> requests.Response:
        """Follows redirects with the browser's cookies until a page answers."""
        while response.status_code in (301, 302, 303):
            response = self.session.get(response.headers["Location"], allow_redirects=False, timeout=60)
        return response


def open_link(link: str) -> Consent:
    """Opens a connect link in a fresh browser and lands on the consent page."""
    session = requests.Session()
    redirect = session.get(link, allow_redirects=False, timeout=30)
    assert redirect.status_code == 302, redirect.text[:500]
    page = session.get(redirect.headers["Location"], timeout=30)
    assert page.status_code == 200, page.text[:500]
    return Consent(session, page)


def authorize(link: str, decision: str = "authorize") -> requests.Response:
    """The whole round trip: open the link, decide, follow Amazon back to our page."""
    consent = open_link(link)
    return consent.follow(consent.decide(decision))


def with_query(url: str, **changes: str) -> str:
    """The URL with some query parameters replaced (what a user can do in the address bar)."""
    base = url.split("?", 1)[0]
    return f"{base}?{urlencode({**query_of(url), **changes})}"


def query_of(url: str) -> dict[str, str]:
    """A URL's query parameters."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
