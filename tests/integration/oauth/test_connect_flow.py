"""Connecting a seller through the real HTTP flow: local stack (API adapter, OAuth function) + the Amazon sandbox.

Every path the issue lists: success, re-authorization keeping settings, Cancel, forged/replayed/expired state,
replayed codes, used/expired/forged links, the Log-in URI hop (with and without our cookie), LWA and Amazon failing.
Each failure must answer a page with a fitting status and store nothing.
"""

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import requests

from infra.outputs import Output
from local.amazon import LocalWorld
from local.sandbox.inspector import SandboxInspector
from shared.models import ConnectionSettings, ConnectionStatus
from shared.models.connection import connection_id_for
from shared.oauth.flow import STATE_COOKIE
from shared.oauth.outcomes import OUTCOMES, Outcome
from shared.spapi.lwa import LwaClient, LwaCredentials
from shared.spapi.marketplaces import Region
from tests.integration.oauth.world import authorize, connect_link, connections, open_link, query_of, states

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(local_world: LocalWorld) -> LocalWorld:
    """The shared local stack and sandbox; each test connects fresh sellers."""
    return local_world


@pytest.fixture
def inspector(world: LocalWorld) -> Iterator[SandboxInspector]:
    sandbox = SandboxInspector(world.sandbox.url)
    yield sandbox
    sandbox.set_faults(error_share=0.0)
    sandbox.sign_in(None)
    world.config.login_uri = None


def _seller(inspector: SandboxInspector, region: str = "EU", index: int = 0) -> str:
    """A fresh seller like the region's index-th generated one, signed in at the consent page."""
    seller = inspector.new_seller(region, like=index)
    inspector.sign_in(seller.selling_partner_id)
    return seller.selling_partner_id


def _title(page: requests.Response) -> str:
    start = page.text.index('id="title">') + len('id="title">')
    return unescape(page.text[start : page.text.index("</h1>", start)])


def _assert_failure(page: requests.Response, outcome: Outcome) -> None:
    info = OUTCOMES[outcome]
    assert (page.status_code, _title(page)) == (info.status, info.title), page.text[:800]
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"


def test_a_seller_connects_through_the_link_and_the_consent_page(
    world: LocalWorld, inspector: SandboxInspector
) -> None:
    seller = _seller(inspector, "EU", 0)
    link = connect_link(world, Region.EU, name="Berlin shop")

    page = authorize(link)

    assert page.status_code == 200, page.text[:800]
    assert _title(page) == "Amazon account connected"
    assert f'<code id="seller-id">{seller}</code>' in page.text
    assert '<span id="region">EU</span>' in page.text
    expected = {m for s in inspector.sellers() if s.selling_partner_id == seller for m in s.marketplace_ids}
    assert expected
    for marketplace_id in expected:
        assert f"<code>{marketplace_id}</code>" in page.text
    # Stored: ACTIVE, its marketplaces, a refresh token that works at LWA, default settings
    repo = connections(world)
    cid = connection_id_for(seller, Region.EU)
    connection = repo.get_connection(cid)
    assert connection is not None and connection.status is ConnectionStatus.ACTIVE
    assert (connection.name, set(connection.marketplace_ids)) == ("Berlin shop", expected)
    lwa = LwaClient(
        LwaCredentials(client_id=world.config.client_id, client_secret=world.config.client_secret),
        requests.Session(),
        f"{world.sandbox.url}/auth/o2/token",
    )
    lwa.refresh_access_token(repo.get_refresh_token(cid))
    assert repo.get_settings(cid) == ConnectionSettings()
    # The link worked once
    _assert_failure(requests.get(link, timeout=30), Outcome.USED_INVITE)


def test_reauthorizing_replaces_the_token_and_keeps_every_setting(
    world: LocalWorld, inspector: SandboxInspector
) -> None:
    seller = _seller(inspector, "EU", 1)
    assert authorize(connect_link(world, Region.EU, name="Paris shop")).status_code == 200
    repo, cid = connections(world), connection_id_for(seller, Region.EU)
    tuned = ConnectionSettings(inventory_buffer=4, enabled_syncs=frozenset({"orders"}))
    _, version = repo.get_versioned_settings(cid)
    repo.put_settings(cid, tuned, version)
    old_token = repo.get_refresh_token(cid)
    repo.update_status(cid, ConnectionStatus.NEEDS_REAUTHORIZATION, "LWA answered invalid_grant")

    # A plain connect link creates only: the connected seller is sent to the administrator for a renewal link
    _assert_failure(authorize(connect_link(world, Region.EU)), Outcome.ALREADY_CONNECTED)
    page = authorize(connect_link(world, Region.EU, reauthorize=cid))

    assert (page.status_code, _title(page)) == (200, "Amazon account re-authorized"), page.text[:800]
    assert f"Seller <strong>{seller}</strong> (connection <code>{cid}</code>) was re-authorized" in page.text
    connection = repo.get_connection(cid)
    assert connection is not None and connection.status is ConnectionStatus.ACTIVE
    assert connection.name == "Paris shop"  # the link named none: the name stays
    assert repo.get_settings(cid) == tuned
    assert repo.get_refresh_token(cid).get_secret_value() != old_token.get_secret_value()


def test_cancel_at_amazon_stores_nothing_and_the_link_still_works(
    world: LocalWorld, inspector: SandboxInspector
) -> None:
    seller = _seller(inspector, "NA", 0)
    link = connect_link(world, Region.NA)
    before = connections(world).get_connection(connection_id_for(seller, Region.NA))

    page = authorize(link, decision="cancel")

    _assert_failure(page, Outcome.CANCELLED)
    assert connections(world).get_connection(connection_id_for(seller, Region.NA)) == before
    assert authorize(link).status_code == 200


def test_forged_missing_and_replayed_state_change_nothing(world: LocalWorld, inspector: SandboxInspector) -> None:
    seller = _seller(inspector, "NA", 0)
    before = connections(world).get_connection(connection_id_for(seller, Region.NA))
    consent = open_link(connect_link(world, Region.NA))
    amazon = consent.decide()
    callback = amazon.headers["Location"]
    params = query_of(callback)
    base = callback.split("?")[0]

    # A forged state, even with a cookie to match it, is unknown
    forger = requests.Session()
    forger.cookies.set(STATE_COOKIE, "x" * 43, path="/oauth")
    _assert_failure(forger.get(base, params={**params, "state": "x" * 43}, timeout=30), Outcome.UNKNOWN_STATE)
    _assert_failure(
        requests.get(base, params={k: v for k, v in params.items() if k != "state"}, timeout=30),
        Outcome.MISSING_PARAMETERS,
    )
    assert connections(world).get_connection(connection_id_for(seller, Region.NA)) == before

    assert consent.follow(amazon).status_code == 200
    # The same callback again: from another browser (someone who saw the URL) it is not theirs to finish,
    # and in the same browser (a reload, the cookie still there) the state is spent
    _assert_failure(requests.get(callback, timeout=30), Outcome.WRONG_BROWSER)
    reload = requests.Session()
    reload.cookies.set(STATE_COOKIE, params["state"], path="/oauth")
    _assert_failure(reload.get(callback, timeout=30), Outcome.UNKNOWN_STATE)


def test_a_replayed_code_is_refused_by_lwa_and_stores_nothing(world: LocalWorld, inspector: SandboxInspector) -> None:
    seller = _seller(inspector, "NA", 0)
    first = open_link(connect_link(world, Region.NA))
    first_callback = first.decide().headers["Location"]
    second = open_link(connect_link(world, Region.NA))
    second_callback = second.decide().headers["Location"]
    assert first.follow(first.session.get(first_callback, allow_redirects=False, timeout=30)).status_code == 200
    token_before = connections(world).get_refresh_token(connection_id_for(seller, Region.NA))

    # The second consent's state with the first consent's (already exchanged) code
    replay = {**query_of(second_callback), "spapi_oauth_code": query_of(first_callback)["spapi_oauth_code"]}
    page = second.session.get(second_callback.split("?")[0], params=replay, timeout=30)

    _assert_failure(page, Outcome.INVALID_CODE)
    assert connections(world).get_refresh_token(connection_id_for(seller, Region.NA)) == token_before


def test_an_expired_state_is_refused(world: LocalWorld, inspector: SandboxInspector) -> None:
    _seller(inspector, "EU", 0)
    consent = open_link(connect_link(world, Region.EU))
    callback = consent.decide().headers["Location"]
    nonce = query_of(callback)["state"]
    # DynamoDB's TTL deletes lazily: the item is still there, its expires_at in the past
    outputs, aws = world.stack.deployed.outputs, world.stack.deployed.aws
    table = outputs["OauthStatesTableName"]
    aws.client("dynamodb").update_item(
        TableName=table,
        Key={"pk": {"S": f"STATE#{nonce}"}, "sk": {"S": "STATE"}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
    )
    _assert_failure(consent.session.get(callback, timeout=30), Outcome.EXPIRED_STATE)


def test_links_that_are_forged_expired_or_missing_get_a_page(world: LocalWorld) -> None:
    link = connect_link(world, Region.EU)
    base, token = link.split("?invite=")
    _assert_failure(requests.get(base, timeout=30), Outcome.MISSING_INVITE)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    _assert_failure(requests.get(base, params={"invite": tampered}, timeout=30), Outcome.INVALID_INVITE)
    week_ago = datetime.now(UTC) - timedelta(days=8)
    expired = connect_link(world, Region.EU, lifetime=timedelta(days=7), clock=week_ago)
    _assert_failure(requests.get(expired, timeout=30), Outcome.EXPIRED_INVITE)
    _assert_failure(requests.get(f"{world.api_url}/connect?invite=", timeout=30), Outcome.MISSING_INVITE)


def test_the_login_uri_hop_binds_the_seller_and_completes(world: LocalWorld, inspector: SandboxInspector) -> None:
    seller = _seller(inspector, "EU", 1)
    world.config.login_uri = f"{world.api_url}/oauth/login"
    consent = open_link(connect_link(world, Region.EU, name="Paris shop"))
    to_login = consent.decide()
    assert to_login.headers["Location"].startswith(world.config.login_uri)

    # Without the cookie our connect link set (another browser, or the Appstore), nobody can connect
    _assert_failure(requests.get(to_login.headers["Location"], timeout=30), Outcome.NO_SESSION)
    # A callback URI that is not Amazon's is refused
    hop = query_of(to_login.headers["Location"])
    evil = consent.session.get(
        world.config.login_uri, params={**hop, "amazon_callback_uri": "https://evil.example/steal"}, timeout=30
    )
    _assert_failure(evil, Outcome.INVALID_PARAMETERS)

    page = consent.follow(to_login)
    assert page.status_code == 200, page.text[:800]
    assert _title(page) in ("Amazon account connected", "Amazon account re-authorized")
    assert f'<code id="seller-id">{seller}</code>' in page.text


def test_lwa_rejecting_our_credentials_is_our_failure_and_stores_nothing(
    world: LocalWorld, inspector: SandboxInspector
) -> None:
    seller = _seller(inspector, "EU", 0)
    secrets = world.stack.deployed.aws.client("secretsmanager")
    arn = world.stack.deployed.outputs[Output.LWA_SECRET_ARN]
    good = secrets.get_secret_value(SecretId=arn)["SecretString"]
    link = connect_link(world, Region.EU)
    consent = open_link(link)
    before = connections(world).get_connection(connection_id_for(seller, Region.EU))
    secrets.put_secret_value(SecretId=arn, SecretString=json.dumps({**json.loads(good), "client_secret": "wrong"}))
    try:
        page = consent.follow(consent.decide())
    finally:
        secrets.put_secret_value(SecretId=arn, SecretString=good)
    _assert_failure(page, Outcome.APP_CREDENTIALS_REJECTED)
    assert connections(world).get_connection(connection_id_for(seller, Region.EU)) == before
    states(world).check_invite(_invite_id(link))  # still usable


def _invite_id(link: str) -> str:
    import base64

    payload = query_of(link)["invite"].split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["invite_id"])


def test_amazon_failing_answers_a_retry_later_page_and_keeps_the_link(
    world: LocalWorld, inspector: SandboxInspector
) -> None:
    seller = _seller(inspector, "NA", 0)
    link = connect_link(world, Region.NA)
    consent = open_link(link)
    before = connections(world).get_connection(connection_id_for(seller, Region.NA))
    inspector.set_faults(error_share=1.0)
    page = consent.follow(consent.decide())
    inspector.set_faults(error_share=0.0)

    _assert_failure(page, Outcome.AMAZON_UNAVAILABLE)
    assert connections(world).get_connection(connection_id_for(seller, Region.NA)) == before
    states(world).check_invite(_invite_id(link))  # still usable
    assert authorize(link).status_code == 200


def test_unknown_paths_and_the_callback_cookie(world: LocalWorld) -> None:
    page = requests.get(f"{world.api_url}/oauth/callback", params={"error": "access_denied"}, timeout=30)
    _assert_failure(page, Outcome.CANCELLED)
    assert "Max-Age=0" in page.headers.get("Set-Cookie", "")
