"""ConnectionClients: decrypted refresh tokens are kept for token_ttl seconds per authorization; forget() drops them.

What reaches LWA is checked on the wire (a fake transport), so the test sees which refresh token a client really uses.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs

import requests
from pydantic import SecretStr

from shared.models.connection import Connection
from shared.spapi.factory import TOKEN_TTL_SECONDS, ConnectionClients
from shared.spapi.lwa import LwaClient, LwaCredentials
from shared.spapi.marketplaces import Region
from shared.spapi.tokens import AccessTokenCache
from tests.unit.orders.amazon import CID, ORDER_ID, SELLER, amazon_order
from tests.unit.spapi.fakes import FakeAdapter, FakeClock, RecordingLimiter, fake_session, make_response
from tests.unit.sync.fakes import connection


@dataclass
class RotatingTokens:
    """The repository's decrypted refresh tokens; `current` changes when the seller authorizes again."""

    current: dict[str, str] = field(default_factory=lambda: {CID: "Atzr|first"})
    reads: list[str] = field(default_factory=list)

    def get_refresh_token(self, connection_id: str) -> SecretStr:
        self.reads.append(connection_id)
        return SecretStr(self.current[connection_id])


@dataclass
class Amazon:
    """LWA and getOrder behind one fake transport; records the refresh tokens LWA was given."""

    adapter: FakeAdapter = field(default_factory=FakeAdapter)
    refreshed_with: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.adapter.queue(self._answer)

    def _answer(self, request: requests.PreparedRequest) -> requests.Response:
        if (request.url or "").startswith("https://api.amazon.com/auth/o2/token"):
            body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
            refresh = parse_qs(body)["refresh_token"][0]
            self.refreshed_with.append(refresh)
            return make_response(200, {"access_token": f"Atza|{refresh}", "token_type": "bearer", "expires_in": 3600})
        return make_response(200, {"order": amazon_order()})

    @property
    def access_tokens(self) -> list[str | None]:
        return [
            r.headers.get("x-amz-access-token") for r in self.adapter.requests if "sellingpartnerapi" in (r.url or "")
        ]


def clients(amazon: Amazon, tokens: RotatingTokens, clock: FakeClock) -> ConnectionClients:
    session = fake_session(amazon.adapter)
    lwa = LwaClient(
        LwaCredentials(client_id="amzn1.application-oa2-client.test", client_secret=SecretStr("s")), session
    )
    return ConnectionClients(
        lwa=lambda: lwa,
        tokens=tokens,
        limiter=RecordingLimiter(),
        session=session,
        clock=clock,
        token_cache=AccessTokenCache(),
    )


def fetch(factory: ConnectionClients, conn: Connection | None = None) -> None:
    client = factory.client_for(conn or connection(SELLER))
    assert (client.connection_id, client.region) == (CID, Region.EU)
    client.get_order(ORDER_ID)


def test_the_refresh_token_is_read_once_per_ttl_and_reused_meanwhile() -> None:
    amazon, tokens, clock = Amazon(), RotatingTokens(), FakeClock()
    factory = clients(amazon, tokens, clock)

    fetch(factory)
    tokens.current[CID] = "Atzr|second"  # what the table holds now
    clock.advance(TOKEN_TTL_SECONDS - 1)
    fetch(factory)

    assert tokens.reads == [CID]
    assert amazon.refreshed_with == ["Atzr|first"]
    assert amazon.access_tokens == ["Atza|Atzr|first"] * 2

    clock.advance(1)  # the ttl is over: the table is read again
    fetch(factory)

    assert tokens.reads == [CID, CID]
    assert amazon.refreshed_with == ["Atzr|first", "Atzr|second"]
    assert amazon.access_tokens[-1] == "Atza|Atzr|second"


def test_forget_drops_the_cached_token_at_once() -> None:
    amazon, tokens, clock = Amazon(), RotatingTokens(), FakeClock()
    factory = clients(amazon, tokens, clock)
    fetch(factory)
    tokens.current[CID] = "Atzr|second"

    factory.forget(CID)
    fetch(factory)

    assert tokens.reads == [CID, CID]
    assert amazon.access_tokens == ["Atza|Atzr|first", "Atza|Atzr|second"]
    factory.forget("eu-unknown")  # forgetting what was never cached is harmless


def test_a_re_authorized_connection_uses_its_new_token_at_once() -> None:
    amazon, tokens, clock = Amazon(), RotatingTokens(), FakeClock()
    factory = clients(amazon, tokens, clock)
    fetch(factory)

    tokens.current[CID] = "Atzr|second"
    reauthorized = connection(SELLER, authorized_at=connection(SELLER).authorized_at + timedelta(days=30))
    fetch(factory, reauthorized)
    fetch(factory, reauthorized)

    assert tokens.reads == [CID, CID]
    assert amazon.access_tokens == ["Atza|Atzr|first", "Atza|Atzr|second", "Atza|Atzr|second"]


def test_each_connection_has_its_own_cached_token() -> None:
    amazon, clock = Amazon(), FakeClock()
    other = connection("A2OTHER")
    tokens = RotatingTokens(current={CID: "Atzr|first", other.connection_id: "Atzr|other"})
    factory = clients(amazon, tokens, clock)

    for _ in range(2):
        factory.client_for(connection(SELLER))
        factory.client_for(other)

    assert tokens.reads == [CID, other.connection_id]
