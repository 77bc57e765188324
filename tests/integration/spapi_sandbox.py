"""Wiring the real SP-API client to a running local sandbox (integration tests and the rate benchmark).

- `Recorder`: a requests Session whose response hook records every exchange; it checks every SP-API request against
  Amazon's models (the unit tests' contract checker) and flags 5xx answers the sandbox did not mean to give.
- `SandboxTime`: the client's clock and sleep on sandbox time; a sleep jumps the sandbox clock instead of waiting.
- `connect`: an SpApiClient and its LWA token provider for one authorized seller, with the endpoint overrides.
"""

import json
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import requests
from pydantic import SecretStr

from local.sandbox import SandboxInspector
from local.sandbox.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from shared.spapi.client import SpApiClient
from shared.spapi.lwa import LwaClient, LwaCredentials
from shared.spapi.marketplaces import Region
from shared.spapi.models.listings import PatchOperation
from shared.spapi.ratelimit import RateLimiter
from shared.spapi.tokens import AccessTokenCache, LwaTokenProvider
from shared.spapi.transport import RetryPolicy
from tests.unit.spapi.contract import ContractError, match, validate_request

SANDBOX_CREDENTIALS = LwaCredentials(client_id=DEFAULT_CLIENT_ID, client_secret=SecretStr(DEFAULT_CLIENT_SECRET))
LWA_PATH = "/auth/o2/token"
# The sandbox's regional prefixes stand in for the regional hosts; Amazon's models know the paths without them.
_REGION_PREFIX = re.compile(r"^/(na|eu|fe)(?=/)")
_NOT_SPAPI = (LWA_PATH, "/_documents/", "/_sandbox/")


@dataclass(frozen=True)
class Exchange:
    """One request the client sent and the status it got."""

    request: requests.PreparedRequest
    status: int
    content: bytes
    seconds: float

    @cached_property
    def path(self) -> str:
        """The URL path without the sandbox's region prefix."""
        return _REGION_PREFIX.sub("", urlsplit(self.request.url or "").path)

    @property
    def is_spapi(self) -> bool:
        """An SP-API operation (not LWA, not a document URL)."""
        return not self.path.startswith(_NOT_SPAPI)

    @cached_property
    def operation(self) -> str:
        """The operationId (from the models), or "lwa" / "document"."""
        if self.path == LWA_PATH:
            return "lwa"
        if not self.is_spapi:
            return "document"
        return match(self.request.method or "", self.path)[0].operation_id


class Recorder:
    """Records every exchange of the sessions it makes (thread-safe)."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def session(self) -> requests.Session:
        """A Session that records every response (and its request)."""
        session = requests.Session()
        session.hooks["response"].append(self._record)
        return session

    def statuses(self, operation: str | None = None) -> Counter[int]:
        """How many answers of each HTTP status (of one operation, or of every SP-API call)."""
        with self._lock:
            found = [e for e in self.exchanges if e.is_spapi]
        return Counter(e.status for e in found if operation is None or e.operation == operation)

    def mean_seconds(self, operation: str) -> float:
        """Mean time from sending a request of the operation to its answer's headers (real seconds)."""
        with self._lock:
            found = [e.seconds for e in self.exchanges if e.is_spapi and e.operation == operation]
        return sum(found) / len(found) if found else 0.0

    def lwa_grants(self) -> list[str]:
        """The grant_type of every LWA token request, in order."""
        with self._lock:
            bodies = [str(e.request.body or "") for e in self.exchanges if e.path == LWA_PATH]
        return [parse_qs(body).get("grant_type", [""])[0] for body in bodies]

    def clear(self) -> None:
        """Forgets what was recorded."""
        with self._lock:
            self.exchanges.clear()

    def check(self) -> None:
        """Every SP-API request matches Amazon's model, and no 5xx came from a sandbox failure.

        A fault-injected 500 carries the sandbox's `InternalFailure` JSON; anything else (werkzeug's HTML page) means
        the sandbox raised, e.g. a response that failed its own model check under `validate_responses`.
        """
        with self._lock:
            exchanges = list(self.exchanges)
        problems = []
        for exchange in exchanges:
            if exchange.is_spapi:
                try:
                    validate_request(_without_region(exchange.request))
                except ContractError as exc:
                    problems.append(str(exc))
            if exchange.status >= 500 and not _injected_failure(exchange.content):
                problems.append(f"sandbox failed: {exchange.request.method} {exchange.path} -> {exchange.status}")
        if problems:
            raise ContractError(
                "; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)" if len(problems) > 5 else "")
            )

    def _record(self, response: requests.Response, *_: Any, **__: Any) -> None:
        with self._lock:
            exchange = Exchange(
                response.request, response.status_code, response.content, response.elapsed.total_seconds()
            )
            self.exchanges.append(exchange)


def _without_region(request: requests.PreparedRequest) -> requests.PreparedRequest:
    copy = request.copy()
    parts = urlsplit(copy.url or "")
    copy.url = urlunsplit(parts._replace(path=_REGION_PREFIX.sub("", parts.path)))
    return copy


def _injected_failure(content: bytes) -> bool:
    try:
        errors = json.loads(content)["errors"]
    except (ValueError, KeyError, TypeError):
        return False
    return bool(errors) and errors[0].get("code") == "InternalFailure"


@dataclass
class SandboxTime:
    """A monotonic clock in sandbox seconds that only moves when the client sleeps (or the test advances it).

    Each move also pushes the sandbox clock forward through the inspector, so the client's token buckets and the
    sandbox's refill by the same amount and nothing waits for real. The sandbox clock also runs on its own (at its
    time scale), so it is never behind this one: the client's buckets are never fuller than the sandbox's.
    """

    inspector: SandboxInspector
    now: float = 1_000_000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        """What the client calls instead of time.sleep: recorded, then time jumps."""
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Moves this clock and the sandbox's forward."""
        if seconds > 0:
            self.now += seconds
            self.inspector.advance(seconds)


@dataclass(frozen=True)
class Connection:
    """An authorized seller and the client pieces of its connection."""

    seller_id: str
    marketplace_id: str
    client: SpApiClient
    tokens: LwaTokenProvider


def connect(
    base_url: str,
    seller_id: str,
    marketplace_id: str,
    refresh_token: str,
    session: requests.Session,
    limiter: RateLimiter,
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    retry: RetryPolicy,
    region: Region = Region.EU,
    remaining_time_ms: Callable[[], int] | None = None,
) -> Connection:
    """The client of one connection, pointed at the sandbox (SP-API at the region's prefix, LWA at /auth/o2/token)."""
    lwa = LwaClient(SANDBOX_CREDENTIALS, session, f"{base_url}{LWA_PATH}", clock=clock, sleep=sleep)
    tokens = LwaTokenProvider(lwa, seller_id, SecretStr(refresh_token), AccessTokenCache(clock=clock))
    client = SpApiClient(
        seller_id,
        region,
        tokens,
        limiter,
        session,
        endpoint_override=f"{base_url}/{region.value.lower()}",
        clock=clock,
        sleep=sleep,
        remaining_time_ms=remaining_time_ms,
        retry=retry,
    )
    return Connection(seller_id, marketplace_id, client, tokens)


def availability(quantity: int, handling_days: int = 2) -> PatchOperation:
    """A listings patch setting the merchant-fulfilled quantity and handling time."""
    value = {"fulfillment_channel_code": "DEFAULT", "quantity": quantity, "lead_time_to_ship_max_days": handling_days}
    return PatchOperation(op="replace", path="/attributes/fulfillment_availability", value=[value])
