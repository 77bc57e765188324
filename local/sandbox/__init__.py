"""The local Amazon sandbox: LWA, Seller Central consent and SP-API operations for fake sellers, on loopback."""

from local.sandbox.app import create_app, sandbox_of
from local.sandbox.config import FaultConfig, SandboxConfig
from local.sandbox.inspector import SandboxInspector
from local.sandbox.server import SandboxServer, run
from local.sandbox.world import Sandbox

__all__ = [
    "FaultConfig",
    "Sandbox",
    "SandboxConfig",
    "SandboxInspector",
    "SandboxServer",
    "create_app",
    "run",
    "sandbox_of",
]
