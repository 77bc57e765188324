"""Login with Amazon: the three grants, error mapping, secrecy, and the access-token cache."""

import threading
import time
from urllib.parse import parse_qs

import pytest
import requests
from pydantic import SecretStr

from shared.spapi.errors import (
    AuthorizationRevokedError,
    InvalidAuthorizationCodeError,
    InvalidClientError,
    LwaError,
    LwaRequestError,
    RetryableError,
    TransientAuthError,
)
from shared.spapi.lwa import AccessToken, LwaClient, LwaCredentials
from shared.spapi.tokens import AccessTokenCache, LwaTokenProvider
from tests.unit.spapi.fakes import FakeAdapter, FakeClock, fake_session, make_response

SECRET = "amzn1.oa2-cs.v1.very-secret"
REFRESH = "Atzr|refresh-secret"
CODE = "ANcode-secret"
TOKEN_URL = "https://api.amazon.com/auth/o2/token"
OK = {"access_token": "Atza|access-1", "token_type": "bearer", "expires_in": 3600, "refresh_token": REFRESH}
INVALID_GRANT_REFRESH = {
    "error_description": "The request has an invalid grant parameter : refresh_token. User may have revoked or didn't "
    "grant the permission.",
    "error": "invalid_grant",
}
INVALID_GRANT_CODE = {
    "error_description": "The request has an invalid grant parameter : code",
    "error": "invalid_grant",
}
INVALID_CLIENT = {"error_description": "Client authentication failed", "error": "invalid_client"}


@pytest.fixture
def adapter() -> FakeAdapter:
    """LWA's fake endpoint (not an SP-API host, so no contract check)."""
    return FakeAdapter()


@pytest.fixture
def lwa(adapter: FakeAdapter, clock: FakeClock) -> LwaClient:
    """An LWA client on the fake transport and clock, jitter at its maximum."""
    credentials = LwaCredentials(client_id="amzn1.application-oa2-client.x", client_secret=SecretStr(SECRET))
    return LwaClient(credentials, fake_session(adapter), clock=clock, sleep=clock.sleep, jitter=lambda low, high: high)


def _form(adapter: FakeAdapter, index: int = 0) -> dict[str, str]:
    body = adapter.requests[index].body
    assert isinstance(body, str)
    return {k: v[0] for k, v in parse_qs(body).items()}


def test_refresh_grant_posts_the_form_and_dates_the_token(
    lwa: LwaClient, adapter: FakeAdapter, clock: FakeClock
) -> None:
    adapter.reply(200, OK)
    token = lwa.refresh_access_token(SecretStr(REFRESH))
    assert token.token.get_secret_value() == "Atza|access-1"
    assert token.expires_at == clock.now + 3600
    sent = adapter.requests[0]
    assert (sent.method, sent.url) == ("POST", TOKEN_URL)
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded;charset=UTF-8"
    assert _form(adapter) == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH,
        "client_id": "amzn1.application-oa2-client.x",
        "client_secret": SECRET,
    }


def test_code_exchange_returns_the_refresh_token(lwa: LwaClient, adapter: FakeAdapter) -> None:
    adapter.reply(200, OK)
    grant = lwa.exchange_authorization_code(SecretStr(CODE), "https://app.example/oauth/callback")
    assert grant.refresh_token.get_secret_value() == REFRESH
    assert _form(adapter)["grant_type"] == "authorization_code"
    assert (_form(adapter)["code"], _form(adapter)["redirect_uri"]) == (CODE, "https://app.example/oauth/callback")


def test_client_credentials_grant_asks_for_the_notifications_scope(lwa: LwaClient, adapter: FakeAdapter) -> None:
    adapter.reply(200, {"access_token": "Atza|grantless", "token_type": "bearer", "expires_in": 3600})
    assert lwa.client_credentials_token().token.get_secret_value() == "Atza|grantless"
    assert _form(adapter)["grant_type"] == "client_credentials"
    assert _form(adapter)["scope"] == "sellingpartnerapi::notifications"


def test_a_token_url_override_is_used(adapter: FakeAdapter, clock: FakeClock) -> None:
    credentials = LwaCredentials(client_id="c", client_secret=SecretStr(SECRET))
    lwa = LwaClient(credentials, fake_session(adapter), "http://127.0.0.1:8080/auth/o2/token", clock=clock)
    adapter.reply(200, OK)
    lwa.refresh_access_token(SecretStr(REFRESH))
    assert adapter.requests[0].url == "http://127.0.0.1:8080/auth/o2/token"


@pytest.mark.parametrize(
    ("call", "status", "body", "error"),
    [
        ("refresh", 400, INVALID_GRANT_REFRESH, AuthorizationRevokedError),
        ("code", 400, INVALID_GRANT_CODE, InvalidAuthorizationCodeError),
        ("refresh", 401, INVALID_CLIENT, InvalidClientError),
        ("code", 401, INVALID_CLIENT, InvalidClientError),
        ("grantless", 401, INVALID_CLIENT, InvalidClientError),
        ("grantless", 400, {"error": "invalid_scope"}, LwaRequestError),
        ("refresh", 400, {"error": "unsupported_grant_type"}, LwaRequestError),
    ],
)
def test_lwa_errors_map_by_error_code_and_are_not_retried(
    lwa: LwaClient, adapter: FakeAdapter, clock: FakeClock, call: str, status: int, body: dict[str, str], error: type
) -> None:
    adapter.reply(status, body)
    with pytest.raises(error) as caught:
        _call(lwa, call)
    assert type(caught.value) is error
    assert (len(adapter.requests), clock.sleeps) == (1, [])
    assert not isinstance(caught.value, RetryableError)


def test_5xx_is_retried_with_backoff_then_raises_transient(
    lwa: LwaClient, adapter: FakeAdapter, clock: FakeClock
) -> None:
    for _ in range(3):
        adapter.reply(503, {"error": "server_error"})
    with pytest.raises(TransientAuthError) as caught:
        lwa.refresh_access_token(SecretStr(REFRESH))
    assert len(adapter.requests) == 3
    assert clock.sleeps == [0.5, 1.0]
    assert isinstance(caught.value, RetryableError)


def test_a_connection_error_is_retried_and_can_recover(lwa: LwaClient, adapter: FakeAdapter) -> None:
    adapter.queue(requests.ConnectionError(f"failed POST with {SECRET}"), make_response(200, OK))
    assert lwa.refresh_access_token(SecretStr(REFRESH)).token.get_secret_value() == "Atza|access-1"


@pytest.mark.parametrize("call", ["refresh", "code", "grantless"])
def test_no_secret_reaches_an_exception(lwa: LwaClient, adapter: FakeAdapter, call: str) -> None:
    # Given LWA echoing our secrets in its description, and a connection error quoting the request
    adapter.reply(400, {"error": "invalid_grant", "error_description": f"bad {REFRESH} {CODE} {SECRET}"})
    adapter.queue(*[requests.ConnectionError(f"body={SECRET}&refresh_token={REFRESH}&code={CODE}")] * 3)
    for _ in range(2):
        with pytest.raises(LwaError) as caught:
            _call(lwa, call)
        text = f"{caught.value!s} {caught.value!r} {caught.value.__cause__!r}"
        assert all(secret not in text for secret in (SECRET, REFRESH, CODE)), text


def test_credentials_and_tokens_hide_secrets_in_repr(lwa: LwaClient) -> None:
    token = AccessToken(token=SecretStr("Atza|x"), expires_at=1.0)
    assert SECRET not in repr(lwa.credentials) and SECRET not in str(lwa.credentials)
    assert "Atza|x" not in repr(token)


def _call(lwa: LwaClient, call: str) -> object:
    if call == "refresh":
        return lwa.refresh_access_token(SecretStr(REFRESH))
    if call == "code":
        return lwa.exchange_authorization_code(SecretStr(CODE), "https://app.example/cb")
    return lwa.client_credentials_token()


def test_cache_reuses_a_token_until_five_minutes_before_expiry(clock: FakeClock) -> None:
    cache = AccessTokenCache(clock=clock)
    fetched: list[int] = []

    def fetch() -> AccessToken:
        fetched.append(1)
        return AccessToken(token=SecretStr(f"Atza|{len(fetched)}"), expires_at=clock.now + 3600)

    assert cache.get("k", fetch).get_secret_value() == "Atza|1"
    clock.advance(3600 - 301)
    assert cache.get("k", fetch).get_secret_value() == "Atza|1"
    clock.advance(1)
    assert cache.get("k", fetch).get_secret_value() == "Atza|2"
    cache.invalidate("k")
    assert cache.get("k", fetch).get_secret_value() == "Atza|3"


def test_cache_refreshes_once_for_eight_concurrent_threads(clock: FakeClock) -> None:
    cache = AccessTokenCache(clock=clock)
    calls: list[str] = []
    start = threading.Barrier(8)

    def slow_fetch() -> AccessToken:
        calls.append("refresh")
        time.sleep(0.05)  # long enough for every other thread to arrive while the refresh runs
        return AccessToken(token=SecretStr("Atza|shared"), expires_at=clock.now + 3600)

    results: list[str] = []

    def worker() -> None:
        start.wait()
        results.append(cache.get("conn-1", slow_fetch).get_secret_value())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == ["refresh"]
    assert results == ["Atza|shared"] * 8


def test_provider_uses_the_refresh_token_for_seller_calls_and_client_credentials_for_grantless(
    lwa: LwaClient, adapter: FakeAdapter, clock: FakeClock
) -> None:
    adapter.reply(200, OK)
    adapter.reply(200, {"access_token": "Atza|grantless", "token_type": "bearer", "expires_in": 3600})
    provider = LwaTokenProvider(lwa, "conn-1", SecretStr(REFRESH), AccessTokenCache(clock=clock))

    assert provider.access_token() == "Atza|access-1"
    assert provider.access_token("sellingpartnerapi::notifications") == "Atza|grantless"
    assert provider.access_token() == "Atza|access-1"  # cached
    assert [_form(adapter, i)["grant_type"] for i in range(2)] == ["refresh_token", "client_credentials"]


def test_provider_keys_differ_per_connection_and_refresh_token(
    lwa: LwaClient, adapter: FakeAdapter, clock: FakeClock
) -> None:
    cache = AccessTokenCache(clock=clock)
    adapter.queue(*[make_response(200, OK | {"access_token": f"Atza|{i}"}) for i in range(3)])
    first = LwaTokenProvider(lwa, "conn-1", SecretStr(REFRESH), cache).access_token()
    other_connection = LwaTokenProvider(lwa, "conn-2", SecretStr(REFRESH), cache).access_token()
    reauthorized = LwaTokenProvider(lwa, "conn-1", SecretStr("Atzr|new"), cache).access_token()
    assert (first, other_connection, reauthorized) == ("Atza|0", "Atza|1", "Atza|2")


def test_revocation_surfaces_through_the_provider(lwa: LwaClient, adapter: FakeAdapter, clock: FakeClock) -> None:
    adapter.reply(400, INVALID_GRANT_REFRESH)
    provider = LwaTokenProvider(lwa, "conn-1", SecretStr(REFRESH), AccessTokenCache(clock=clock))
    with pytest.raises(AuthorizationRevokedError):
        provider.access_token()
