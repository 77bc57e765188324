"""Synthesizes the CDK app in-process (no CDK CLI, no Docker) and returns the stack's template.

`synthesize_cached` keeps the template on disk (.build/synth/<key>.json), keyed by a hash of everything synthesis
reads: infra/, functions/, shared/, cdk.json, pyproject.toml, uv.lock, the registry and the context. An unchanged
tree starts `sellersync local up` without loading the CDK at all.
"""

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.config import STACK_NAME, SYNC_TYPES, SyncType

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / ".build" / "synth"
SOURCE_DIRS = ("infra", "functions", "shared")
SOURCE_FILES = ("cdk.json", "pyproject.toml", "uv.lock")


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


def _source_files(root: Path) -> list[Path]:
    found = [root / name for name in SOURCE_FILES if (root / name).is_file()]
    for folder in SOURCE_DIRS:
        found += [p for p in (root / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return sorted(found)


def synthesis_key(
    registry: tuple[SyncType, ...] = SYNC_TYPES, context: dict[str, Any] | None = None, root: Path = ROOT
) -> str:
    """A hash of what synthesis reads: the source files (paths and contents), the registry and the context."""
    digest = hashlib.sha256()
    for path in _source_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(repr(registry).encode())
    digest.update(json.dumps(context or {}, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Synthesis:
    """A template, and whether it came from the cache."""

    template: dict[str, Any]
    cached: bool
    path: Path


def synthesize_cached(
    registry: tuple[SyncType, ...] = SYNC_TYPES,
    context: dict[str, Any] | None = None,
    cache_dir: Path = CACHE_DIR,
    root: Path = ROOT,
) -> Synthesis:
    """The template from the cache when the sources and context are unchanged; else synthesized and cached."""
    path = cache_dir / f"{synthesis_key(registry, context, root)}.json"
    if path.is_file():
        try:
            return Synthesis(json.loads(path.read_text()), cached=True, path=path)
        except json.JSONDecodeError:
            pass  # a torn write: synthesize again
    template = synthesize(registry, context)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(template))
    partial.replace(path)
    return Synthesis(template, cached=False, path=path)
