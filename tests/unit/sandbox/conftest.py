"""Fixtures for the sandbox unit tests."""

from collections.abc import Callable

import pytest

from tests.unit.sandbox.sandbox_harness import Harness, build_harness


@pytest.fixture
def make_harness() -> Callable[..., Harness]:
    """Builds harnesses with config overrides."""
    return build_harness


@pytest.fixture
def harness() -> Harness:
    """The default harness: seed 7, no order arrivals, response validation on."""
    return build_harness()
