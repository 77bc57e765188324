"""Fixtures of the SP-API client tests: a fake transport whose every SP-API request is checked against the models."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.spapi.client import SpApiClient
from shared.spapi.marketplaces import Region
from shared.spapi.transport import RetryPolicy
from tests.unit.spapi.contract import validate_request
from tests.unit.spapi.fakes import FakeAdapter, FakeClock, FakeTokens, RecordingLimiter, fake_session

SPAPI_URL = "https://sellingpartnerapi-eu.amazon.com"


@pytest.fixture
def adapter() -> Iterator[FakeAdapter]:
    """The fake transport; at teardown every request it saw for the SP-API host is validated (CONTRACT 1)."""
    fake = FakeAdapter()
    yield fake
    for request in fake.requests:
        if (request.url or "").startswith(SPAPI_URL):
            validate_request(request)


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock; its sleep advances it."""
    return FakeClock()


@pytest.fixture
def tokens() -> FakeTokens:
    """A token provider with fixed tokens."""
    return FakeTokens()


@pytest.fixture
def limiter() -> RecordingLimiter:
    """A limiter that records and never waits."""
    return RecordingLimiter()


@pytest.fixture
def make_client(
    adapter: FakeAdapter, clock: FakeClock, tokens: FakeTokens, limiter: RecordingLimiter
) -> Callable[..., SpApiClient]:
    """Builds a client of connection conn-1 (EU) on the fakes; keyword arguments override the defaults."""

    def build(**overrides: Any) -> SpApiClient:
        kwargs: dict[str, Any] = {
            "connection_id": "conn-1",
            "region": Region.EU,
            "token_provider": tokens,
            "limiter": limiter,
            "session": fake_session(adapter),
            "clock": clock,
            "sleep": clock.sleep,
            "retry": RetryPolicy(jitter=lambda low, high: high),
        }
        return SpApiClient(**(kwargs | overrides))

    return build


@pytest.fixture
def client(make_client: Callable[..., SpApiClient]) -> SpApiClient:
    """A client with the default fakes (deterministic jitter: the maximum delay)."""
    return make_client()
