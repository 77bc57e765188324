"""The CDK app: one `SellerSyncStack`, checked by cdk-nag's AWS Solutions pack.

`python -m infra.app` (cdk.json's "app") synthesizes into `cdk.out/`, offline and without Docker. cdk-nag 3 runs as
a policy-validation plugin: any finding not acknowledged in `infra/` (see `infra/nag.py`) fails the synthesis.
"""

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.config import STACK_NAME, SYNC_TYPES, SyncType
from infra.layer import ROOT
from infra.stack import SellerSyncStack

CDK_JSON = ROOT / "cdk.json"


def cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The "context" of cdk.json, so a plain `python -m infra.app` and the tests see what `cdk synth` sees."""
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text()).get("context", {}))


def build_app(
    registry: Sequence[SyncType] = SYNC_TYPES,
    outdir: str | None = None,
    context: Mapping[str, Any] | None = None,
) -> cdk.App:
    """The app with its one stack; `context` overrides cdk.json's, and the CDK CLI's `-c` overrides both."""
    app = cdk.App(outdir=outdir, context={**cdk_json_context(), **(context or {})})
    SellerSyncStack(app, STACK_NAME, registry=tuple(registry), synthesizer=cdk.DefaultStackSynthesizer())
    # Acknowledgments are copied into each resource's Metadata (cdk_nag.rules_to_suppress) as an audit trail.
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))
    return app


def stack_of(app: cdk.App) -> SellerSyncStack:
    """The app's stack."""
    stack = app.node.find_child(STACK_NAME)
    assert isinstance(stack, SellerSyncStack)
    return stack


def main() -> None:
    """Synthesizes into $CDK_OUTDIR (set by the CDK CLI) or ./cdk.out and prints the assembly folder."""
    outdir = os.environ.get("CDK_OUTDIR") or str(ROOT / "cdk.out")
    try:
        assembly = build_app(outdir=outdir).synth()
    except RuntimeError as exc:
        print(f"error: synthesis failed: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc
    print(assembly.directory)


if __name__ == "__main__":
    main()
