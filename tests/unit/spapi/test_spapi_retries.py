"""Retry policy and error mapping of SP-API calls: what is retried, how long we wait, and the time budget."""

from collections.abc import Callable

import pytest
import requests

from shared.spapi.client import SpApiClient
from shared.spapi.errors import (
    InvalidInputError,
    NotFoundError,
    OutOfTimeError,
    RequestTimeoutError,
    RetryableError,
    ServerError,
    ThrottledError,
    UnauthorizedError,
)
from shared.spapi.ratelimit import InMemoryRateLimiter
from shared.spapi.transport import RetryPolicy
from tests.unit.spapi.cases import CASES
from tests.unit.spapi.fakes import FakeAdapter, FakeClock, FakeTokens, RecordingLimiter, make_response

QUOTA = {
    "errors": [
        {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource.", "details": ""}
    ]
}
PARTICIPATIONS: dict[str, list[object]] = {"payload": []}


def test_429_is_retried_with_full_jitter_and_drains_the_bucket(
    make_client: Callable[..., SpApiClient], adapter: FakeAdapter, clock: FakeClock, limiter: RecordingLimiter
) -> None:
    # Given a jitter that records its range and returns a quarter of it
    ranges: list[tuple[float, float]] = []

    def jitter(low: float, high: float) -> float:
        ranges.append((low, high))
        return high / 4

    client = make_client(retry=RetryPolicy(base_delay=1.0, max_delay=30.0, jitter=jitter))
    adapter.reply(429, QUOTA)
    adapter.reply(429, QUOTA)
    adapter.reply(200, PARTICIPATIONS)

    client.get_marketplace_participations()

    # Then: uniform(0, base * 2**(n-1)) before attempts 2 and 3, a token before each attempt, the bucket drained
    assert ranges == [(0.0, 1.0), (0.0, 2.0)]
    assert clock.sleeps == [0.25, 0.5]
    assert len(limiter.acquired) == 3
    assert limiter.drained == [("conn-1", "getMarketplaceParticipations")] * 2


def test_429_on_a_listings_feed_drains_the_feed_type_bucket_not_create_feeds(
    make_client: Callable[..., SpApiClient], adapter: FakeAdapter, limiter: RecordingLimiter
) -> None:
    # Given createFeed for a JSON_LISTINGS_FEED answered 429 once (its 5-per-5-minutes bucket was empty at Amazon)
    client = make_client(retry=RetryPolicy(jitter=lambda low, high: 0.0))
    adapter.reply(429, QUOTA)
    adapter.reply(202, {"feedId": "feed-1"})

    CASES["createFeed"].call(client)

    # Then only the feed type's bucket is drained: createFeed's own (one token per 120 s) still has its tokens
    assert limiter.drained == [("conn-1", "createFeed#JSON_LISTINGS_FEED")]


def test_429_after_the_last_attempt_raises_throttled(
    make_client: Callable[..., SpApiClient], adapter: FakeAdapter
) -> None:
    client = make_client(retry=RetryPolicy(max_attempts=3, jitter=lambda low, high: 0.0))
    for _ in range(3):
        adapter.reply(429, QUOTA, headers={"x-amzn-RequestId": "rid-429"})
    with pytest.raises(ThrottledError) as caught:
        client.get_marketplace_participations()
    assert (caught.value.status, caught.value.code, caught.value.request_id) == (429, "QuotaExceeded", "rid-429")
    assert caught.value.operation == "getMarketplaceParticipations"
    assert isinstance(caught.value, RetryableError)
    assert len(adapter.requests) == 3


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_retried(client: SpApiClient, adapter: FakeAdapter, status: int) -> None:
    adapter.reply(status, {"errors": [{"code": "InternalFailure", "message": "x"}]})
    adapter.reply(200, PARTICIPATIONS)
    client.get_marketplace_participations()
    assert len(adapter.requests) == 2


def test_connection_errors_are_retried(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.queue(
        requests.ConnectionError("reset"), requests.ConnectTimeout("slow"), make_response(200, PARTICIPATIONS)
    )
    client.get_marketplace_participations()
    assert len(adapter.requests) == 3


def test_a_read_timeout_is_not_retried_for_a_non_idempotent_call(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.queue(requests.ReadTimeout("no answer"))
    with pytest.raises(RequestTimeoutError):
        CASES["createFeed"].call(client)
    assert len(adapter.requests) == 1


def test_a_read_timeout_is_retried_for_an_idempotent_call(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.queue(requests.ReadTimeout("no answer"), make_response(200, PARTICIPATIONS))
    client.get_marketplace_participations()
    assert len(adapter.requests) == 2


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (400, InvalidInputError, "InvalidInput"),
        (404, NotFoundError, "NotFound"),
    ],
)
def test_4xx_other_than_429_is_not_retried(
    client: SpApiClient, adapter: FakeAdapter, clock: FakeClock, status: int, error: type[Exception], code: str
) -> None:
    adapter.reply(status, {"errors": [{"code": code, "message": "m", "details": "d"}]})
    with pytest.raises(error) as caught:
        client.get_marketplace_participations()
    assert (len(adapter.requests), clock.sleeps) == (1, [])
    assert caught.value.code == code  # type: ignore[attr-defined]


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_is_dropped_and_tried_once_more(
    client: SpApiClient, adapter: FakeAdapter, tokens: FakeTokens, clock: FakeClock, status: int
) -> None:
    refused = {"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied."}]}
    adapter.queue(make_response(status, refused), make_response(status, refused))
    with pytest.raises(UnauthorizedError, match="Access to requested resource is denied"):
        client.get_marketplace_participations()
    assert (len(adapter.requests), tokens.invalidated, clock.sleeps) == (2, [None, None], [])


def test_an_expired_token_refused_once_is_replaced_and_the_call_succeeds(
    client: SpApiClient, adapter: FakeAdapter, tokens: FakeTokens
) -> None:
    adapter.queue(make_response(403, {"errors": [{"code": "Unauthorized", "message": "expired"}]}))
    adapter.queue(make_response(200, PARTICIPATIONS))
    client.get_marketplace_participations()
    assert (len(adapter.requests), tokens.invalidated) == (2, [None])


def test_an_error_without_a_json_body_still_maps_by_status(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.queue(*[make_response(503, content=b"<html>Service Unavailable</html>") for _ in range(5)])
    with pytest.raises(ServerError) as caught:
        client.get_marketplace_participations()
    assert (caught.value.status, caught.value.code) == (503, "HTTP503")


def test_never_sleeps_past_the_remaining_time(
    make_client: Callable[..., SpApiClient], adapter: FakeAdapter, clock: FakeClock
) -> None:
    # Given 9.5 s left, 5 s reserved for the caller, and backoffs of 1, 2, 4 s (full jitter at its maximum)
    deadline = clock.now + 9.5
    client = make_client(remaining_time_ms=lambda: int((deadline - clock.now) * 1000))
    for _ in range(5):
        adapter.reply(500, {"errors": [{"code": "InternalFailure", "message": "x"}]})

    with pytest.raises(OutOfTimeError) as caught:
        client.get_marketplace_participations()

    # Then it slept 1 + 2 s, sent 3 attempts and stopped rather than wait 4 s with 1.5 s of budget left
    assert clock.sleeps == [1.0, 2.0]
    assert caught.value.retry_after == 4.0
    assert isinstance(caught.value.__cause__, ServerError)
    assert len(adapter.requests) == 3
    assert [t[1] for t in adapter.timeouts] == [4.5, 3.5, 1.5]  # the read timeout is cut to the budget


def test_the_limiter_wait_is_bounded_by_the_remaining_time(
    make_client: Callable[..., SpApiClient], adapter: FakeAdapter, clock: FakeClock
) -> None:
    # Given a real in-memory limiter on the fake clock whose searchOrders bucket is empty (next token in ~180 s)
    limiter = InMemoryRateLimiter(clock=clock, sleep=clock.sleep)
    limiter.drain("conn-1", "searchOrders")
    client = make_client(limiter=limiter, remaining_time_ms=lambda: 60_000)

    with pytest.raises(OutOfTimeError) as caught:
        CASES["searchOrders"].call(client)

    assert (adapter.requests, clock.sleeps) == ([], [])
    assert caught.value.retry_after == pytest.approx(1 / 0.0056)


def test_no_request_is_sent_once_the_budget_is_spent(
    make_client: Callable[..., SpApiClient], adapter: FakeAdapter
) -> None:
    client = make_client(remaining_time_ms=lambda: 4_000)
    with pytest.raises(OutOfTimeError):
        client.get_marketplace_participations()
    assert adapter.requests == []


def test_grantless_calls_use_the_application_bucket_and_the_notifications_scope(
    client: SpApiClient, adapter: FakeAdapter, tokens: FakeTokens, limiter: RecordingLimiter
) -> None:
    adapter.reply(200, {})
    client.delete_subscription_by_id("ORDER_CHANGE", "sub-1")
    assert tokens.scopes == ["sellingpartnerapi::notifications"]
    assert limiter.acquired[0][:2] == ("application", "deleteSubscriptionById")
