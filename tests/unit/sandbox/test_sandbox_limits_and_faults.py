"""Rate limits on the scaled clock, seeded fault injection, and the response-model check."""

from collections.abc import Callable

import pytest

from local.sandbox.api import DroppedConnection
from local.sandbox.config import FaultConfig
from local.sandbox.faults import Fault, FaultInjector
from local.sandbox.ratelimit import USAGE_PLANS, RateLimiter, UsagePlan
from local.sandbox.specs import find_operation
from local.sandbox.validation import ResponseValidationError, validate_response
from tests.unit.sandbox.sandbox_harness import Harness

PARTICIPATIONS = "/sellers/v1/marketplaceParticipations"
QUOTA = {
    "errors": [
        {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource.", "details": ""}
    ]
}


def test_bucket_spends_its_burst_then_refills_at_the_rate() -> None:
    limiter = RateLimiter()
    plan = UsagePlan(0.5, 2)

    assert [limiter.try_acquire("s", "op", plan, 0.0) for _ in range(3)] == [True, True, False]
    assert limiter.try_acquire("s", "op", plan, 1.0) is False
    assert limiter.try_acquire("s", "op", plan, 2.0) is True


def test_buckets_are_per_seller_and_operation() -> None:
    limiter = RateLimiter()
    plan = UsagePlan(0.001, 1)

    assert limiter.try_acquire("a", "op", plan, 0) and limiter.try_acquire("b", "op", plan, 0)
    assert limiter.try_acquire("a", "other", plan, 0)
    assert not limiter.try_acquire("a", "op", plan, 0)


def test_burst_then_429_with_amazons_body_and_no_rate_header(harness: Harness) -> None:
    token = harness.token(harness.seller("EU"))

    answers = [harness.call("GET", PARTICIPATIONS, token) for _ in range(16)]

    assert all(a.status_code == 200 and a.headers["x-amzn-RateLimit-Limit"] == "0.016" for a in answers[:15])
    throttled = answers[15]
    assert throttled.status_code == 429 and throttled.json == QUOTA
    assert "x-amzn-RateLimit-Limit" not in throttled.headers and throttled.headers["x-amzn-RequestId"]


def test_refill_follows_sandbox_time_and_its_scale(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(time_scale=60)
    token = harness.token(harness.seller("EU"))
    for _ in range(15):
        harness.call("GET", PARTICIPATIONS, token)
    assert harness.call("GET", PARTICIPATIONS, token).status_code == 429

    # 0.016 per sandbox second needs 62.5 s for one token: 1.05 real seconds at scale 60.
    harness.real_time.now += 1.05

    assert harness.call("GET", PARTICIPATIONS, token).status_code == 200


def test_every_implemented_operation_has_a_usage_plan() -> None:
    from local.sandbox.api import REGISTRY

    assert set(REGISTRY) <= set(USAGE_PLANS)
    assert USAGE_PLANS["searchOrders"] == UsagePlan(0.0056, 20)


def test_fault_shares_are_met_and_seeded() -> None:
    config = FaultConfig(throttle_share=0.1, error_share=0.05, drop_share=0.05, slow_share=0.1)
    injector, twin = FaultInjector(config, seed=1), FaultInjector(config, seed=1)

    faults = [injector.request_fault() for _ in range(10_000)]

    assert faults[:50] == [twin.request_fault() for _ in range(50)]
    shares = {fault: faults.count(fault) / len(faults) for fault in Fault}
    assert shares[Fault.THROTTLE] == pytest.approx(0.1, abs=0.015)
    assert shares[Fault.ERROR] == pytest.approx(0.05, abs=0.01)
    assert shares[Fault.DROP] == pytest.approx(0.05, abs=0.01)
    assert shares[Fault.SLOW] == pytest.approx(0.1, abs=0.015)


def test_injected_throttle_error_and_drop(harness: Harness) -> None:
    token = harness.token(harness.seller("EU"))

    harness.client.put("/_sandbox/faults", json={"throttle_share": 1})
    throttled = harness.call("GET", PARTICIPATIONS, token)
    harness.client.put("/_sandbox/faults", json={"error_share": 1})
    failed = harness.call("GET", PARTICIPATIONS, token)
    harness.client.put("/_sandbox/faults", json={"drop_share": 1})
    with pytest.raises(DroppedConnection):
        harness.call("GET", PARTICIPATIONS, token)
    harness.client.put("/_sandbox/faults", json={})

    assert throttled.status_code == 429 and throttled.json == QUOTA
    assert failed.status_code == 500 and failed.json["errors"][0]["code"] == "InternalFailure"
    assert harness.call("GET", PARTICIPATIONS, token).status_code == 200


def test_fault_settings_are_checked(harness: Harness) -> None:
    assert harness.client.patch("/_sandbox/faults", json={"error_share": 2}).status_code == 400
    assert harness.client.patch("/_sandbox/faults", json={"bogus": 1}).status_code == 400


def test_response_check_rejects_bodies_that_do_not_match_the_model() -> None:
    search = find_operation("orders_2026-01-01", "searchOrders")

    validate_response(search, 200, {"orders": []})
    with pytest.raises(ResponseValidationError):
        validate_response(search, 200, {"orders": [{"orderId": "1"}]})
    with pytest.raises(ResponseValidationError):
        validate_response(search, 418, {})
    with pytest.raises(ResponseValidationError):
        validate_response(find_operation("ordersV0", "confirmShipment"), 204, {"unexpected": True})
