"""Fixtures of the rotation tests: moto (Secrets Manager, DynamoDB) in process, the LWA secret, a metrics recorder."""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from shared.credentials.new_secret import CredentialDeps
from shared.credentials.rotation import RotationDeps
from shared.models.audit import AuditRecord
from shared.repositories.secret_rotation import SecretRotationRepository
from shared.secrets import LwaSecret
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
CLIENT_ID = "amzn1.application-oa2-client.test"
APPLICATION_ID = "amzn1.sp.solution.test"
OLD_SECRET = "old-secret-value-0123456789"
NEW_SECRET = "new-secret-value-9876543210"


class Recorder:
    """Powertools' add_metric, recorded."""

    def __init__(self) -> None:
        self.metrics: list[tuple[str, float]] = []

    def add_metric(self, name: Any, unit: Any, value: float, resolution: int = 60) -> None:
        self.metrics.append((str(name), value))

    def values(self, name: str) -> list[float]:
        return [value for metric, value in self.metrics if metric == name]


class AuditLog:
    """The audit records the rotation made (the AuditRecorder port)."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def record(self, record: AuditRecord) -> None:
        self.records.append(record)

    def answer(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("the rotation records sends only")


@dataclass
class World:
    """The secret, the status item and the recorded calls of one test."""

    secretsmanager: Any
    arn: str
    secret: LwaSecret
    status: SecretRotationRepository
    metrics: Recorder
    rotations: list[datetime] = field(default_factory=list)
    rotate_error: Exception | None = None
    audited: AuditLog = field(default_factory=AuditLog)

    def check_deps(self, rotate_after_days: int = 150) -> RotationDeps:
        def rotate() -> None:
            if self.rotate_error is not None:
                raise self.rotate_error
            self.rotations.append(NOW)

        return RotationDeps(
            self.secret, self.status, rotate, self.metrics, rotate_after_days=rotate_after_days, audit=self.audited
        )

    def consumer_deps(self) -> CredentialDeps:
        return CredentialDeps(self.secret, self.status, self.metrics, audit=self.audited)

    def stored(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.secretsmanager.get_secret_value(SecretId=self.arn)["SecretString"])
        return value

    def versions(self) -> int:
        return len(self.secretsmanager.list_secret_version_ids(SecretId=self.arn, IncludeDeprecated=True)["Versions"])


def secret_json(created_at: datetime | None = NOW - timedelta(days=10)) -> str:
    body: dict[str, Any] = {"client_id": CLIENT_ID, "client_secret": OLD_SECRET, "application_id": APPLICATION_ID}
    if created_at is not None:
        body["client_secret_created_at"] = created_at.isoformat()
    return json.dumps(body)


@pytest.fixture
def world() -> Iterator[World]:
    with in_process_aws():
        kw: dict[str, Any] = {"region_name": "eu-west-1", "aws_access_key_id": "t", "aws_secret_access_key": "t"}
        secretsmanager = boto3.client("secretsmanager", **kw)
        dynamodb = boto3.client("dynamodb", **kw)
        arn = secretsmanager.create_secret(Name=f"lwa-{uuid.uuid4().hex}", SecretString=secret_json())["ARN"]
        table = create_table(dynamodb, "connections", gsi1=True)
        yield World(
            secretsmanager, arn, LwaSecret(secretsmanager, arn), SecretRotationRepository(table, dynamodb), Recorder()
        )


def new_secret_body(
    secret: str = NEW_SECRET,
    notification_id: str = "6f1b0c3e-0000-4000-8000-000000000001",
    client_id: str = CLIENT_ID,
    application_id: str = APPLICATION_ID,
    new_expiry: datetime = NOW + timedelta(days=180),
    old_expiry: datetime = NOW + timedelta(days=7),
) -> str:
    return json.dumps(
        {
            "NotificationVersion": "1.0",
            "NotificationType": "APPLICATION_OAUTH_CLIENT_NEW_SECRET",
            "PayloadVersion": "1.0",
            "EventTime": NOW.isoformat(),
            "Payload": {
                "applicationOAuthClientNewSecret": {
                    "clientId": client_id,
                    "newClientSecret": secret,
                    "newClientSecretExpiryTime": new_expiry.isoformat(),
                    "oldClientSecretExpiryTime": old_expiry.isoformat(),
                }
            },
            "NotificationMetadata": {
                "ApplicationId": application_id,
                "SubscriptionId": "sub",
                "PublishTime": NOW.isoformat(),
                "NotificationId": notification_id,
            },
        }
    )
