"""The sandbox clock: sandbox time runs time_scale times faster than real time and can be pushed forward."""

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class ScaledClock:
    """Sandbox time = start + real elapsed * time_scale + manual advances.

    Everything time-based in the sandbox (token lifetimes, rate-limit refill, order arrival, feed processing)
    reads this clock, so a time scale of 60 makes an hour pass in a minute and every rate follow.
    """

    def __init__(self, start: datetime, time_scale: float, real: Callable[[], float] = time.monotonic) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._start = start.astimezone(UTC)
        self._scale = time_scale
        self._real = real
        self._real_start = real()
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def time_scale(self) -> float:
        """Sandbox seconds per real second."""
        return self._scale

    def timestamp(self) -> float:
        """Sandbox time as seconds since the epoch."""
        with self._lock:
            elapsed = (self._real() - self._real_start) * self._scale + self._offset
        return self._start.timestamp() + elapsed

    def now(self) -> datetime:
        """Sandbox time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def advance(self, seconds: float) -> None:
        """Jumps sandbox time forward (never back: tokens, buckets and schedules assume time only grows)."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds

    def real_seconds(self, sandbox_seconds: float) -> float:
        """How long sandbox_seconds take in real time."""
        return sandbox_seconds / self._scale


def iso(ts: float | datetime) -> str:
    """ISO 8601 UTC with a Z suffix and whole seconds, as SP-API writes timestamps."""
    moment = ts if isinstance(ts, datetime) else datetime.fromtimestamp(ts, UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(ts: float) -> str:
    """ISO 8601 UTC with milliseconds, as notifications write timestamps."""
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(value: str) -> float:
    """Parses an ISO 8601 timestamp (naive ones are taken as UTC) to epoch seconds; raises ValueError."""
    moment = datetime.fromisoformat(value.replace("z", "Z"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def days(n: float) -> float:
    """n days in seconds."""
    return timedelta(days=n).total_seconds()
