"""Pieces the in-process handler harnesses share (orders, inventory): queues, the LWA secret, a capture bus, Amazon's
clock, the handlers' environment, a connected sandbox seller, and forgetting what the handlers cached."""

import json
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from types import ModuleType

import pytest
from pydantic import SecretStr

from local.aws import LocalAws
from local.sandbox import SandboxInspector
from local.sandbox.config import DEFAULT_APPLICATION_ID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from local.sandbox.inspector import SellerInfo
from shared import aws as aws_clients
from shared.models.connection import Connection
from shared.models.settings import ConnectionSettings
from shared.repositories import ConnectionsRepository
from shared.settings import load_settings
from shared.spapi.marketplaces import Region
from shared.spapi.ratelimit_dynamodb import shared_rate_limiter


def sandbox_now(inspector: SandboxInspector) -> datetime:
    """Amazon's time."""
    return datetime.fromisoformat(inspector.now())


def make_queue(aws: LocalAws, name: str) -> tuple[str, str]:
    """A fresh queue: its URL and ARN."""
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=f"{name}-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def make_key(aws: LocalAws, purpose: str) -> str:
    """A fresh KMS key (the stack key's stand-in); its ARN."""
    key = aws.client("kms").create_key(Description=f"{purpose}-{uuid.uuid4().hex[:8]}")
    return str(key["KeyMetadata"]["Arn"])


def lwa_secret(aws: LocalAws) -> str:
    """A Secrets Manager secret with the sandbox's LWA app credentials; its ARN."""
    value = {
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "application_id": DEFAULT_APPLICATION_ID,
    }
    created = aws.client("secretsmanager").create_secret(
        Name=f"lwa-{uuid.uuid4().hex[:8]}", SecretString=json.dumps(value)
    )
    return str(created["ARN"])


def capture_bus(aws: LocalAws, source: str, capture_arn: str) -> str:
    """A fresh bus whose events of `source` land on the capture queue; its name."""
    events, name = aws.client("events"), f"bus-{uuid.uuid4().hex[:8]}"
    events.create_event_bus(Name=name)
    events.put_rule(Name="capture", EventBusName=name, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule="capture", EventBusName=name, Targets=[{"Id": "capture", "Arn": capture_arn}])
    return name


def clear_caches(modules: Iterable[ModuleType]) -> None:
    """Forgets what the handler modules built: the next invocation behaves as one in a fresh container."""
    for module in modules:
        for name in dir(module):  # every functools cache of the handler module (a test may have replaced one)
            cached = getattr(module, name)
            if callable(getattr(cached, "cache_clear", None)) and getattr(cached, "__module__", "") == module.__name__:
                cached.cache_clear()
        module.metrics.clear_default_dimensions()
        module.metrics.clear_metrics()
    load_settings.cache_clear()
    shared_rate_limiter.cache_clear()
    aws_clients.clear()  # the container's AWS clients: a test may point the environment at another moto server


def use_environment(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]) -> None:
    """The handlers' environment, as Lambda would set it (and not inside a Lambda: no function name)."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)


def connect_seller(
    connections: ConnectionsRepository,
    inspector: SandboxInspector,
    seller: SellerInfo,
    name: str,
    settings: ConnectionSettings,
) -> Connection:
    """The sandbox seller authorized a day ago (Amazon's clock) and stored with the given settings."""
    at = sandbox_now(inspector) - timedelta(days=1)
    connection = Connection(
        selling_partner_id=seller.selling_partner_id,
        region=Region.EU,
        name=name,
        marketplace_ids=tuple(seller.marketplace_ids),
        authorized_at=at,
        created_at=at,
        updated_at=at,
    )
    connections.put_connection(connection, SecretStr(inspector.authorize(seller.selling_partner_id)))
    _, version = connections.get_versioned_settings(connection.connection_id)
    connections.put_settings(connection.connection_id, settings, expected_version=version)
    return connection
