"""Clocks of the functions: the wall clock, or (against the time-scaled local sandbox only) a scaled one.

`SPAPI_TIME_SCALE` and `SPAPI_CLOCK_ORIGIN` are local-only settings: with both, "now" is
`origin + (wall - origin) * scale`, the sandbox's own time, so that order windows, lease expiry and access-token
lifetimes agree with a sandbox running faster than real time. A deployed stack never sets them.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


def scaled_utc_clock(scale: float, origin: datetime | None) -> Callable[[], datetime]:
    """`utc_now`, or sandbox time when the scale differs from 1 and an origin is given."""
    if scale == 1.0 or origin is None:
        return utc_now

    def now() -> datetime:
        wall = datetime.now(UTC)
        return origin + (wall - origin) * scale

    return now


def scaled_monotonic(scale: float) -> Callable[[], float]:
    """A monotonic clock in sandbox seconds (for caches that count lifetimes in Amazon's seconds)."""
    if scale == 1.0:
        return time.monotonic
    return lambda: time.monotonic() * scale


def origin_for(sandbox_now: datetime, wall_now: datetime, scale: float) -> datetime:
    """The origin that makes `scaled_utc_clock` read `sandbox_now` at `wall_now`."""
    if scale == 1.0:
        return wall_now
    wall, sandbox = wall_now.timestamp(), sandbox_now.timestamp()
    return datetime.fromtimestamp((sandbox - scale * wall) / (1 - scale), UTC)
