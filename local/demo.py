"""`sellersync demo`: brings the embedded default up, exercises what the stack holds and reports what happened.

It grows with every capability: each sync type, once registered, adds its own end-to-end run here.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from infra.config import STACK_NAME, SYNC_TYPES, SyncType
from local.checks import Check, check_stack
from local.runtime import LocalOptions, run_local_stack
from local.synth import synthesize

Step = Callable[[str], None]


@dataclass
class DemoSummary:
    """Everything the demo did, for the readable report and for `--json`."""

    stack_name: str
    synthesized_resources: int
    deployed_resources: dict[str, int]
    local_equivalents: dict[str, str]
    api_url: str
    checks: list[Check]
    sync_types: list[str]
    seconds: float

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(c.ok for c in self.checks)


def _count_by_type(resources: dict[str, tuple[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, _ in resources.values():
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))


def run_demo(step: Step, registry: tuple[SyncType, ...] = SYNC_TYPES) -> DemoSummary:
    """Synthesizes the app, deploys it into the embedded AWS and checks that every component works."""
    started = time.monotonic()
    step("Synthesizing the CDK app (offline, no Docker)")
    template = synthesize(registry)
    step(f"Starting the embedded AWS and deploying {len(template['Resources'])} resources")
    with run_local_stack(template, LocalOptions(stack_name=STACK_NAME, run_clock=False)) as stack:
        step("Checking tables, queues, bus, key, secret and API")
        checks = check_stack(stack.deployed)
        return DemoSummary(
            stack_name=stack.deployed.stack_name,
            synthesized_resources=len(template["Resources"]),
            deployed_resources=_count_by_type(stack.deployed.resources),
            local_equivalents={kind: note for _, kind, note in stack.deployed.equivalents},
            api_url=stack.api_url,
            checks=checks,
            sync_types=[e.name for e in registry],
            seconds=round(time.monotonic() - started, 1),
        )
