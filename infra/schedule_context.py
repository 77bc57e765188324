"""Which schedule each sync type runs on: cdk.json's `sellersync:schedules` over the registry's defaults.

Kept apart from the constructs (no CDK import), so `sellersync status` reads the same expressions the stack was built
from (shared/models/schedule.py turns them into stall windows) without loading the CDK.
"""

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from infra.config import SCHEDULES_CONTEXT_KEY, SYNC_TYPES, SyncType

CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"
_EXPRESSION_PREFIXES = ("rate(", "cron(", "at(")


def resolve_schedules(registry: Sequence[SyncType], overrides: object) -> dict[str, str | None]:
    """Schedule expression per sync type: the context override if present (null disables), else the default.

    `overrides` is the `sellersync:schedules` context value: a mapping, or its JSON text when given with `-c`.
    Raises ValueError for a name that is no sync type or an expression Scheduler would reject.
    """
    parsed = json.loads(overrides) if isinstance(overrides, str) else overrides or {}
    if not isinstance(parsed, Mapping):
        raise ValueError(f"{SCHEDULES_CONTEXT_KEY} must map sync type names to schedule expressions")
    names = {entry.name for entry in registry}
    unknown = sorted(set(parsed) - names)
    if unknown:
        raise ValueError(f"{SCHEDULES_CONTEXT_KEY} names unknown sync types {unknown}; known: {sorted(names)}")
    resolved = {entry.name: parsed.get(entry.name, entry.default_schedule) for entry in registry}
    for name, expression in resolved.items():
        if expression is not None and not expression.startswith(_EXPRESSION_PREFIXES):
            raise ValueError(f"schedule of {name}: {expression!r} is no rate(...), cron(...) or at(...) expression")
    return resolved


def configured_schedules(registry: Sequence[SyncType] = SYNC_TYPES, path: Path = CDK_JSON) -> dict[str, str | None]:
    """The schedules cdk.json configures (what `cdk synth` builds the stack with, absent a `-c` override)."""
    context: dict[str, Any] = json.loads(path.read_text()).get("context", {}) if path.is_file() else {}
    return resolve_schedules(registry, context.get(SCHEDULES_CONTEXT_KEY))
