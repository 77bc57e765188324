"""Sends SP-API calls: rate limiter, token, retries with backoff, and the Lambda's time budget.

A small explicit loop rather than urllib3's Retry or tenacity: every attempt must first take a token from the shared
limiter, each wait (limiter or backoff) must be checked against the Lambda's remaining time, a 429 must drain the
shared bucket, and a 403 must drop the cached token. None of those hooks fit either library cleanly, and
tenacity is not in the Lambda layer.
"""

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from shared.spapi.errors import OutOfTimeError, RequestTimeoutError, ServerError, ThrottledError, UnauthorizedError
from shared.spapi.ratelimit import RateLimiter
from shared.spapi.tokens import TokenProvider
from shared.spapi.wire import REQUEST_ID_HEADER, ApiRequest, encode_body, parse_error, request_headers

logger = logging.getLogger(__name__)

# Grantless calls are limited per application, not per seller, so they share one bucket owner.
APPLICATION_OWNER = "application"


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff with full jitter: attempt n waits uniform(0, min(max_delay, base_delay * 2**(n-1))) seconds.

    `reserve_seconds` of the Lambda's remaining time are never spent waiting: they are left for the caller to save
    its cursor. `timeout` is requests' (connect, read) timeout, shortened to the time left.
    """

    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0
    reserve_seconds: float = 5.0
    timeout: tuple[float, float] = (5.0, 30.0)
    jitter: Callable[[float, float], float] = field(default=random.uniform, compare=False)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return self.jitter(0.0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


class Transport:
    """Sends ApiRequests for one connection and returns 2xx answers; raises SpApiError subclasses otherwise."""

    def __init__(
        self,
        base_url: str,
        owner: str,
        token_provider: TokenProvider,
        limiter: RateLimiter,
        session: requests.Session,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        remaining_time_ms: Callable[[], int] | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._owner = owner
        self._tokens = token_provider
        self._limiter = limiter
        self._session = session
        self._clock = clock
        self._sleep = sleep
        self._remaining_time_ms = remaining_time_ms
        self._retry = retry or RetryPolicy()

    def send(self, request: ApiRequest) -> requests.Response:
        """Sends with retries: 429, 5xx and connection errors are retried, other 4xx are raised at once.

        Raises:
            ThrottledError, ServerError: still failing after the last attempt.
            InvalidInputError, UnauthorizedError, NotFoundError, SpApiError: not retried.
            OutOfTimeError: the next wait (token or backoff) would outlast the Lambda's remaining time.

        A 401/403 drops the cached access token and is tried once more with a fresh one (Amazon refuses an expired
        token that way); a second refusal is raised.
        """
        try:
            return self._retrying(request.operation, lambda: self._attempt(request), request.idempotent)
        except UnauthorizedError:
            return self._retrying(request.operation, lambda: self._attempt(request), request.idempotent)

    def send_presigned(
        self, method: str, url: str, data: bytes | None, content_type: str | None, *, stream: bool = False
    ) -> requests.Response:
        """A call to a presigned document URL: no token, no limiter, same retries and time budget.

        With `stream` the body is left unread for the caller to iterate (and close); only an error's body is read.
        """
        headers = {"content-type": content_type} if content_type else {}

        def attempt() -> requests.Response:
            response = self._request(method, url, "document", headers, data=data, stream=stream)
            if response.status_code >= 300:
                raise parse_error(response.status_code, response.content, response.headers, "document")
            return response

        return self._retrying("document", attempt, idempotent=True)

    def _retrying(
        self, operation: str, attempt: Callable[[], requests.Response], idempotent: bool
    ) -> requests.Response:
        number = 1
        while True:
            try:
                return attempt()
            except (ThrottledError, ServerError) as exc:
                if number >= self._retry.max_attempts or (isinstance(exc, RequestTimeoutError) and not idempotent):
                    raise
                delay = self._retry.delay(number)
                budget = self._budget()
                if budget is not None and delay > budget:
                    raise OutOfTimeError(operation, delay) from exc
                logger.warning(
                    "SP-API call failed, retrying",
                    extra={
                        "operation": operation,
                        "status": exc.status,
                        "attempt": number,
                        "request_id": exc.request_id,
                    },
                )
            self._sleep(delay)
            number += 1

    def _attempt(self, request: ApiRequest) -> requests.Response:
        owner = APPLICATION_OWNER if request.scope else self._owner
        for bucket in (request.operation, *request.buckets):
            self._limiter.acquire(owner, bucket, max_wait=self._budget())
        headers = request_headers(self._tokens.access_token(request.scope), request.body is not None)
        started = self._clock()
        response = self._request(
            request.method,
            self._base_url + request.path,
            request.operation,
            headers,
            params=dict(request.query),
            data=encode_body(request.body),
        )
        logger.debug(
            "SP-API answered",
            extra={
                "operation": request.operation,
                "status": response.status_code,
                "request_id": response.headers.get(REQUEST_ID_HEADER),
                "elapsed_ms": round((self._clock() - started) * 1000),
            },
        )
        if response.status_code < 300:
            return response
        error = parse_error(response.status_code, response.content, response.headers, request.operation)
        if isinstance(error, ThrottledError):
            # A 429 does not say which bucket was empty. With a sub-limit (createFeed's JSON_LISTINGS_FEED, 5 per 5
            # minutes, the one a burst of feeds runs out of) that one is drained: draining createFeed's own bucket (one
            # token per 120 s) held every later feed two minutes although it still had tokens (the inventory bench).
            for bucket in request.buckets or (request.operation,):
                self._limiter.drain(owner, bucket)
        elif isinstance(error, UnauthorizedError):
            self._tokens.invalidate(request.scope)
        raise error

    def _request(
        self,
        method: str,
        url: str,
        operation: str,
        headers: dict[str, str],
        params: dict[str, str] | None = None,
        data: bytes | None = None,
        stream: bool = False,
    ) -> requests.Response:
        budget = self._budget()
        if budget is not None and budget <= 0:
            raise OutOfTimeError(operation, 0.0)
        connect, read = self._retry.timeout
        if budget is not None:
            connect, read = min(connect, budget), min(read, budget)
        try:
            return self._session.request(
                method, url, headers=headers, params=params, data=data, timeout=(connect, read), stream=stream
            )
        except requests.ConnectTimeout:
            raise ServerError(0, "ConnectTimeout", "could not connect", operation=operation) from None
        except requests.Timeout:
            raise RequestTimeoutError(0, "ReadTimeout", "no answer in time", operation=operation) from None
        except requests.ConnectionError as exc:
            raise ServerError(0, "ConnectionError", type(exc).__name__, operation=operation) from None

    def _budget(self) -> float | None:
        """Seconds we may still spend (waiting or sending), or None without a Lambda deadline."""
        if self._remaining_time_ms is None:
            return None
        return self._remaining_time_ms() / 1000.0 - self._retry.reserve_seconds
