"""Which functions X-Ray traces: cdk.json's `sellersync:tracing` over each spec's `traced`.

Lambda traces every invocation of an `Active` function that comes in under one a second (its sampling, one request
a second plus 5 % of the rest, cannot be configured for a function), and X-Ray bills each trace ($5 per million):
25 times Lambda's own request price. So the functions that run per stock change, per Amazon notification or
hourly or more often per connection (the polls: orders every 15 minutes, the catalog's delta and the authorization
check hourly) are `PassThrough` by default: they trace only what a traced caller sampled, and their outcome is in the
structured logs, the metrics and each connection's status items. The rest (connect, shipments, cancellations, the
daily inventory reconciliation, shipment verification, secret rotation) trace every invocation.
docs/costs.md measures what each costs; docs/decisions.md (2026-12-07) says why.

- `selective` (default): each spec's `traced` decides.
- `all`: every function `Active` (an investigation; costs more per connection, docs/costs.md).
- `off`: every function `PassThrough`.
"""

from enum import StrEnum

TRACING_CONTEXT_KEY = "sellersync:tracing"


class TracingMode(StrEnum):
    """The values of `sellersync:tracing`."""

    SELECTIVE = "selective"
    ALL = "all"
    OFF = "off"


def tracing_mode(value: object) -> TracingMode:
    """The context value as a mode (absent: selective); ValueError naming the allowed values for anything else."""
    if value is None:
        return TracingMode.SELECTIVE
    try:
        return TracingMode(str(value))
    except ValueError:
        allowed = ", ".join(mode.value for mode in TracingMode)
        raise ValueError(f"{TRACING_CONTEXT_KEY} must be one of {allowed}; got {value!r}") from None


def is_active(mode: TracingMode, traced: bool) -> bool:
    """Whether a function whose spec says `traced` runs with Active tracing under `mode`."""
    return mode is TracingMode.ALL or (mode is TracingMode.SELECTIVE and traced)
