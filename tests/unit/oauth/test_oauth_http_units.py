"""Small pure parts of the OAuth endpoints: the Amazon callback check, cookies, pages and the outcome table."""

from datetime import UTC, datetime, timedelta
from html import escape
from typing import cast

import pytest

from shared.models.oauth import StoredState
from shared.oauth.amazon import OAuthConfig
from shared.oauth.amazon import amazon_callback as _amazon_callback
from shared.oauth.flow import OAuthDeps, complete_consent
from shared.oauth.http import HttpContext, _cookie, _set_cookie
from shared.oauth.outcomes import OUTCOMES, OAuthFailure, Outcome
from shared.oauth.pages import ConnectedPage, connected_page, failure_page
from shared.spapi.marketplaces import Region

NOW = datetime(2026, 11, 24, tzinfo=UTC)
STATE = StoredState(invite_id="A" * 22, region=Region.EU, created_at=NOW, expires_at=NOW + timedelta(minutes=10))
CLOUD = OAuthConfig(redirect_uri="https://api.example/oauth/callback", draft_app=True)


def test_a_bare_callback_path_resolves_against_the_regions_seller_central() -> None:
    target = _amazon_callback("/apps/authorize/confirm/amzn1.sp.solution.x", STATE, CLOUD)
    assert target == "https://sellercentral-europe.amazon.com/apps/authorize/confirm/amzn1.sp.solution.x"


@pytest.mark.parametrize(
    "callback",
    [
        "https://evil.example/apps/authorize/confirm/x",
        "http://sellercentral.amazon.com/apps/authorize/confirm/x",  # not https
        "https://user:pw@sellercentral.amazon.com/x",
        "https://sellercentral.amazon.com.evil.example/x",
        "//evil.example/x",
    ],
)
def test_a_callback_outside_amazon_is_refused(callback: str) -> None:
    with pytest.raises(OAuthFailure) as raised:
        _amazon_callback(callback, STATE, CLOUD)
    assert raised.value.outcome is Outcome.INVALID_PARAMETERS


def test_a_local_override_with_a_region_placeholder_is_accepted() -> None:
    local = OAuthConfig(
        redirect_uri="http://127.0.0.1:1/cb", draft_app=True, seller_central_override="http://127.0.0.1:9/{region}"
    )
    assert _amazon_callback("/apps/x", STATE, local) == "http://127.0.0.1:9/apps/x"
    assert _amazon_callback("http://127.0.0.1:9/eu/apps/x", STATE, local) == "http://127.0.0.1:9/eu/apps/x"


def test_the_state_cookie_is_read_from_either_cookie_form_and_set_strictly() -> None:
    assert _cookie({"cookies": ["a=1", "sellersync_state=abc"]}, "sellersync_state") == "abc"
    assert _cookie({"headers": {"cookie": "x=y; sellersync_state=def"}}, "sellersync_state") == "def"
    assert _cookie({"cookies": ["sellersync_state="]}, "sellersync_state") is None
    cookie = _set_cookie("abc", HttpContext(secure_cookies=True), 600)
    assert cookie == "sellersync_state=abc; Path=/oauth; Max-Age=600; HttpOnly; SameSite=Lax; Secure"
    assert "Secure" not in _set_cookie("abc", HttpContext(secure_cookies=False), 600)


def test_pages_escape_every_value() -> None:
    page = ConnectedPage(
        reauthorized=False,
        selling_partner_id="A1",
        connection_id="eu-a1",
        region="EU",
        marketplaces=[("A1F83G8C2ARO7P", "<script>alert(1)</script>")],
        name='"><img src=x>',
        reauthorize_by="2027-11-24",
    )
    html = connected_page(page, request_id="<r>")
    assert "<script>" not in html and "<img" not in html and "<r>" not in html
    assert "&lt;script&gt;" in html


def test_every_outcome_but_the_redirects_has_a_page_and_5xx_means_ours() -> None:
    redirects = {Outcome.REDIRECTED_TO_AMAZON, Outcome.REDIRECTED_TO_CALLBACK, Outcome.CONNECTED, Outcome.REAUTHORIZED}
    assert set(OUTCOMES) == set(Outcome) - redirects
    for outcome, info in OUTCOMES.items():
        assert info.ours == (info.status >= 500), outcome
        assert escape(info.title) in failure_page(info)


@pytest.mark.parametrize("callback", ["http://[::1/apps/authorize/confirm/x", "https://[sellercentral.amazon.com/x"])
def test_a_callback_uri_that_is_not_a_url_is_refused_not_a_crash(callback: str) -> None:
    with pytest.raises(OAuthFailure) as raised:
        _amazon_callback(callback, STATE, CLOUD)
    assert raised.value.outcome is Outcome.INVALID_PARAMETERS


def test_failure_pages_show_their_facts_escaped() -> None:
    page = failure_page(OUTCOMES[Outcome.ALREADY_CONNECTED], "r-1", {"Connection": "eu-<b>x</b>"})
    assert '<dl id="facts"><dt>Connection</dt><dd><code>eu-&lt;b&gt;x&lt;/b&gt;</code></dd></dl>' in page
    assert "<b>" not in page


@pytest.mark.parametrize(
    ("state", "cookie"), [("é" * 43, "é" * 43 + "x"), ("a" * 43, None), ("a" * 43, "b" * 43), ("a" * 43, "")]
)
def test_a_callback_without_this_browsers_state_cookie_is_refused_before_anything_is_read(
    state: str, cookie: str | None
) -> None:
    untouched = cast(OAuthDeps, object())  # any use of the dependencies would fail the test
    query = {"state": state, "spapi_oauth_code": "c", "selling_partner_id": "A1"}
    with pytest.raises(OAuthFailure) as raised:
        complete_consent(query, cookie, CLOUD, untouched)
    assert raised.value.outcome is Outcome.WRONG_BROWSER
