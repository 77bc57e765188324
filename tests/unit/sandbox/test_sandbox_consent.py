"""Seller Central consent page: who is signed in, Authorize and Cancel redirects, error pages, Log-in hop."""

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.sandbox.config import DEFAULT_REDIRECT_URI
from tests.unit.sandbox.sandbox_harness import Harness

APP_ID = "amzn1.sp.solution.local-sandbox"


def consent_url(**params: str) -> str:
    merged = {"application_id": APP_ID, "state": "xyz", "version": "beta", **params}
    return "/apps/authorize/consent?" + "&".join(f"{k}={v}" for k, v in merged.items())


def decide(harness: Harness, decision: str, path: str = "/apps/authorize/consent", **extra: str) -> Any:
    form = {"application_id": APP_ID, "state": "xyz", "version": "beta", "decision": decision, **extra}
    return harness.client.post(path, data=form)


def query_of(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query)


def test_consent_page_names_the_first_seller_and_offers_authorize_and_cancel(harness: Harness) -> None:
    page = harness.client.get(consent_url())

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Sandbox Outdoor Ltd" in text and harness.seller("EU") in text
    assert 'id="authorize"' in text and 'id="cancel"' in text


def test_regional_consent_url_signs_in_a_seller_of_that_region(harness: Harness) -> None:
    page = harness.client.get("/na" + consent_url())

    assert harness.seller("NA") in page.get_data(as_text=True)


def test_seller_hint_and_steering_choose_the_signed_in_seller(harness: Harness) -> None:
    second_eu = harness.seller("EU", 1)
    assert second_eu in harness.client.get(consent_url(seller=second_eu)).get_data(as_text=True)

    harness.client.put("/_sandbox/consent/seller", json={"sellingPartnerId": second_eu})

    assert second_eu in harness.client.get(consent_url()).get_data(as_text=True)


def test_authorize_redirects_with_state_seller_and_code(harness: Harness) -> None:
    response = decide(harness, "authorize")

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(DEFAULT_REDIRECT_URI + "?")
    params = query_of(location)
    assert params["state"] == ["xyz"]
    assert params["selling_partner_id"] == [harness.seller("EU")]
    assert params["spapi_oauth_code"][0].startswith("sandbox-code-")
    assert "mws_auth_token" not in params


def test_cancel_redirects_with_access_denied_and_no_code(harness: Harness) -> None:
    response = decide(harness, "cancel")

    params = query_of(response.headers["Location"])
    assert params["error"] == ["access_denied"] and params["state"] == ["xyz"]
    assert "spapi_oauth_code" not in params


def test_unknown_application_gets_an_error_page(harness: Harness) -> None:
    page = harness.client.get(consent_url(application_id="amzn1.sp.solution.other"))

    assert page.status_code == 400
    assert "could not be found" in page.get_data(as_text=True)


def test_unregistered_redirect_uri_is_md5101(harness: Harness) -> None:
    page = harness.client.get(consent_url(redirect_uri="https://evil.example/cb"))

    assert page.status_code == 400
    assert "MD5101" in page.get_data(as_text=True)


def test_draft_app_without_version_beta_is_md1000(harness: Harness) -> None:
    page = harness.client.get(f"/apps/authorize/consent?application_id={APP_ID}&state=xyz")

    assert "MD1000" in page.get_data(as_text=True)


def test_login_uri_hop_then_callback_reaches_the_redirect_uri(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(login_uri="http://127.0.0.1:8000/amazon/login")

    hop = query_of(decide(harness, "authorize").headers["Location"])
    callback = urlsplit(hop["amazon_callback_uri"][0]).path
    final = harness.client.get(f"{callback}?amazon_state={hop['amazon_state'][0]}&state=mine&version=beta")

    params = query_of(final.headers["Location"])
    assert params["state"] == ["mine"] and params["selling_partner_id"] == hop["selling_partner_id"]
    assert "spapi_oauth_code" in params
    replay = harness.client.get(f"{callback}?amazon_state={hop['amazon_state'][0]}&state=mine&version=beta")
    assert replay.status_code == 400
