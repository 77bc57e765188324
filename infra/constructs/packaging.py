"""What every Lambda function of the stack shares: one code asset (`functions/` + `shared/`), one dependency layer."""

from dataclasses import dataclass

from aws_cdk import AssetHashType, IgnoreMode
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import ARCHITECTURE, RUNTIME, SERVICE_NAME
from infra.layer import ROOT, build_layer, lock_hash

# The function package holds only what the handlers import; everything else in the repository stays out.
CODE_EXCLUDE = ["/*", "!/functions/", "!/shared/", "__pycache__/", "*.pyc"]
ARCHITECTURES = {"arm64": lambda_.Architecture.ARM_64, "x86_64": lambda_.Architecture.X86_64}


@dataclass(frozen=True)
class Packaging:
    """Code and dependency layer, built once and shared by every function."""

    runtime: lambda_.Runtime
    code: lambda_.Code
    layer: lambda_.ILayerVersion


def build_packaging(scope: Construct) -> Packaging:
    """The code asset and the dependency layer (built from uv.lock, cached by its hash)."""
    runtime = lambda_.Runtime(RUNTIME, lambda_.RuntimeFamily.PYTHON)
    layer = lambda_.LayerVersion(
        scope,
        "DependencyLayer",
        description=f"{SERVICE_NAME}: runtime dependencies (uv.lock {lock_hash()})",
        # The lock hash names the layer's content, so CDK need not hash 15 MB of wheels on every synthesis.
        code=lambda_.Code.from_asset(
            str(build_layer()), asset_hash=f"layer-{lock_hash()}", asset_hash_type=AssetHashType.CUSTOM
        ),
        compatible_runtimes=[runtime],
        compatible_architectures=[ARCHITECTURES[ARCHITECTURE]],
    )
    code = lambda_.Code.from_asset(str(ROOT), exclude=CODE_EXCLUDE, ignore_mode=IgnoreMode.GIT)
    return Packaging(runtime=runtime, code=code, layer=layer)
