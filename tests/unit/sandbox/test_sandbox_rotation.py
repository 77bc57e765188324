"""The sandbox's client secret rotation: the scope, the console registration, the new secret's notification, the old
secret's grace period, and the expiry notice."""

import json

from local.sandbox.config import DEFAULT_CLIENT_SECRET
from local.sandbox.rotation import NOT_ENROLLED, OLD_SECRET_GRACE_SECONDS
from tests.unit.sandbox.sandbox_harness import Harness

QUEUE = "arn:aws:sqs:eu-west-1:000000000000:rotation"
PATH = "/applications/2023-11-30/clientSecret"
ROTATION_SCOPE = "sellingpartnerapi::client_credential:rotation"


def rotation_token(harness: Harness, secret: str = DEFAULT_CLIENT_SECRET) -> str:
    response = harness.lwa(grant_type="client_credentials", scope=ROTATION_SCOPE, client_secret=secret)
    assert response.status_code == 200, response.json
    return str(response.json["access_token"])


def rotate(harness: Harness) -> str:
    """Rotates and returns the new secret from the notification sent to the queue."""
    assert harness.call("POST", PATH, rotation_token(harness)).status_code == 204
    queue, body = harness.sender.sent[-1]
    assert queue == QUEUE
    notification = json.loads(body)
    assert notification["NotificationType"] == "APPLICATION_OAUTH_CLIENT_NEW_SECRET"
    payload = notification["Payload"]["applicationOAuthClientNewSecret"]
    assert payload["clientId"] == harness.sandbox.config.client_id
    assert notification["NotificationMetadata"]["ApplicationId"] == harness.sandbox.config.application_id
    return str(payload["newClientSecret"])


def test_rotation_needs_the_rotation_scope(harness: Harness) -> None:
    harness.steer("PUT", "/_sandbox/application/rotation-queue", json={"sqsArn": QUEUE})
    response = harness.call("POST", PATH, harness.grantless_token())
    assert response.status_code == 403
    assert harness.sender.sent == []


def test_rotation_without_a_registered_queue_is_amazons_400(harness: Harness) -> None:
    response = harness.call("POST", PATH, rotation_token(harness))
    assert response.status_code == 400
    assert response.json["errors"][0]["message"] == NOT_ENROLLED


def test_the_new_secret_works_and_the_old_one_only_until_its_grace_ends(harness: Harness) -> None:
    harness.steer("PUT", "/_sandbox/application/rotation-queue", json={"sqsArn": QUEUE})
    new = rotate(harness)
    assert new != DEFAULT_CLIENT_SECRET
    assert harness.lwa(grant_type="client_credentials", scope=ROTATION_SCOPE, client_secret=new).status_code == 200
    assert harness.lwa(grant_type="client_credentials", scope=ROTATION_SCOPE).status_code == 200
    harness.advance(OLD_SECRET_GRACE_SECONDS)
    refused = harness.lwa(grant_type="client_credentials", scope=ROTATION_SCOPE)
    assert refused.status_code == 401 and refused.json["error"] == "invalid_client"
    assert harness.lwa(grant_type="client_credentials", scope=ROTATION_SCOPE, client_secret=new).status_code == 200


def test_the_expiry_notice_goes_to_the_registered_queue(harness: Harness) -> None:
    assert harness.client.post("/_sandbox/application/secret-expiry", json={}).status_code == 409
    harness.steer("PUT", "/_sandbox/application/rotation-queue", json={"sqsArn": QUEUE})
    harness.steer("POST", "/_sandbox/application/secret-expiry", json={"reason": "PERIODIC_ROTATION"})
    queue, body = harness.sender.sent[-1]
    notification = json.loads(body)
    assert queue == QUEUE
    assert notification["NotificationType"] == "APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY"
    expiry = notification["Payload"]["applicationOAuthClientSecretExpiry"]
    assert expiry["clientSecretExpiryReason"] == "PERIODIC_ROTATION"
    assert expiry["clientSecretExpiryTime"].startswith("2026-08-29")
