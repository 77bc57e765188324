"""LWA token endpoint: grants, Amazon's exact error bodies, code lifetime, revocation, token lifetime."""

from urllib.parse import parse_qs, urlsplit

from tests.unit.sandbox.sandbox_harness import Harness

INVALID_CODE = b'{"error_description":"The request has an invalid grant parameter : code","error":"invalid_grant"}'
REVOKED = (
    "The request has an invalid grant parameter : refresh_token. User may have revoked or didn't grant the permission."
)
PARTICIPATIONS = "/sellers/v1/marketplaceParticipations"


def consent_code(harness: Harness, seller_id: str) -> str:
    """Runs the consent page's Authorize for a seller and returns the spapi_oauth_code."""
    form = {
        "application_id": harness.sandbox.config.application_id,
        "version": "beta",
        "state": "s1",
        "seller": seller_id,
        "decision": "authorize",
    }
    location = harness.client.post("/apps/authorize/consent", data=form).headers["Location"]
    return parse_qs(urlsplit(location).query)["spapi_oauth_code"][0]


def test_authorization_code_grant_returns_refresh_and_access_tokens(harness: Harness) -> None:
    code = consent_code(harness, harness.seller("EU"))

    response = harness.lwa(grant_type="authorization_code", code=code)

    assert response.status_code == 200
    body = response.json
    assert body["access_token"].startswith("Atza|sandbox-")
    assert body["refresh_token"].startswith("Atzr|sandbox-") and len(body["refresh_token"]) < 40
    assert (body["token_type"], body["expires_in"]) == ("bearer", 3600)


def test_a_code_is_single_use(harness: Harness) -> None:
    code = consent_code(harness, harness.seller("EU"))
    assert harness.lwa(grant_type="authorization_code", code=code).status_code == 200

    replay = harness.lwa(grant_type="authorization_code", code=code)

    assert (replay.status_code, replay.data) == (400, INVALID_CODE)


def test_a_code_expires_after_five_minutes_of_sandbox_time(harness: Harness) -> None:
    code = consent_code(harness, harness.seller("EU"))

    harness.advance(301)
    response = harness.lwa(grant_type="authorization_code", code=code)

    assert (response.status_code, response.data) == (400, INVALID_CODE)


def test_a_code_needs_the_redirect_uri_of_its_consent(harness: Harness) -> None:
    code = consent_code(harness, harness.seller("EU"))

    response = harness.lwa(grant_type="authorization_code", code=code, redirect_uri="https://elsewhere.example/cb")

    assert (response.status_code, response.data) == (400, INVALID_CODE)


def test_wrong_client_secret_is_invalid_client(harness: Harness) -> None:
    refresh_token = harness.refresh_token(harness.seller("EU"))

    response = harness.lwa(grant_type="refresh_token", refresh_token=refresh_token, client_secret="wrong")

    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_refresh_of_a_revoked_authorization_is_invalid_grant(harness: Harness) -> None:
    seller_id = harness.seller("NA")
    refresh_token = harness.refresh_token(seller_id)
    harness.client.post(f"/_sandbox/sellers/{seller_id}/revoke")

    response = harness.lwa(grant_type="refresh_token", refresh_token=refresh_token)

    assert response.status_code == 400
    assert response.json == {"error_description": REVOKED, "error": "invalid_grant"}


def test_revocation_can_be_scheduled_for_a_later_sandbox_time(harness: Harness) -> None:
    seller_id = harness.seller("NA")
    refresh_token = harness.refresh_token(seller_id)
    token = harness.lwa(grant_type="refresh_token", refresh_token=refresh_token).json["access_token"]
    harness.client.post(f"/_sandbox/sellers/{seller_id}/revoke", json={"at": "2026-03-02T10:00:00Z"})
    assert harness.call("GET", PARTICIPATIONS, token).status_code == 200

    harness.advance(3600)

    assert harness.call("GET", PARTICIPATIONS, token).status_code == 403
    assert harness.lwa(grant_type="refresh_token", refresh_token=refresh_token).status_code == 400


def test_access_tokens_expire_after_an_hour_of_sandbox_time(harness: Harness) -> None:
    token = harness.token(harness.seller("EU"))

    harness.advance(3601)
    response = harness.call("GET", PARTICIPATIONS, token)

    assert response.status_code == 403
    assert response.json == {
        "errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied.", "details": ""}]
    }


def test_client_credentials_grant_needs_a_grantless_scope(harness: Harness) -> None:
    good = harness.lwa(grant_type="client_credentials", scope="sellingpartnerapi::notifications")
    bad = harness.lwa(grant_type="client_credentials", scope="sellingpartnerapi::orders")

    assert good.status_code == 200 and "refresh_token" not in good.json
    assert (bad.status_code, bad.json["error"]) == (400, "invalid_scope")


def test_unknown_grant_type_and_missing_fields(harness: Harness) -> None:
    assert harness.lwa(grant_type="password").json["error"] == "unsupported_grant_type"
    assert harness.lwa(grant_type="refresh_token").json["error"] == "invalid_request"
