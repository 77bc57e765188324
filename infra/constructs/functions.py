"""What every Lambda function of the stack shares: one code asset and dependency layer, and the function shape.

Every function runs the pinned Python runtime on arm64, traced, logging to its own retained log group, with its own
role, its code from `functions/` + `shared/` and its dependencies from the one layer.
"""

from dataclasses import dataclass
from typing import Any

from aws_cdk import AssetHashType, Duration, IgnoreMode
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import nag
from infra.amazon_endpoints import AMAZON_ENDPOINTS_CONTEXT_KEY, endpoint_overrides
from infra.config import ARCHITECTURE, RUNTIME, SERVICE_NAME
from infra.constructs.common import log_group
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


@dataclass(frozen=True)
class FunctionShape:
    """What differs between our functions."""

    description: str
    handler: str
    timeout_seconds: int
    memory_mb: int
    environment: dict[str, str]


def python_function(
    scope: Construct, packaging: Packaging, shape: FunctionShape, **extra: Any
) -> tuple[lambda_.Function, iam.Role]:
    """A function (construct id `Function`) with its own role (`Role`) and log group (`Logs`) under `scope`.

    The Amazon endpoint overrides of the context (`sellersync:amazonEndpoints`, infra/amazon_endpoints.py), when set,
    go into every function's environment.
    """
    overrides = endpoint_overrides(scope.node.try_get_context(AMAZON_ENDPOINTS_CONTEXT_KEY))
    role = iam.Role(
        scope,
        "Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"{SERVICE_NAME}: {shape.description}"[:1000],
    )
    logs = log_group(scope, "Logs")
    logs.grant_write(role)
    function = lambda_.Function(
        scope,
        "Function",
        description=shape.description,
        runtime=packaging.runtime,
        architecture=ARCHITECTURES[ARCHITECTURE],
        handler=shape.handler,
        code=packaging.code,
        layers=[packaging.layer],
        timeout=Duration.seconds(shape.timeout_seconds),
        memory_size=shape.memory_mb,
        tracing=lambda_.Tracing.ACTIVE,
        log_group=logs,
        role=role,
        environment={**shape.environment, **overrides},
        **extra,
    )
    nag.acknowledge_resource(function, "AwsSolutions-L1", nag.PINNED_RUNTIME)
    return function, role
