"""Token buckets per (seller, operation), preloaded with the documented usage plans, on the sandbox clock."""

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class UsagePlan:
    """Documented default rate (requests per second) and burst of an operation."""

    rate: float
    burst: int

    @property
    def header(self) -> str:
        """The value of x-amzn-RateLimit-Limit: the rate, as Amazon prints it."""
        return f"{self.rate:g}"


# REFERENCE.md section 3 (rates and bursts copied from the models' usage-plan tables). One table, one place.
USAGE_PLANS: dict[str, UsagePlan] = {
    "searchOrders": UsagePlan(0.0056, 20),
    "getOrder": UsagePlan(0.5, 30),
    "confirmShipment": UsagePlan(2, 10),
    "getMarketplaceParticipations": UsagePlan(0.016, 15),
    "createFeedDocument": UsagePlan(0.5, 15),
    "createFeed": UsagePlan(0.0083, 15),
    "getFeed": UsagePlan(2, 15),
    "cancelFeed": UsagePlan(2, 15),
    "getFeeds": UsagePlan(0.0222, 10),
    "getFeedDocument": UsagePlan(0.0222, 10),
    "createReport": UsagePlan(0.0167, 15),
    "getReport": UsagePlan(2, 15),
    "cancelReport": UsagePlan(0.0222, 10),
    "getReportDocument": UsagePlan(0.0167, 15),
    "getListingsItem": UsagePlan(5, 10),
    "patchListingsItem": UsagePlan(5, 5),
    "searchListingsItems": UsagePlan(5, 5),
    "createDestination": UsagePlan(1, 5),
    "getDestinations": UsagePlan(1, 5),
    "createSubscription": UsagePlan(1, 5),
    "getSubscription": UsagePlan(1, 5),
    "getSubscriptionById": UsagePlan(1, 5),
    "deleteSubscriptionById": UsagePlan(1, 5),
    "rotateApplicationClientSecret": UsagePlan(0.0167, 1),
}
# JSON_LISTINGS_FEED has its own, tighter window on top of createFeed: 5 submissions per 5 minutes (REFERENCE.md 8).
JSON_LISTINGS_FEED_PLAN = UsagePlan(5 / 300, 5)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by (caller, plan name); a bucket starts full (burst) and refills at rate per second."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def try_acquire(self, caller: str, name: str, plan: UsagePlan, now: float) -> bool:
        """Spends one token if there is one; False means answer 429."""
        with self._lock:
            bucket = self._buckets.setdefault((caller, name), _Bucket(float(plan.burst), now))
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(plan.burst), bucket.tokens + elapsed * plan.rate)
            bucket.updated = now
            if bucket.tokens < 1:
                return False
            bucket.tokens -= 1
            return True

    def tokens(self, caller: str, name: str) -> float | None:
        """Tokens left in a bucket at its last use (inspection)."""
        with self._lock:
            bucket = self._buckets.get((caller, name))
            return None if bucket is None else bucket.tokens

    def reset(self) -> None:
        """Fills every bucket again (by forgetting them)."""
        with self._lock:
            self._buckets.clear()
