"""A token-bucket limiter shared by every Lambda through one DynamoDB item per (connection, operation).

Item: `pk` = `<owner>#<operation>`, `tokens` (N), `updated_at` (N, epoch seconds), `version` (N), `expires_at`
(N, TTL). A missing item is a full bucket.

Why N concurrent workers never exceed the limit in total: every token is taken by one conditional UpdateItem, a
compare-and-set on `version` (or on the item not existing). A worker computes the refill from the `tokens` and
`updated_at` it last saw, writes `tokens - 1` with `version + 1`, and the write only lands if nobody wrote since;
otherwise DynamoDB returns the current item (ReturnValuesOnConditionCheckFailure) and the worker recomputes. So
every accepted take was computed from the true latest state, as if the takes ran one after another.

The in-process fast path only saves calls, it never grants a token: (1) the state written last is kept, so an
uncontended take is a single UpdateItem (no read); (2) when a bucket is seen empty, the time of its next token is
kept and no call is made before it. That is safe because other workers can only lower a bucket below what we saw
(takes and drains), never raise it, so the bucket cannot hold a token earlier than we computed. TTL deletes an item
only after it would have refilled completely, when deleting it (= full) changes nothing.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from shared import aws
from shared.spapi.errors import OutOfTimeError, RateLimitContentionError
from shared.spapi.ratelimit import (
    OPERATION_LIMITS,
    RateLimit,
    has_token,
    limit_for,
    refill,
    seconds_until_full,
    wait_for_token,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# TTL margin beyond the time a bucket needs to be full again.
_TTL_MARGIN_SECONDS = 3600


@dataclass(frozen=True)
class _State:
    tokens: float
    updated_at: float
    version: int


class DynamoDbRateLimiter:
    """Token buckets shared across Lambdas via conditional writes on the rate-limits table (see module doc)."""

    def __init__(
        self,
        table_name: str,
        dynamodb: DynamoDBClient | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        limits: Mapping[str, RateLimit] = OPERATION_LIMITS,
        time_scale: float = 1.0,
        max_conflicts: int = 50,
    ) -> None:
        self._table = table_name
        self._client = dynamodb
        self._clock = clock
        self._sleep = sleep
        self._limits = limits
        self._time_scale = time_scale
        self._max_conflicts = max_conflicts
        self._known: dict[str, _State | None] = {}
        self._empty_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def acquire(self, owner: str, operation: str, max_wait: float | None = None) -> None:
        """Takes one token of (owner, operation) from the shared bucket, sleeping while it is empty.

        Args:
            owner: the connection id (or "application" for grantless calls).
            operation: an operationId of OPERATION_LIMITS.
            max_wait: seconds we may spend waiting; None waits as long as needed.

        Raises:
            OutOfTimeError: the next token comes after `max_wait`.
            RateLimitContentionError: `max_conflicts` writes in a row lost the race to other workers.
        """
        key, limit = f"{owner}#{operation}", limit_for(operation, self._limits)
        deadline = None if max_wait is None else self._clock() + max_wait
        conflicts = 0
        while True:
            now = self._clock()
            with self._lock:
                wait = self._empty_until.get(key, 0.0) - now
            if wait <= 0.0:
                outcome = self._try_take(key, now, limit)
                if outcome == 0.0:
                    return
                if outcome is None:
                    conflicts += 1
                    if conflicts >= self._max_conflicts:
                        raise RateLimitContentionError(f"{operation}: lost {conflicts} races for the shared bucket")
                    continue
                wait = outcome
            if deadline is not None and now + wait > deadline:
                raise OutOfTimeError(operation, wait)
            self._sleep(wait)

    def drain(self, owner: str, operation: str) -> None:
        """Empties the shared bucket (after a 429), so every worker backs off."""
        key, limit, now = f"{owner}#{operation}", limit_for(operation, self._limits), _up(self._clock())
        answer = self._dynamodb().update_item(
            TableName=self._table,
            Key={"pk": {"S": key}},
            UpdateExpression="SET tokens = :zero, updated_at = :now, expires_at = :exp ADD version :one",
            ExpressionAttributeValues={
                ":zero": {"N": "0"},
                ":now": {"N": _num(now)},
                ":exp": {"N": str(self._expires_at(0.0, now, limit))},
                ":one": {"N": "1"},
            },
            ReturnValues="ALL_NEW",
        )
        with self._lock:
            self._known[key] = _parse(answer.get("Attributes"))

    def wait_seconds(self, owner: str, operation: str) -> float:
        """Seconds until the shared bucket holds a token (0.0 now): one consistent GetItem, no write, nothing taken.

        While the bucket is known empty the answer comes from that memo, without a call.
        """
        key, limit, now = f"{owner}#{operation}", limit_for(operation, self._limits), self._clock()
        with self._lock:
            wait = self._empty_until.get(key, 0.0) - now
        if wait > 0.0:
            return wait
        answer = self._dynamodb().get_item(TableName=self._table, Key={"pk": {"S": key}}, ConsistentRead=True)
        seen = _parse(answer.get("Item"))
        tokens = self._tokens(seen, now, limit)
        wait = wait_for_token(tokens, limit, self._time_scale)
        with self._lock:
            # The item just read is the latest state: the next take starts from it (a newer write only costs a retry).
            self._known[key] = seen
            if wait > 0.0:
                self._empty_until[key] = now + wait
        return wait

    def _try_take(self, key: str, now: float, limit: RateLimit) -> float | None:
        """One compare-and-set from the state seen last: 0.0 when taken, the wait when that state is empty, None
        when another worker wrote first (its item, returned by DynamoDB, becomes the state seen)."""
        with self._lock:
            seen = self._known.get(key)
        tokens = self._tokens(seen, now, limit)
        if not has_token(tokens):
            wait = wait_for_token(tokens, limit, self._time_scale)
            with self._lock:
                self._empty_until[key] = now + wait
            return wait
        new = _State(_down(tokens - 1.0), _up(now), (seen.version if seen else 0) + 1)
        try:
            self._dynamodb().update_item(**self._cas_request(key, seen, new, limit))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            current = _parse(cast("Mapping[str, Any] | None", exc.response.get("Item")))
            with self._lock:
                self._known[key] = current
            return None
        with self._lock:
            self._known[key] = new
        return 0.0

    def _tokens(self, seen: _State | None, now: float, limit: RateLimit) -> float:
        """Tokens at `now` in a bucket last seen as `seen` (None: no item, a full bucket)."""
        if seen is None:
            return float(limit.burst)
        return refill(seen.tokens, seen.updated_at, now, limit, self._time_scale)

    def _cas_request(self, key: str, seen: _State | None, new: _State, limit: RateLimit) -> dict[str, Any]:
        values = {
            ":tokens": {"N": _num(new.tokens)},
            ":now": {"N": _num(new.updated_at)},
            ":exp": {"N": str(self._expires_at(new.tokens, new.updated_at, limit))},
            ":version": {"N": str(new.version)},
        }
        if seen is None:
            condition = "attribute_not_exists(pk)"
        else:
            condition = "version = :seen"
            values[":seen"] = {"N": str(seen.version)}
        return {
            "TableName": self._table,
            "Key": {"pk": {"S": key}},
            "UpdateExpression": "SET tokens = :tokens, updated_at = :now, expires_at = :exp, version = :version",
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

    def _expires_at(self, tokens: float, now: float, limit: RateLimit) -> int:
        return int(now + seconds_until_full(tokens, limit, self._time_scale)) + _TTL_MARGIN_SECONDS

    def _dynamodb(self) -> DynamoDBClient:
        if self._client is None:
            self._client = aws.client("dynamodb")
        return self._client


def _parse(item: Mapping[str, Any] | None) -> _State | None:
    """The bucket state of a raw DynamoDB item; None when the item does not exist (a full bucket)."""
    if not item or "tokens" not in item:
        return None
    version = item.get("version", {}).get("N", "0")
    return _State(float(item["tokens"]["N"]), float(item["updated_at"]["N"]), int(version))


def _num(value: float) -> str:
    return f"{value:.6f}"


# Stored numbers have 6 decimals; rounding tokens down and times up keeps every rounding on the safe side.
def _down(value: float) -> float:
    return math.floor(value * 1e6) / 1e6


def _up(value: float) -> float:
    return math.ceil(value * 1e6) / 1e6


@cache
def shared_rate_limiter(table_name: str, time_scale: float = 1.0) -> DynamoDbRateLimiter:
    """The container-wide limiter of a table, built on first use, so warm starts keep its in-process state."""
    return DynamoDbRateLimiter(table_name, time_scale=time_scale)
