"""When a sync has stalled: its schedule's interval, the alarm window built on it, and the rule `sellersync status`
applies per connection. One module, so the stack's alarms and the CLI read the same numbers from the same schedule
expression (cdk.json's `sellersync:schedules`, else the registry's default). Plain functions of the expression, in
the bottom layer, so `sellersync status` imports them without the sync runner (and its Powertools).

- The interval of `rate(N unit)` is N units; of `cron(...)` the longest gap between two firings, computed for the
  minute and hour fields when the day fields are wildcards (daily and intra-day crons) or a day-of-week list (weekly);
  a cron that names days of the month, months or years has no computed interval (None: no stall alarm, no STALLED).
- A sync has stalled after STALL_INTERVALS intervals without a success.
- The stack's alarm evaluates one period per interval (CloudWatch allows periods up to a day and, for periods of an
  hour or more, seven days of evaluation; under an hour, one day): `alarm_window` says how, or None when the window
  does not fit (a weekly schedule's three weeks): `sellersync status` still marks such a connection STALLED.
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

# A sync that has not succeeded within this many schedule intervals has stalled (issue 18, item 1).
STALL_INTERVALS = 3
# A connection whose runs failed this many times in a row is flagged (status, the ConnectionsFailing metric).
FAILING_AFTER_RUNS = 3

DAY = 86_400
HOUR = 3_600
# CloudWatch: an alarm's period is at most a day, and its evaluation range (period x periods) at most a day for
# periods under an hour, else seven days.
MAX_PERIOD = DAY
MAX_RANGE_SHORT = DAY
MAX_RANGE_LONG = 7 * DAY

_UNITS = {"minute": 60, "minutes": 60, "hour": HOUR, "hours": HOUR, "day": DAY, "days": DAY}
_RATE = re.compile(r"^rate\((\d+)\s+(\w+)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_WILDCARDS = {"*", "?"}
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def interval_seconds(expression: str) -> int | None:
    """Seconds between two runs of a schedule expression; None when it cannot be computed (see the module doc)."""
    rate = _RATE.match(expression.strip())
    if rate:
        count, unit = int(rate.group(1)), rate.group(2).lower()
        return count * _UNITS[unit] if unit in _UNITS and count > 0 else None
    cron = _CRON.match(expression.strip())
    if not cron:
        return None  # at(...): runs once
    fields = cron.group(1).split()
    if len(fields) != 6:
        return None
    minutes, hours, day_of_month, month, day_of_week, year = fields
    try:
        day_times = sorted(h * HOUR + m * 60 for h in _values(hours, 0, 23) for m in _values(minutes, 0, 59))
        if not ({day_of_month, month, year} <= _WILDCARDS | {"*"}):
            return None
        days = [0] if day_of_week in _WILDCARDS else [d - 1 for d in _values(day_of_week, 1, 7, _WEEKDAYS)]
    except ValueError:
        return None
    span = DAY if day_of_week in _WILDCARDS else 7 * DAY
    firings = sorted(day * DAY + t for day in set(days) for t in day_times)
    if not firings:
        return None
    gaps = [b - a for a, b in zip(firings, firings[1:], strict=False)] + [firings[0] + span - firings[-1]]
    return max(gaps)


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    """The values of one cron field (`*`, `n`, `a-b`, `*/n`, `a/n`, `a-b/n` and lists); ValueError for others."""
    found: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base in _WILDCARDS:
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-")
            start, end = _number(first, names), _number(last, names)
        else:
            start = _number(base, names)
            end = high if step_text else start
        if not low <= start <= end <= high or step < 1:
            raise ValueError(field)
        found.update(range(start, end + 1, step))
    return found


def _number(text: str, names: dict[str, int] | None) -> int:
    upper = text.upper()
    return names[upper] if names and upper in names else int(text)


def stall_after(expression: str | None) -> timedelta | None:
    """How long without a success makes a sync on this schedule stalled; None without a computable interval."""
    interval = None if expression is None else interval_seconds(expression)
    return None if interval is None else timedelta(seconds=STALL_INTERVALS * interval)


@dataclass(frozen=True)
class AlarmWindow:
    """How the stack's alarm covers STALL_INTERVALS intervals: `periods` periods of `period_seconds`, all breaching."""

    period_seconds: int
    periods: int


def alarm_window(expression: str | None) -> AlarmWindow | None:
    """The alarm's periods for a schedule, or None when CloudWatch cannot evaluate that long a window."""
    interval = None if expression is None else interval_seconds(expression)
    if interval is None:
        return None
    period = min(interval, MAX_PERIOD)
    period = max(60, period - period % 60)  # a multiple of 60 s
    periods = math.ceil(STALL_INTERVALS * interval / period)
    limit = MAX_RANGE_LONG if period >= HOUR else MAX_RANGE_SHORT
    return AlarmWindow(period, periods) if period * periods <= limit else None


def failing_period_seconds(expression: str | None) -> int | None:
    """The period of the ConnectionsFailing alarm: one interval (at most a day); None without an interval."""
    interval = None if expression is None else interval_seconds(expression)
    return None if interval is None else max(60, min(interval, MAX_PERIOD) // 60 * 60)


def is_stalled(last_success_at: datetime | None, since: datetime, now: datetime, window: timedelta | None) -> bool:
    """Whether a connection's sync has had no success within `window` of `now`; `since` stands for the last success
    when there was none (the connection's authorization: a sync cannot stall before it could run)."""
    if window is None:
        return False
    reference = last_success_at if last_success_at is not None else since
    return now - reference > window
