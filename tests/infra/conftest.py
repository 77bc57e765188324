"""Synthesizes the app twice per session, the slow part of these tests: the production registry and a test one."""

import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk.assertions import Template  # noqa: E402  (jsii reads the variable above when it starts node)

from infra.app import build_app, stack_of  # noqa: E402
from infra.config import SYNC_TYPES, SyncType  # noqa: E402
from tests.infra.registry import TEST_CONTEXT, TEST_REGISTRY  # noqa: E402
from tests.infra.template_tools import Synthesized  # noqa: E402


def synthesize(registry: Sequence[SyncType], outdir: Path, context: Mapping[str, Any] | None = None) -> Synthesized:
    """Builds the app and synthesizes its stack (cdk-nag runs here: a finding fails the synthesis)."""
    stack = stack_of(build_app(registry, outdir=str(outdir), context=context))
    return Synthesized(stack=stack, template=Template.from_stack(stack), outdir=outdir)


@pytest.fixture(scope="session")
def production() -> Iterator[Synthesized]:
    """The production registry."""
    with tempfile.TemporaryDirectory(prefix="infra-prod-") as outdir:
        yield synthesize(SYNC_TYPES, Path(outdir))


@pytest.fixture(scope="session")
def sample() -> Iterator[Synthesized]:
    """The three-entry test registry, with gamma's schedule overridden through the context."""
    with tempfile.TemporaryDirectory(prefix="infra-sample-") as outdir:
        yield synthesize(TEST_REGISTRY, Path(outdir), TEST_CONTEXT)


@pytest.fixture(scope="session", params=["production", "sample"])
def synthesized(request: pytest.FixtureRequest) -> Synthesized:
    """Each synthesized stack in turn, for properties that hold whatever the registry."""
    return request.getfixturevalue(str(request.param))
