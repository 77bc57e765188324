"""Fakes at the client's seams: a requests transport adapter, a clock and a token provider."""

import json
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

Responder = Callable[[requests.PreparedRequest], requests.Response]


def make_response(
    status: int = 200,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
) -> requests.Response:
    """A requests.Response with a JSON body (or raw content) and headers."""
    response = requests.Response()
    response.status_code = status
    response._content = content if content is not None else (b"" if body is None else json.dumps(body).encode())
    response.headers = CaseInsensitiveDict(
        {"x-amzn-RequestId": f"req-{status}", "content-type": "application/json", **(headers or {})}
    )
    response.encoding = "utf-8"
    return response


class FakeAdapter(BaseAdapter):
    """Answers requests from a queue (responses, exceptions or responder functions) and records every request."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[requests.PreparedRequest] = []
        self.timeouts: list[Any] = []
        self._queue: deque[requests.Response | Exception | Responder] = deque()
        self._lock = threading.Lock()

    def queue(self, *answers: requests.Response | Exception | Responder) -> None:
        """Adds answers, used in order; a responder stays in place only if it is the last one."""
        self._queue.extend(answers)

    def reply(self, status: int = 200, body: Any = None, **kwargs: Any) -> None:
        """Queues one JSON response."""
        self.queue(make_response(status, body, **kwargs))

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        with self._lock:
            self.requests.append(request)
            self.timeouts.append(kwargs.get("timeout"))
            if not self._queue:
                raise AssertionError(f"unexpected request {request.method} {request.url}")
            answer = self._queue[0] if len(self._queue) == 1 and callable(self._queue[0]) else self._queue.popleft()
        if isinstance(answer, Exception):
            raise answer
        response = answer(request) if callable(answer) else answer
        response.request = request
        response.url = request.url or ""
        return response

    def close(self) -> None:
        """Nothing to release."""


def fake_session(adapter: FakeAdapter) -> requests.Session:
    """A Session whose every request goes to the adapter (no sockets)."""
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@dataclass
class FakeClock:
    """A clock that only moves when something sleeps on it (or the test advances it)."""

    now: float = 1_000_000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeTokens:
    """A token provider that hands out fixed tokens and records what was asked."""

    scopes: list[str | None] = field(default_factory=list)
    invalidated: list[str | None] = field(default_factory=list)

    def access_token(self, scope: str | None = None) -> str:
        self.scopes.append(scope)
        return "Atza|grantless-token" if scope else "Atza|seller-token"

    def invalidate(self, scope: str | None = None) -> None:
        self.invalidated.append(scope)


@dataclass
class RecordingLimiter:
    """A limiter that never waits and records every acquire and drain."""

    acquired: list[tuple[str, str, float | None]] = field(default_factory=list)
    drained: list[tuple[str, str]] = field(default_factory=list)

    def acquire(self, owner: str, operation: str, max_wait: float | None = None) -> None:
        self.acquired.append((owner, operation, max_wait))

    def drain(self, owner: str, operation: str) -> None:
        self.drained.append((owner, operation))

    def wait_seconds(self, owner: str, operation: str) -> float:
        return 0.0
