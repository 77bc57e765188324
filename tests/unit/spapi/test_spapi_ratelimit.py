"""Token buckets on a fake clock: the in-memory limiter, the bucket arithmetic and the limits table."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.spapi.errors import OutOfTimeError
from shared.spapi.ratelimit import (
    OPERATION_LIMITS,
    InMemoryRateLimiter,
    RateLimit,
    UnknownOperationError,
    refill,
    wait_for_token,
)
from tests.unit.spapi.cases import CASES
from tests.unit.spapi.fakes import FakeClock

LIMITS = {"op": RateLimit(rate=2.0, burst=5)}


def test_every_operation_the_client_calls_has_a_documented_limit() -> None:
    assert set(CASES) <= set(OPERATION_LIMITS)
    assert OPERATION_LIMITS["searchOrders"] == RateLimit(0.0056, 20)
    assert OPERATION_LIMITS["patchListingsItem"] == RateLimit(5.0, 5)
    assert all(limit.rate > 0 and limit.burst >= 1 for limit in OPERATION_LIMITS.values())


def test_burst_is_free_then_tokens_come_at_the_rate(clock: FakeClock) -> None:
    limiter = InMemoryRateLimiter(clock, clock.sleep, LIMITS)
    for _ in range(5):
        limiter.acquire("conn-1", "op")
    assert clock.sleeps == []
    for _ in range(4):
        limiter.acquire("conn-1", "op")
    assert clock.sleeps == pytest.approx([0.5] * 4)


def test_buckets_are_per_connection_and_operation(clock: FakeClock) -> None:
    limiter = InMemoryRateLimiter(clock, clock.sleep, LIMITS | {"other": RateLimit(1.0, 1)})
    for _ in range(5):
        limiter.acquire("conn-1", "op")
    limiter.acquire("conn-2", "op")
    limiter.acquire("conn-1", "other")
    assert clock.sleeps == []


def test_the_time_scale_multiplies_the_refill_rate(clock: FakeClock) -> None:
    limiter = InMemoryRateLimiter(clock, clock.sleep, LIMITS, time_scale=10.0)
    for _ in range(6):
        limiter.acquire("conn-1", "op")
    assert clock.sleeps == pytest.approx([0.05])


def test_a_wait_longer_than_max_wait_raises_without_sleeping(clock: FakeClock) -> None:
    limiter = InMemoryRateLimiter(clock, clock.sleep, LIMITS)
    limiter.drain("conn-1", "op")
    with pytest.raises(OutOfTimeError) as caught:
        limiter.acquire("conn-1", "op", max_wait=0.4)
    assert (caught.value.retry_after, clock.sleeps) == (pytest.approx(0.5), [])
    limiter.acquire("conn-1", "op", max_wait=0.5)
    assert clock.sleeps == pytest.approx([0.5])


def test_wait_seconds_peeks_without_taking(clock: FakeClock) -> None:
    limiter = InMemoryRateLimiter(clock, clock.sleep, LIMITS)
    assert limiter.wait_seconds("conn-1", "op") == 0.0
    for _ in range(5):
        assert limiter.wait_seconds("conn-1", "op") == 0.0
        limiter.acquire("conn-1", "op")
    assert clock.sleeps == []
    assert limiter.wait_seconds("conn-1", "op") == pytest.approx(0.5)
    clock.advance(0.2)
    assert limiter.wait_seconds("conn-1", "op") == pytest.approx(0.3)
    clock.advance(0.3)
    assert limiter.wait_seconds("conn-1", "op") == 0.0
    limiter.acquire("conn-1", "op")
    assert clock.sleeps == []


def test_wait_seconds_follows_the_time_scale(clock: FakeClock) -> None:
    limiter = InMemoryRateLimiter(clock, clock.sleep, LIMITS, time_scale=10.0)
    limiter.drain("conn-1", "op")
    assert limiter.wait_seconds("conn-1", "op") == pytest.approx(0.05)


def test_an_unknown_operation_is_refused(clock: FakeClock) -> None:
    with pytest.raises(UnknownOperationError):
        InMemoryRateLimiter(clock, clock.sleep, LIMITS).acquire("conn-1", "nope")


def test_bucket_arithmetic() -> None:
    limit = RateLimit(0.5, 10)
    assert refill(2.0, 100.0, 104.0, limit) == 4.0
    assert refill(9.0, 100.0, 200.0, limit) == 10.0
    assert refill(2.0, 100.0, 90.0, limit) == 2.0  # a clock that went backwards adds nothing
    assert wait_for_token(0.25, limit) == 1.5
    assert wait_for_token(0.25, limit, time_scale=3.0) == 0.5
    assert wait_for_token(1.0, limit) == 0.0


@settings(max_examples=150, deadline=None)
@given(
    rate=st.floats(min_value=0.01, max_value=20.0),
    burst=st.integers(min_value=1, max_value=30),
    scale=st.sampled_from([1.0, 2.5]),
    schedule=st.lists(
        st.tuples(st.floats(min_value=0.0, max_value=3.0), st.booleans(), st.sampled_from([None, 0.0, 0.3, 5.0])),
        min_size=1,
        max_size=80,
    ),
)
def test_tokens_taken_never_exceed_burst_plus_rate_times_elapsed(
    rate: float, burst: int, scale: float, schedule: list[tuple[float, bool, float | None]]
) -> None:
    # Given any schedule of pauses, drains and acquires with or without a time limit
    clock = FakeClock()
    limiter = InMemoryRateLimiter(clock, clock.sleep, {"op": RateLimit(rate, burst)}, time_scale=scale)
    start, taken = clock.now, 0
    for pause, drain, max_wait in schedule:
        clock.advance(pause)
        if drain:
            limiter.drain("c", "op")
        try:
            limiter.acquire("c", "op", max_wait=max_wait)
        except OutOfTimeError:
            continue
        taken += 1
        # Then at every point the tokens taken fit in the bucket: burst + rate * elapsed
        assert taken <= burst + rate * scale * (clock.now - start) + 1e-6 * taken
