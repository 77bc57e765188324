"""A client secret rotation end to end: our daily check against the local Amazon sandbox over HTTP, the new secret's
notification through an SQS queue (moto) into the rotation consumer, a new version of the LWA secret in Secrets
Manager (moto), the next token exchanges on the new secret, the old one refused once its grace period is over.

The sandbox is this module's own instance on a hand-driven clock (the shared sandbox's clock is never moved).
"""

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from pydantic import SecretStr

from functions.secret_rotation import handle_records
from local.sandbox import SandboxConfig, SandboxServer
from local.sandbox.clock import ScaledClock
from local.sandbox.config import DEFAULT_APPLICATION_ID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from local.sandbox.rotation import OLD_SECRET_GRACE_SECONDS
from shared.credentials.new_secret import CredentialDeps
from shared.credentials.rotation import CheckOutcome, RotationDeps, check_rotation
from shared.models.secret_rotation import RotationState
from shared.runtime.secret_rotation import RotationTarget, rotation_deps
from shared.secrets import load_lwa_app
from shared.spapi.errors import InvalidClientError
from shared.spapi.lwa import ROTATION_SCOPE, LwaClient, LwaCredentials
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws
from tests.unit.credentials.conftest import Recorder

pytestmark = pytest.mark.integration

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
AWS: dict[str, Any] = {"region_name": "eu-west-1", "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class HandClock:
    """The sandbox's real-time source, moved by the test only."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class QueueSender:
    """The sandbox's notification sender, onto moto's SQS."""

    sqs: Any

    def send(self, queue_arn: str, body: str) -> None:
        name = queue_arn.rsplit(":", 1)[1]
        self.sqs.send_message(QueueUrl=self.sqs.get_queue_url(QueueName=name)["QueueUrl"], MessageBody=body)


@dataclass
class Stack:
    server: SandboxServer
    clock: HandClock
    sqs: Any
    queue_url: str
    secretsmanager: Any
    arn: str
    check: RotationDeps
    consumer: CredentialDeps
    metrics: Recorder
    token_url: str

    def sandbox_now(self) -> datetime:
        return datetime.fromtimestamp(self.server.sandbox.now(), UTC)

    def receive(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [{"messageId": m["MessageId"], "body": m["Body"]} for m in messages]

    def stored(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.secretsmanager.get_secret_value(SecretId=self.arn)["SecretString"])
        return value

    def versions(self) -> int:
        return len(self.secretsmanager.list_secret_version_ids(SecretId=self.arn)["Versions"])

    def token_with(self, credentials: LwaCredentials) -> str:
        lwa = LwaClient(credentials, requests.Session(), self.token_url, now=self.sandbox_now, max_attempts=1)
        return lwa.client_credentials_token(ROTATION_SCOPE).token.get_secret_value()


@pytest.fixture
def stack() -> Iterator[Stack]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    suffix = uuid.uuid4().hex[:8]
    with in_process_aws():
        sqs = boto3.client("sqs", **AWS)
        queue_url = sqs.create_queue(QueueName=f"sellersync-secret-rotation-{suffix}")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        secretsmanager = boto3.client("secretsmanager", **AWS)
        created = START - timedelta(days=151)
        value = {
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
            "application_id": DEFAULT_APPLICATION_ID,
            "client_secret_created_at": created.isoformat(),
        }
        arn = secretsmanager.create_secret(Name=f"sellersync-lwa-{suffix}", SecretString=json.dumps(value))["ARN"]
        dynamodb = boto3.client("dynamodb", **AWS)
        table = create_table(dynamodb, "connections", gsi1=True)
        clock = HandClock()
        config = SandboxConfig(seed=3, orders_per_hour=0, validate_responses=True, start_time=START)
        with SandboxServer(config, clock=ScaledClock(START, 1.0, real=clock), sender=QueueSender(sqs)) as server:
            # The developer console's one-time step: the queue under "Application Client New Secret".
            registered = requests.put(
                f"{server.url}/_sandbox/application/rotation-queue", json={"sqsArn": queue_arn}, timeout=10
            )
            assert registered.status_code == 200
            target = RotationTarget(
                lwa_secret_arn=arn,
                connections_table=table,
                spapi_endpoint_url=server.url,
                lwa_token_url=f"{server.url}/auth/o2/token",
            )
            metrics = Recorder()
            check, consumer = rotation_deps(target, secretsmanager, dynamodb, metrics, requests.Session())
            yield Stack(
                server, clock, sqs, queue_url, secretsmanager, arn, check, consumer, metrics, target.lwa_token_url or ""
            )


def test_rotation_end_to_end(stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    versions = stack.versions()
    with caplog.at_level(logging.INFO):
        result = check_rotation(stack.check, stack.sandbox_now())
        assert result.outcome is CheckOutcome.REQUESTED
        assert result.age_days == 151
        records = stack.receive()
        assert [json.loads(r["body"])["NotificationType"] for r in records] == ["APPLICATION_OAUTH_CLIENT_NEW_SECRET"]
        assert handle_records(records, stack.consumer) == {"batchItemFailures": []}
        # SQS delivers at least once: the same notification again writes no second version.
        assert handle_records(records, stack.consumer) == {"batchItemFailures": []}

    new_secret = stack.server.sandbox.state.client_secrets.current  # type: ignore[union-attr]
    assert new_secret != DEFAULT_CLIENT_SECRET
    assert stack.versions() == versions + 1
    stored = stack.stored()
    assert stored["client_secret"] == new_secret
    assert stored["previous_client_secret"] == DEFAULT_CLIENT_SECRET
    status = stack.consumer.status.get()
    assert status.state is RotationState.ROTATED and status.secret_age_days == 0
    for secret in (new_secret, DEFAULT_CLIENT_SECRET):
        assert secret not in caplog.text

    # The next LWA exchange, with the credentials as every function now loads them, succeeds on the new secret alone.
    app = load_lwa_app(stack.secretsmanager, stack.arn)
    assert stack.token_with(app.credentials)
    assert stack.token_with(LwaCredentials(client_id=DEFAULT_CLIENT_ID, client_secret=SecretStr(new_secret)))
    old_only = LwaCredentials(client_id=DEFAULT_CLIENT_ID, client_secret=SecretStr(DEFAULT_CLIENT_SECRET))
    assert stack.token_with(old_only)  # still in its grace period

    # Past the grace period the old secret is refused; the stored credentials still work (the new one is current).
    stack.clock.now += OLD_SECRET_GRACE_SECONDS
    with pytest.raises(InvalidClientError):
        stack.token_with(old_only)
    assert stack.token_with(app.credentials)
    # A warm container that loaded the old secret re-reads the LWA secret and goes on.
    stale = LwaClient(
        old_only,
        requests.Session(),
        stack.token_url,
        max_attempts=1,
        reload=lambda: load_lwa_app(stack.secretsmanager, stack.arn).credentials,
    )
    assert stale.client_credentials_token(ROTATION_SCOPE).token.get_secret_value()
    assert stale.credentials.client_secret.get_secret_value() == new_secret


def test_the_expiry_notice_is_recorded(stack: Stack) -> None:
    sent = requests.post(f"{stack.server.url}/_sandbox/application/secret-expiry", json={}, timeout=10)
    assert sent.status_code == 200
    assert handle_records(stack.receive(), stack.consumer) == {"batchItemFailures": []}
    notice = stack.consumer.status.get().expiry_notice
    assert notice is not None and notice.reason == "PERIODIC_ROTATION"
    assert stack.metrics.values("SecretExpiryNotices") == [1]
