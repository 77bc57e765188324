"""The app's LWA client secret and its rotation, as Amazon runs them (LISTINGS-SHIPMENTS-CANCELLATIONS.md part D).

- The token endpoint accepts the current secret, and after a rotation the previous one until its expiry
  (`old_secret_grace_seconds`, 7 days by default as Amazon's sample says), then answers `invalid_client`.
- rotateApplicationClientSecret (grantless, scope `sellingpartnerapi::client_credential:rotation`) issues a new secret
  and sends APPLICATION_OAUTH_CLIENT_NEW_SECRET to the queue registered under "Application Client New Secret" (the
  developer console's Notification Preferences; here `PUT /_sandbox/application/rotation-queue`). Without one it
  answers Amazon's 400 "Application is not enrolled for rotation notification...".
- `POST /_sandbox/application/secret-expiry` sends APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY to the same queue.
Application notifications are not subscriptions: they go straight to the registered queue, with no seller.
"""

import json
import secrets
from typing import TYPE_CHECKING, Any

from local.sandbox.clock import iso_millis
from local.sandbox.records import ClientSecrets, Delivery

if TYPE_CHECKING:
    from local.sandbox.world import Sandbox

NEW_SECRET = "APPLICATION_OAUTH_CLIENT_NEW_SECRET"
SECRET_EXPIRY = "APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY"
NOT_ENROLLED = (
    "Application is not enrolled for rotation notification. Please update application notification preference in "
    "Developer console."
)
SECRET_LIFETIME_SECONDS = 180 * 86_400
OLD_SECRET_GRACE_SECONDS = 7 * 86_400


def client_secrets(sandbox: "Sandbox") -> ClientSecrets:
    """The app's secrets (created from the config on first use; callers hold the state lock)."""
    state = sandbox.state
    if state.client_secrets is None:
        state.client_secrets = ClientSecrets(current=sandbox.config.client_secret, current_created=sandbox.now())
    return state.client_secrets


def secret_accepted(sandbox: "Sandbox", client_secret: str, now: float) -> bool:
    """The current secret, or the previous one before its expiry (constant-time compares)."""
    held = client_secrets(sandbox)
    if secrets.compare_digest(client_secret, held.current):
        return True
    return (
        held.previous is not None
        and held.previous_expires is not None
        and now < held.previous_expires
        and secrets.compare_digest(client_secret, held.previous)
    )


def register_queue(sandbox: "Sandbox", queue_arn: str | None) -> None:
    """The console step: the queue new secrets (and expiry notices) are sent to; None unregisters it."""
    client_secrets(sandbox).rotation_queue_arn = queue_arn


def rotate(sandbox: "Sandbox", now: float) -> bool:
    """A new secret, the old one valid for the grace period, and its notification queued; False when no queue."""
    held = client_secrets(sandbox)
    if held.rotation_queue_arn is None:
        return False
    held.rotations += 1
    new = f"local-sandbox-secret-{held.rotations}-{secrets.token_hex(8)}"
    held.previous, held.previous_expires = held.current, now + OLD_SECRET_GRACE_SECONDS
    held.current, held.current_created = new, now
    payload = {
        "applicationOAuthClientNewSecret": {
            "clientId": sandbox.config.client_id,
            "newClientSecret": new,
            "newClientSecretExpiryTime": iso_millis(now + SECRET_LIFETIME_SECONDS),
            "oldClientSecretExpiryTime": iso_millis(held.previous_expires),
        }
    }
    _send(sandbox, held.rotation_queue_arn, NEW_SECRET, payload, now)
    return True


def announce_expiry(sandbox: "Sandbox", now: float, reason: str = "PERIODIC_ROTATION") -> bool:
    """APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY for the current secret; False when no queue is registered."""
    held = client_secrets(sandbox)
    if held.rotation_queue_arn is None:
        return False
    payload = {
        "applicationOAuthClientSecretExpiry": {
            "clientId": sandbox.config.client_id,
            "clientSecretExpiryTime": iso_millis(held.current_created + SECRET_LIFETIME_SECONDS),
            "clientSecretExpiryReason": reason,
        }
    }
    _send(sandbox, held.rotation_queue_arn, SECRET_EXPIRY, payload, now)
    return True


def _send(sandbox: "Sandbox", queue_arn: str, notification_type: str, payload: dict[str, Any], now: float) -> None:
    notification_id = sandbox.state.ids.uuid()
    envelope = {
        "NotificationVersion": "1.0",
        "NotificationType": notification_type,
        "PayloadVersion": "1.0",
        "EventTime": iso_millis(now),
        "Payload": payload,
        "NotificationMetadata": {
            "ApplicationId": sandbox.config.application_id,
            "SubscriptionId": "application-notification-preferences",
            "PublishTime": iso_millis(now),
            "NotificationId": notification_id,
        },
    }
    sandbox.state.deliveries.append(
        Delivery(
            notification_id=notification_id,
            destination_id="application-notification-preferences",
            queue_arn=queue_arn,
            body=json.dumps(envelope),
            due=now,
            seller_id="",
            notification_type=notification_type,
            subject=notification_type,
        )
    )
