"""The local stand-in for EventBridge Scheduler: parses schedule expressions and fires them on time."""

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from local.specs import ScheduleSpec

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleExpressionError(ValueError):
    """A schedule expression the local clock does not understand."""


def interval_seconds(expression: str) -> int:
    """Seconds between firings of a `rate(...)` expression."""
    match = _RATE.match(expression.strip())
    if not match:
        raise ScheduleExpressionError(f"unsupported schedule expression {expression!r} (local clock: rate() only)")
    value, unit = int(match.group(1)), match.group(2).rstrip("s")
    if value < 1 or (value != 1) != match.group(2).endswith("s"):
        raise ScheduleExpressionError(f"invalid rate expression {expression!r}")
    return value * _UNIT_SECONDS[unit]


class ScheduleClock(threading.Thread):
    """Fires every enabled schedule at its rate; `speed` > 1 runs local time faster (demo and tests)."""

    def __init__(
        self,
        schedules: list[ScheduleSpec],
        fire: Callable[[ScheduleSpec], Any],
        speed: float = 1.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(daemon=True, name="schedule-clock")
        self.fire, self.speed, self.now = fire, speed, now
        self.schedules, self.unsupported = [], []
        for spec in schedules:
            if not spec.enabled:
                continue
            try:
                interval_seconds(spec.expression)
                self.schedules.append(spec)
            except ScheduleExpressionError:
                self.unsupported.append(spec)  # listed by `sellersync local up`; fire it with `sellersync sync`
        self.stopped = threading.Event()
        start = now()
        # EventBridge Scheduler fires a rate schedule first one interval after it is created.
        self.next_due = {
            s.logical_id: start + timedelta(seconds=interval_seconds(s.expression) / speed) for s in self.schedules
        }

    def due(self) -> list[ScheduleSpec]:
        """Schedules due now; advances each one's next firing."""
        now, fired = self.now(), []
        for spec in self.schedules:
            if self.next_due[spec.logical_id] <= now:
                fired.append(spec)
                step = timedelta(seconds=interval_seconds(spec.expression) / self.speed)
                self.next_due[spec.logical_id] = max(self.next_due[spec.logical_id] + step, now)
        return fired

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            for spec in self.due():
                self.fire(spec)

    def stop(self) -> None:
        """Stops the clock."""
        self.stopped.set()
