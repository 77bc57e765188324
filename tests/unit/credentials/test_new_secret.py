"""The rotation queue's consumer: a new secret becomes one new version, the old one kept; expiry notices recorded;
no secret in any log line."""

import json
import logging
from datetime import timedelta
from typing import Any

import pytest

from functions.secret_rotation import handle_records
from shared.credentials.new_secret import (
    Outcome,
    UnprocessableCredentialNotificationError,
    handle_credential_notification,
)
from shared.models.secret_rotation import RotationState
from tests.unit.credentials.conftest import (
    APPLICATION_ID,
    CLIENT_ID,
    NEW_SECRET,
    NOW,
    OLD_SECRET,
    World,
    new_secret_body,
)


def test_a_new_secret_is_written_as_a_new_version_with_the_old_one_kept(world: World) -> None:
    before = world.versions()
    outcome = handle_credential_notification(new_secret_body(), world.consumer_deps(), NOW)
    assert outcome is Outcome.ROTATED
    stored = world.stored()
    assert stored["client_secret"] == NEW_SECRET
    assert stored["previous_client_secret"] == OLD_SECRET
    assert stored["previous_client_secret_expires_at"].startswith((NOW + timedelta(days=7)).date().isoformat())
    assert stored["client_id"] == CLIENT_ID and stored["application_id"] == APPLICATION_ID
    assert stored["client_secret_created_at"].startswith(NOW.date().isoformat())
    assert world.versions() == before + 1
    status = world.status.get()
    assert status.state is RotationState.ROTATED
    assert status.last_notification_id == "6f1b0c3e-0000-4000-8000-000000000001"
    assert world.metrics.values("SecretsRotated") == [1]
    # The credentials the LWA client is built from carry both secrets.
    credentials = world.secret.load().credentials
    assert credentials.client_secret.get_secret_value() == NEW_SECRET
    assert credentials.fallback_secret(NOW) is not None
    assert credentials.fallback_secret(NOW + timedelta(days=7)) is None


def test_a_redelivered_notification_writes_no_second_version(world: World) -> None:
    handle_credential_notification(new_secret_body(), world.consumer_deps(), NOW)
    versions = world.versions()
    again = handle_credential_notification(new_secret_body(), world.consumer_deps(), NOW + timedelta(minutes=5))
    assert again is Outcome.ALREADY_CURRENT
    assert world.versions() == versions
    assert world.stored()["previous_client_secret"] == OLD_SECRET
    assert world.metrics.values("SecretsRotated") == [1]


def test_an_older_secret_redriven_late_is_ignored(world: World) -> None:
    handle_credential_notification(new_secret_body(), world.consumer_deps(), NOW)
    late = new_secret_body(
        secret="an-older-secret-from-the-dlq",
        notification_id="6f1b0c3e-0000-4000-8000-000000000000",
        new_expiry=NOW + timedelta(days=100),
    )
    assert handle_credential_notification(late, world.consumer_deps(), NOW) is Outcome.STALE
    assert world.stored()["client_secret"] == NEW_SECRET


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (new_secret_body(client_id="amzn1.application-oa2-client.other"), "not ours"),
        (new_secret_body(application_id="amzn1.sp.solution.other"), "another application"),
        ("not json", "not JSON"),
        (json.dumps({"NotificationType": "ORDER_CHANGE", "Payload": {}}), "unsupported notification type"),
    ],
)
def test_foreign_or_malformed_notifications_are_refused(world: World, body: str, reason: str) -> None:
    with pytest.raises(UnprocessableCredentialNotificationError, match=reason):
        handle_credential_notification(body, world.consumer_deps(), NOW)
    assert world.stored()["client_secret"] == OLD_SECRET


def expiry_body() -> str:
    return json.dumps(
        {
            "notificationType": "APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY",
            "payload": {
                "applicationOAuthClientSecretExpiry": {
                    "clientId": CLIENT_ID,
                    "clientSecretExpiryTime": (NOW + timedelta(days=90)).isoformat(),
                    "clientSecretExpiryReason": "PERIODIC_ROTATION",
                }
            },
            "notificationMetadata": {"applicationId": APPLICATION_ID, "notificationId": "expiry-1"},
        }
    )


def test_an_expiry_notice_is_recorded_and_counted(world: World) -> None:
    assert handle_credential_notification(expiry_body(), world.consumer_deps(), NOW) is Outcome.EXPIRY_RECORDED
    notice = world.status.get().expiry_notice
    assert notice is not None
    assert notice.expires_at == NOW + timedelta(days=90) and notice.reason == "PERIODIC_ROTATION"
    assert world.metrics.values("SecretExpiryNotices") == [1]


def test_no_secret_reaches_the_logs_or_the_status_item(world: World, caplog: pytest.LogCaptureFixture) -> None:
    records: list[dict[str, Any]] = [
        {"messageId": "m1", "body": new_secret_body()},
        {"messageId": "m2", "body": new_secret_body()},
        {"messageId": "m3", "body": new_secret_body(secret="x" * 40, client_id="amzn1.application-oa2-client.other")},
        {
            "messageId": "m4",
            "body": json.dumps(
                {
                    "NotificationType": "APPLICATION_OAUTH_CLIENT_NEW_SECRET",
                    "Payload": {
                        "applicationOAuthClientNewSecret": {
                            "clientId": CLIENT_ID,
                            "newClientSecret": NEW_SECRET,
                            "newClientSecretExpiryTime": "not a date",
                        }
                    },
                }
            ),
        },
    ]
    with caplog.at_level(logging.INFO):  # INFO as deployed (botocore logs bodies at DEBUG)
        result = handle_records(records, world.consumer_deps())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m3"}, {"itemIdentifier": "m4"}]}
    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    assert "m3" in logged and "newClientSecretExpiryTime" in logged
    for secret in (NEW_SECRET, OLD_SECRET, "x" * 40):
        assert secret not in logged
    item = world.status.get().model_dump_json()
    assert NEW_SECRET not in item and OLD_SECRET not in item
    assert world.metrics.values("SecretRotationFailures") == [1, 1]
