"""Issue 14, item 1: taking over another seller's connection through the OAuth flow, end to end, must fail.

The attack: a connect-link holder consents as seller B (their own account) and rewrites `selling_partner_id` to seller
A's id at /oauth/login and /oauth/callback (or skips the Log-in hop). Before the fix this "re-authorized" A's
connection with B's token. Every variant must now answer a refusal page with a fitting status and store nothing:
A's connection keeps its token, name, marketplaces and status, and B gets no connection.
"""

from collections.abc import Iterator
from html import unescape

import pytest
import requests

from local.amazon import LocalWorld
from local.sandbox.inspector import SandboxInspector
from shared.models.connection import Connection, connection_id_for
from shared.oauth.outcomes import OUTCOMES, Outcome
from shared.spapi.marketplaces import Region
from tests.integration.oauth.world import (
    authorize,
    connect_link,
    connections,
    open_link,
    query_of,
    states,
    with_query,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(local_world: LocalWorld) -> LocalWorld:
    """The shared local stack and sandbox; each test uses fresh sellers."""
    return local_world


@pytest.fixture
def inspector(world: LocalWorld) -> Iterator[SandboxInspector]:
    sandbox = SandboxInspector(world.sandbox.url)
    yield sandbox
    sandbox.sign_in(None)
    world.config.login_uri = None


def _title(page: requests.Response) -> str:
    start = page.text.index('id="title">') + len('id="title">')
    return unescape(page.text[start : page.text.index("</h1>", start)])


def _assert_refused(page: requests.Response, outcome: Outcome) -> None:
    info = OUTCOMES[outcome]
    assert (page.status_code, _title(page)) == (info.status, info.title), page.text[:800]


class Victim:
    """Seller A, connected through a link; what is stored for A must not change."""

    def __init__(self, world: LocalWorld, inspector: SandboxInspector) -> None:
        self.seller = inspector.new_seller("EU", like=0).selling_partner_id
        inspector.sign_in(self.seller)
        assert authorize(connect_link(world, Region.EU, name="A's shop")).status_code == 200
        self.connection_id = connection_id_for(self.seller, Region.EU)
        self._repo = connections(world)
        self.before = self._snapshot()

    def _snapshot(self) -> tuple[Connection | None, str]:
        return self._repo.get_connection(self.connection_id), self._repo.get_refresh_token(
            self.connection_id
        ).get_secret_value()

    def assert_untouched(self) -> None:
        assert self._snapshot() == self.before


def _attacker(world: LocalWorld, inspector: SandboxInspector) -> str:
    """Seller B, signed in at the consent page, with no connection of their own."""
    seller = inspector.new_seller("EU", like=1).selling_partner_id
    inspector.sign_in(seller)
    return seller


def _assert_nothing_for(world: LocalWorld, seller: str) -> None:
    assert connections(world).get_connection(connection_id_for(seller, Region.EU)) is None


def test_rewriting_the_seller_at_the_callback_without_a_login_hop_is_refused(
    world: LocalWorld, inspector: SandboxInspector
) -> None:
    # Given A connected, and B consenting through a fresh link (the Log-in hop skipped: Amazon goes straight back)
    victim = Victim(world, inspector)
    attacker = _attacker(world, inspector)
    link = connect_link(world, Region.EU, name="Renamed by B")
    consent = open_link(link)
    to_callback = consent.decide()
    assert query_of(to_callback.headers["Location"])["selling_partner_id"] == attacker

    # When B rewrites selling_partner_id to A's id in the callback URL
    forged = consent.session.get(
        with_query(to_callback.headers["Location"], selling_partner_id=victim.seller), timeout=60
    )

    # Then Amazon does not confirm B's token for A's id: refused, nothing stored, the link still usable
    _assert_refused(forged, Outcome.SELLER_NOT_PROVEN)
    victim.assert_untouched()
    _assert_nothing_for(world, attacker)
    states(world).check_invite(_invite_id(link))


def test_naming_a_seller_who_is_not_connected_yet_creates_nothing(
    world: LocalWorld, inspector: SandboxInspector
) -> None:
    # Given seller C, not connected (yet), and B consenting: B's token must not become "C's connection"
    squatted = inspector.new_seller("EU", like=0).selling_partner_id
    attacker = _attacker(world, inspector)
    consent = open_link(connect_link(world, Region.EU))
    to_callback = consent.decide()

    forged = consent.session.get(with_query(to_callback.headers["Location"], selling_partner_id=squatted), timeout=60)

    _assert_refused(forged, Outcome.SELLER_NOT_PROVEN)
    _assert_nothing_for(world, squatted)
    _assert_nothing_for(world, attacker)


def test_skipping_our_login_hop_and_rewriting_the_callback_is_refused(
    world: LocalWorld, inspector: SandboxInspector
) -> None:
    # Given the Log-in hop on, A connected and B consenting
    victim = Victim(world, inspector)
    attacker = _attacker(world, inspector)
    world.config.login_uri = f"{world.api_url}/oauth/login"
    consent = open_link(connect_link(world, Region.EU))
    hop = query_of(consent.decide().headers["Location"])
    ours = query_of(consent.consent_page.url)  # the consent URI carries our state, redirect_uri and version

    # When B goes straight back to Amazon's callback URI (our /oauth/login never binds a seller)...
    back = {k: ours[k] for k in ("state", "redirect_uri", "version")} | {"amazon_state": hop["amazon_state"]}
    to_callback = consent.session.get(hop["amazon_callback_uri"], params=back, allow_redirects=False, timeout=30)
    assert query_of(to_callback.headers["Location"])["selling_partner_id"] == attacker
    # ...and names A at the callback
    forged = consent.session.get(
        with_query(to_callback.headers["Location"], selling_partner_id=victim.seller), timeout=60
    )

    _assert_refused(forged, Outcome.SELLER_NOT_PROVEN)
    victim.assert_untouched()
    _assert_nothing_for(world, attacker)


def test_rewriting_the_seller_at_both_hops_is_refused(world: LocalWorld, inspector: SandboxInspector) -> None:
    # Given A connected, the Log-in hop on, and B consenting
    victim = Victim(world, inspector)
    attacker = _attacker(world, inspector)
    world.config.login_uri = f"{world.api_url}/oauth/login"
    consent = open_link(connect_link(world, Region.EU))
    to_login = consent.decide()
    assert query_of(to_login.headers["Location"])["selling_partner_id"] == attacker

    # When B names A at /oauth/login (bound to the state) and again at /oauth/callback
    to_amazon = consent.session.get(
        with_query(to_login.headers["Location"], selling_partner_id=victim.seller), allow_redirects=False, timeout=30
    )
    assert to_amazon.status_code == 302, to_amazon.text[:500]
    to_callback = consent.session.get(to_amazon.headers["Location"], allow_redirects=False, timeout=30)
    forged = consent.session.get(
        with_query(to_callback.headers["Location"], selling_partner_id=victim.seller), timeout=60
    )

    # Then the ids agree with each other but not with the token: refused, nothing stored
    _assert_refused(forged, Outcome.SELLER_NOT_PROVEN)
    victim.assert_untouched()
    _assert_nothing_for(world, attacker)


@pytest.mark.parametrize("rewritten_at", ["login", "callback"])
def test_rewriting_the_seller_at_one_hop_only_is_a_mismatch(
    world: LocalWorld, inspector: SandboxInspector, rewritten_at: str
) -> None:
    victim = Victim(world, inspector)
    attacker = _attacker(world, inspector)
    world.config.login_uri = f"{world.api_url}/oauth/login"
    consent = open_link(connect_link(world, Region.EU))
    login_url = consent.decide().headers["Location"]
    if rewritten_at == "login":
        login_url = with_query(login_url, selling_partner_id=victim.seller)
    to_amazon = consent.session.get(login_url, allow_redirects=False, timeout=30)
    callback = consent.session.get(to_amazon.headers["Location"], allow_redirects=False, timeout=30)
    callback_url = callback.headers["Location"]
    if rewritten_at == "callback":
        callback_url = with_query(callback_url, selling_partner_id=victim.seller)

    page = consent.session.get(callback_url, timeout=60)

    _assert_refused(page, Outcome.SELLER_MISMATCH)
    victim.assert_untouched()
    _assert_nothing_for(world, attacker)


def test_a_callback_finished_in_another_browser_is_refused_and_the_real_one_still_finishes(
    world: LocalWorld, inspector: SandboxInspector
) -> None:
    seller = _attacker(world, inspector)
    consent = open_link(connect_link(world, Region.EU))
    callback = consent.decide().headers["Location"]

    elsewhere = requests.get(callback, timeout=30)  # a browser without our state cookie
    mixed = requests.Session()
    mixed.cookies.set("sellersync_state", "y" * 43, path="/oauth")
    other_cookie = mixed.get(callback, timeout=30)  # a browser whose cookie is another flow's

    for page in (elsewhere, other_cookie):
        _assert_refused(page, Outcome.WRONG_BROWSER)
        assert "another browser" in unescape(page.text)
    _assert_nothing_for(world, seller)
    # Nothing was spent: the browser that started the flow finishes it
    finished = consent.session.get(callback, timeout=60)
    assert (finished.status_code, _title(finished)) == (200, "Amazon account connected"), finished.text[:800]


def test_a_connect_link_used_by_an_already_connected_seller_is_refused(
    world: LocalWorld, inspector: SandboxInspector
) -> None:
    victim = Victim(world, inspector)  # A, signed in, connected
    link = connect_link(world, Region.EU, name="Another name")

    page = authorize(link)

    _assert_refused(page, Outcome.ALREADY_CONNECTED)
    text = unescape(page.text)
    assert victim.connection_id in text and "sellersync connect-link --reauthorize" in text
    victim.assert_untouched()
    states(world).check_invite(_invite_id(link))  # nothing consumed either


def test_a_reauthorization_link_consented_by_another_seller_is_refused(
    world: LocalWorld, inspector: SandboxInspector
) -> None:
    victim = Victim(world, inspector)
    attacker = _attacker(world, inspector)
    link = connect_link(world, Region.EU, reauthorize=victim.connection_id)

    page = authorize(link)

    _assert_refused(page, Outcome.WRONG_ACCOUNT)
    assert victim.seller not in page.text  # the page does not reveal whose link it was
    victim.assert_untouched()
    _assert_nothing_for(world, attacker)


def test_a_reauthorization_link_renews_its_own_connection_and_says_whose(
    world: LocalWorld, inspector: SandboxInspector
) -> None:
    victim = Victim(world, inspector)
    inspector.sign_in(victim.seller)

    page = authorize(connect_link(world, Region.EU, reauthorize=victim.connection_id))

    assert (page.status_code, _title(page)) == (200, "Amazon account re-authorized"), page.text[:800]
    assert f"Seller <strong>{victim.seller}</strong> (connection <code>{victim.connection_id}</code>)" in page.text
    connection, token = (
        connections(world).get_connection(victim.connection_id),
        connections(world).get_refresh_token(victim.connection_id),
    )
    assert connection is not None and connection.name == "A's shop"
    assert token.get_secret_value() != victim.before[1]


def test_a_malformed_amazon_callback_uri_is_a_400_page(world: LocalWorld, inspector: SandboxInspector) -> None:
    _attacker(world, inspector)
    world.config.login_uri = f"{world.api_url}/oauth/login"
    consent = open_link(connect_link(world, Region.EU))
    login_url = consent.decide().headers["Location"]

    page = consent.session.get(with_query(login_url, amazon_callback_uri="http://[::1/apps"), timeout=30)

    _assert_refused(page, Outcome.INVALID_PARAMETERS)


def _invite_id(link: str) -> str:
    import base64
    import json

    payload = query_of(link)["invite"].split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["invite_id"])
