"""Fixtures shared by every test suite."""

import os
from collections.abc import Iterator

import pytest

from local.aws import LocalAws, moto_server

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    """One moto server for the whole test session (tests isolate themselves by resource names)."""
    with moto_server() as aws:
        yield aws
