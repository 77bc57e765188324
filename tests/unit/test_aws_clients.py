"""shared/aws.py: one boto3 client per (service, region, endpoint) per container, across calls and threads."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import boto3
import pytest

from shared import aws


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str | None, str | None]]]:
    """Every client boto3 is asked to make, as (service, region, endpoint); each one a fresh object."""
    calls: list[tuple[str, str | None, str | None]] = []

    def fake_client(self: Any, service: str, region_name: str | None = None, endpoint_url: str | None = None) -> Any:
        calls.append((service, region_name, endpoint_url))
        return object()

    monkeypatch.setattr(boto3.session.Session, "client", fake_client)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    aws.clear()
    yield calls
    aws.clear()


def test_one_client_per_service_across_calls(made: list[Any]) -> None:
    first = aws.client("sqs")
    assert aws.client("sqs") is first
    assert aws.client("dynamodb") is not first
    assert aws.client("dynamodb") is aws.client("dynamodb")
    assert made == [("sqs", "eu-west-1", None), ("dynamodb", "eu-west-1", None)]


def test_one_client_across_threads(made: list[Any]) -> None:
    start = Barrier(8)

    def get(_: int) -> Any:
        start.wait()
        return aws.client("kms")

    with ThreadPoolExecutor(max_workers=8) as pool:
        clients = list(pool.map(get, range(8)))
    assert len({id(c) for c in clients}) == 1
    assert made == [("kms", "eu-west-1", None)]


def test_region_and_endpoint_come_from_the_environment_at_use(made: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    in_ireland = aws.client("events")
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    local = aws.client("events")
    assert local is not in_ireland
    assert aws.client("events") is local
    assert made == [("events", "eu-west-1", None), ("events", "us-east-1", "http://127.0.0.1:5000")]


def test_clear_makes_new_clients(made: list[Any]) -> None:
    before = aws.client("secretsmanager")
    aws.clear()
    after = aws.client("secretsmanager")
    assert after is not before
    assert aws.client("secretsmanager") is after
    assert len(made) == 2


def test_nothing_is_made_at_import(made: list[Any]) -> None:
    import importlib

    importlib.reload(aws)
    assert made == []
