"""LWA after a client secret rotation: the previous secret while it is valid, then a re-read of the credentials."""

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from pydantic import SecretStr

from shared.spapi.errors import InvalidClientError
from shared.spapi.lwa import LwaClient, LwaCredentials
from tests.unit.spapi.fakes import FakeAdapter, FakeClock, fake_session

NEW = "amzn1.oa2-cs.v1.new-secret"
OLD = "amzn1.oa2-cs.v1.old-secret"
NEWER = "amzn1.oa2-cs.v1.newer-secret"
REFRESH = SecretStr("Atzr|refresh-secret")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
OK = {"access_token": "Atza|access-1", "token_type": "bearer", "expires_in": 3600}
INVALID_CLIENT = {"error_description": "Client authentication failed", "error": "invalid_client"}


def rotated(expires_at: datetime = NOW + timedelta(days=7)) -> LwaCredentials:
    return LwaCredentials(
        client_id="amzn1.application-oa2-client.x",
        client_secret=SecretStr(NEW),
        previous_client_secret=SecretStr(OLD),
        previous_expires_at=expires_at,
    )


def client(adapter: FakeAdapter, credentials: LwaCredentials, **kw: object) -> LwaClient:
    clock = FakeClock()
    return LwaClient(credentials, fake_session(adapter), clock=clock, sleep=clock.sleep, now=lambda: NOW, **kw)  # type: ignore[arg-type]


def secrets_sent(adapter: FakeAdapter) -> list[str]:
    return [parse_qs(str(request.body))["client_secret"][0] for request in adapter.requests]


def test_a_refused_new_secret_falls_back_to_the_previous_one_until_it_expires(
    caplog: pytest.LogCaptureFixture,
) -> None:
    adapter = FakeAdapter()
    adapter.reply(401, INVALID_CLIENT)
    adapter.reply(200, OK)
    with caplog.at_level(logging.DEBUG):
        token = client(adapter, rotated()).refresh_access_token(REFRESH)
    assert token.token.get_secret_value() == "Atza|access-1"
    assert secrets_sent(adapter) == [NEW, OLD]
    assert "previous one" in caplog.text
    assert NEW not in caplog.text and OLD not in caplog.text


def test_an_expired_previous_secret_is_never_sent() -> None:
    adapter = FakeAdapter()
    adapter.reply(401, INVALID_CLIENT)
    with pytest.raises(InvalidClientError) as raised:
        client(adapter, rotated(expires_at=NOW)).refresh_access_token(REFRESH)
    assert secrets_sent(adapter) == [NEW]
    assert NEW not in str(raised.value)


def test_a_client_holding_a_stale_secret_rereads_the_credentials_once() -> None:
    adapter = FakeAdapter()
    adapter.reply(401, INVALID_CLIENT)
    adapter.reply(401, INVALID_CLIENT)
    adapter.reply(200, OK)
    fresh = LwaCredentials(client_id="amzn1.application-oa2-client.x", client_secret=SecretStr(NEWER))
    lwa = client(adapter, rotated(), reload=lambda: fresh)
    lwa.client_credentials_token()
    assert secrets_sent(adapter) == [NEW, OLD, NEWER]
    assert lwa.credentials == fresh


def test_a_reload_that_finds_the_same_secret_gives_up() -> None:
    adapter = FakeAdapter()
    adapter.reply(401, INVALID_CLIENT)
    reads: list[int] = []

    def reload() -> LwaCredentials:
        reads.append(1)
        return LwaCredentials(client_id="amzn1.application-oa2-client.x", client_secret=SecretStr(NEW))

    plain = LwaCredentials(client_id="amzn1.application-oa2-client.x", client_secret=SecretStr(NEW))
    with pytest.raises(InvalidClientError):
        client(adapter, plain, reload=reload).refresh_access_token(REFRESH)
    assert secrets_sent(adapter) == [NEW]
    assert reads == [1]
