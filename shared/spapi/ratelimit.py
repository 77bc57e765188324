"""Token buckets per (connection, operation): the documented limits, the bucket arithmetic, an in-memory limiter.

Amazon throttles each (selling partner, application) pair per operation with a token bucket: `rate` tokens per
second refill it up to `burst`; a call spends one. We run the same bucket on our side so that we wait instead of
collecting 429s. The DynamoDB-backed limiter shared by concurrent Lambdas lives in `ratelimit_dynamodb`.
"""

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from shared.spapi.errors import OutOfTimeError


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: `rate` tokens per second, at most `burst` tokens."""

    rate: float
    burst: int


# Default usage plans from the models (REFERENCE.md section 3). Keys are operationIds; v0 and v2026 getOrder share
# their limit (0.5/30), so one key serves both.
OPERATION_LIMITS: Mapping[str, RateLimit] = {
    "searchOrders": RateLimit(0.0056, 20),
    "getOrder": RateLimit(0.5, 30),
    "getOrders": RateLimit(0.0167, 20),
    "getOrderItems": RateLimit(0.5, 30),
    "getOrderAddress": RateLimit(0.5, 30),
    "getOrderBuyerInfo": RateLimit(0.5, 30),
    "getOrderItemsBuyerInfo": RateLimit(0.5, 30),
    "confirmShipment": RateLimit(2.0, 10),
    "updateShipmentStatus": RateLimit(5.0, 15),
    "createFeedDocument": RateLimit(0.5, 15),
    "createFeed": RateLimit(0.0083, 15),
    "getFeed": RateLimit(2.0, 15),
    "getFeedDocument": RateLimit(0.0222, 10),
    "createReport": RateLimit(0.0167, 15),
    "getReport": RateLimit(2.0, 15),
    "cancelReport": RateLimit(0.0222, 10),
    "getReportDocument": RateLimit(0.0167, 15),
    "getListingsItem": RateLimit(5.0, 10),
    "putListingsItem": RateLimit(5.0, 10),
    "patchListingsItem": RateLimit(5.0, 5),
    "searchListingsItems": RateLimit(5.0, 5),
    "searchCatalogItems": RateLimit(2.0, 2),
    "getCatalogItem": RateLimit(2.0, 2),
    "getDefinitionsProductType": RateLimit(5.0, 10),
    "getListingsRestrictions": RateLimit(5.0, 10),
    "getMarketplaceParticipations": RateLimit(0.016, 15),
    "createRestrictedDataToken": RateLimit(1.0, 10),
    "createDestination": RateLimit(1.0, 5),
    "getDestinations": RateLimit(1.0, 5),
    "createSubscription": RateLimit(1.0, 5),
    "getSubscription": RateLimit(1.0, 5),
    "getSubscriptionById": RateLimit(1.0, 5),
    "deleteSubscriptionById": RateLimit(1.0, 5),
    "rotateApplicationClientSecret": RateLimit(0.0167, 1),
    "getPricing": RateLimit(0.5, 1),
    "getItemOffers": RateLimit(0.5, 1),
    "getListingOffers": RateLimit(1.0, 2),
    "getItemOffersBatch": RateLimit(0.1, 1),
    "getListingOffersBatch": RateLimit(0.5, 1),
    "getCompetitiveSummary": RateLimit(0.033, 1),
    # JSON_LISTINGS_FEED: 5 submissions per 5 minutes per region (section 8), taken on top of createFeed's bucket.
    "createFeed#JSON_LISTINGS_FEED": RateLimit(5 / 300, 5),
}


class UnknownOperationError(KeyError):
    """The operation has no rate limit in the table."""


def limit_for(operation: str, limits: Mapping[str, RateLimit] = OPERATION_LIMITS) -> RateLimit:
    """The rate limit of an operation; raises UnknownOperationError for one missing from the table."""
    try:
        return limits[operation]
    except KeyError:
        raise UnknownOperationError(operation) from None


def refill(tokens: float, updated_at: float, now: float, limit: RateLimit, time_scale: float = 1.0) -> float:
    """Tokens in a bucket at `now`, given `tokens` at `updated_at`; a clock that went backwards adds nothing."""
    return min(float(limit.burst), tokens + max(0.0, now - updated_at) * limit.rate * time_scale)


# Float refills can land a hair below a whole token (0.9999999999); counting that as a token keeps a sleeping caller
# from looping on waits shorter than the clock's resolution, at an error of at most 1e-6 tokens per take (the
# precision the DynamoDB item stores anyway).
_EPSILON = 1e-6


def has_token(tokens: float) -> bool:
    """Whether a bucket holding `tokens` can give one."""
    return tokens >= 1.0 - _EPSILON


def wait_for_token(tokens: float, limit: RateLimit, time_scale: float = 1.0) -> float:
    """Seconds until a bucket holding `tokens` holds one whole token."""
    return 0.0 if has_token(tokens) else (1.0 - tokens) / (limit.rate * time_scale)


def seconds_until_full(tokens: float, limit: RateLimit, time_scale: float = 1.0) -> float:
    """Seconds until a bucket holding `tokens` is full again (then it equals a bucket never used)."""
    return max(0.0, limit.burst - tokens) / (limit.rate * time_scale)


class RateLimiter(Protocol):
    """Takes one token of (owner, operation), waiting if the bucket is empty."""

    def acquire(self, owner: str, operation: str, max_wait: float | None = None) -> None:
        """Blocks until a token is taken; raises OutOfTimeError instead of waiting longer than `max_wait` s."""
        ...

    def drain(self, owner: str, operation: str) -> None:
        """Empties the bucket (Amazon answered 429, so its bucket is empty too)."""
        ...

    def wait_seconds(self, owner: str, operation: str) -> float:
        """Seconds until a token of (owner, operation) is available, 0.0 if one is now; takes nothing."""
        ...


@dataclass
class _Bucket:
    tokens: float
    updated_at: float


class InMemoryRateLimiter:
    """A thread-safe limiter for one process (unit tests, local runs); buckets start full."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        limits: Mapping[str, RateLimit] = OPERATION_LIMITS,
        time_scale: float = 1.0,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._limits = limits
        self._time_scale = time_scale
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, owner: str, operation: str, max_wait: float | None = None) -> None:
        """Takes a token, sleeping while the bucket is empty.

        Raises:
            OutOfTimeError: the next token comes later than `max_wait` seconds from the call.
        """
        limit = limit_for(operation, self._limits)
        deadline = None if max_wait is None else self._clock() + max_wait
        while True:
            wait = self._try_take(f"{owner}#{operation}", limit)
            if wait == 0.0:
                return
            if deadline is not None and self._clock() + wait > deadline:
                raise OutOfTimeError(operation, wait)
            self._sleep(wait)

    def drain(self, owner: str, operation: str) -> None:
        """Empties the bucket."""
        with self._lock:
            self._buckets[f"{owner}#{operation}"] = _Bucket(0.0, self._clock())

    def wait_seconds(self, owner: str, operation: str) -> float:
        """Seconds until the bucket holds a token (0.0 now); takes nothing."""
        limit = limit_for(operation, self._limits)
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(f"{owner}#{operation}")
        if bucket is None:
            return 0.0
        tokens = refill(bucket.tokens, bucket.updated_at, now, limit, self._time_scale)
        return wait_for_token(tokens, limit, self._time_scale)

    def _try_take(self, key: str, limit: RateLimit) -> float:
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(key) or _Bucket(float(limit.burst), now)
            tokens = refill(bucket.tokens, bucket.updated_at, now, limit, self._time_scale)
            if has_token(tokens):
                self._buckets[key] = _Bucket(tokens - 1.0, now)
                return 0.0
            self._buckets[key] = _Bucket(tokens, now)
            return wait_for_token(tokens, limit, self._time_scale)
