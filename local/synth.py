"""Synthesizes the CDK app in-process (no CDK CLI, no Docker) and returns the stack's template."""

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from infra.config import STACK_NAME, SYNC_TYPES, SyncType

ROOT = Path(__file__).resolve().parent.parent


def cdk_context(root: Path = ROOT) -> dict[str, Any]:
    """The context of cdk.json, which the CDK CLI would pass to the app."""
    return dict(json.loads((root / "cdk.json").read_text()).get("context", {}))


def synthesize(registry: tuple[SyncType, ...] = SYNC_TYPES, context: dict[str, Any] | None = None) -> dict[str, Any]:
    """The CloudFormation template of the stack, as `cdk synth` would write it."""
    # jsii warns at every start that Node 20 is past its end of life (the value names the majors to accept);
    # the CDK still runs on it (README: Tools).
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from infra.app import build_app  # imported on use: loading the CDK (jsii) takes a few seconds

    merged = {**cdk_context(), **(context or {})}
    with tempfile.TemporaryDirectory(prefix="sellersync-synth-") as outdir:
        assembly = build_app(registry=registry, outdir=outdir, context=merged).synth()
        template: dict[str, Any] = assembly.get_stack_by_name(STACK_NAME).template
    return template
