"""The rotation queue's consumer: Amazon's APPLICATION_OAUTH_CLIENT_NEW_SECRET and _SECRET_EXPIRY notifications.

A new secret (`payload.applicationOAuthClientNewSecret{clientId, newClientSecret, newClientSecretExpiryTime,
oldClientSecretExpiryTime}`, LISTINGS-SHIPMENTS-CANCELLATIONS.md part D) becomes a new version of the LWA secret: the
new value as `client_secret` with `client_secret_created_at` and `client_secret_expires_at`, the value it replaces as
`previous_client_secret` with `previous_client_secret_expires_at` (Amazon's oldClientSecretExpiryTime, else 7 days),
so token refreshes that still hold the old secret keep working until it expires (shared/spapi/lwa.py falls back to
it). The version's ClientRequestToken derives from the NotificationId, and a notification whose secret is already
current (a redelivery) or is older than the current one (a late redrive) writes nothing.

An expiry notice (`payload.applicationOAuthClientSecretExpiry{clientId, clientSecretExpiryTime,
clientSecretExpiryReason}`) is recorded on the status item and counted (SecretExpiryNotices). The envelope is
accepted in either spelling Amazon uses (`NotificationType`/`Payload`, `notificationType`/`payload`). A notification
of another application or client is refused (UnprocessableCredentialNotificationError: the handler dead-letters it).
"""

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import AwareDatetime, BaseModel, ConfigDict, SecretStr, ValidationError

from shared.credentials.metrics import CredentialMetric
from shared.credentials.ports import LwaSecretStore, Metrics, RotationStatusStore
from shared.models.audit import AuditRecorder, NoAudit, secret_rotation
from shared.models.secret_rotation import ExpiryNotice
from shared.secrets import LwaApp

logger = logging.getLogger(__name__)

NEW_SECRET = "APPLICATION_OAUTH_CLIENT_NEW_SECRET"
SECRET_EXPIRY = "APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY"
# The sample's figure (part D): the old secret stays valid 7 days after a rotation, when Amazon names no expiry.
DEFAULT_OLD_SECRET_DAYS = 7


class UnprocessableCredentialNotificationError(ValueError):
    """A notification that can never be processed; the message says why (never with a secret in it)."""


class Outcome(StrEnum):
    """What handling a notification did."""

    ROTATED = "rotated"
    ALREADY_CURRENT = "already_current"
    STALE = "stale"
    EXPIRY_RECORDED = "expiry_recorded"


class NewSecret(BaseModel):
    """payload.applicationOAuthClientNewSecret."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    clientId: str
    newClientSecret: SecretStr
    newClientSecretExpiryTime: AwareDatetime | None = None
    oldClientSecretExpiryTime: AwareDatetime | None = None


class SecretExpiry(BaseModel):
    """payload.applicationOAuthClientSecretExpiry."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    clientId: str
    clientSecretExpiryTime: AwareDatetime
    clientSecretExpiryReason: str | None = None


@dataclass(frozen=True)
class Envelope:
    """The parts of a notification envelope we read, whichever spelling it came in."""

    notification_type: str
    payload: dict[str, Any]
    application_id: str | None
    notification_id: str | None
    publish_time: str | None


@dataclass(frozen=True)
class CredentialDeps:
    """What the consumer needs: the LWA secret, the status item and the metrics."""

    secret: LwaSecretStore
    status: RotationStatusStore
    metrics: Metrics
    # The audit trail: each new secret stored, keyed by the notification (a redelivery records once).
    audit: AuditRecorder = field(default_factory=NoAudit)


def parse_envelope(body: str) -> Envelope:
    """The envelope of a queue message; raises UnprocessableCredentialNotificationError when it is none."""
    try:
        raw = json.loads(body)
    except ValueError:
        raise UnprocessableCredentialNotificationError("the message is not JSON") from None
    if not isinstance(raw, dict):
        raise UnprocessableCredentialNotificationError("the message is not a JSON object")
    envelope = _lower_keys(raw)
    metadata = envelope.get("notificationMetadata")
    metadata = _lower_keys(metadata) if isinstance(metadata, dict) else {}
    payload = envelope.get("payload")
    if not isinstance(payload, dict):
        raise UnprocessableCredentialNotificationError("the notification has no payload object")
    return Envelope(
        notification_type=str(envelope.get("notificationType", "")),
        payload=_lower_keys(payload),
        application_id=_text(metadata.get("applicationId")),
        notification_id=_text(metadata.get("notificationId")),
        publish_time=_text(metadata.get("publishTime")),
    )


def handle_credential_notification(body: str, deps: CredentialDeps, now: datetime) -> Outcome:
    """Handles one message of the rotation queue (see the module doc)."""
    envelope = parse_envelope(body)
    app = deps.secret.load()
    if envelope.application_id is not None and envelope.application_id != app.application_id:
        raise UnprocessableCredentialNotificationError(
            f"notification of another application {envelope.application_id} (ours is {app.application_id})"
        )
    if envelope.notification_type == NEW_SECRET:
        return _new_secret(envelope, app, deps, now)
    if envelope.notification_type == SECRET_EXPIRY:
        return _expiry(envelope, app, deps, now)
    raise UnprocessableCredentialNotificationError(f"unsupported notification type {envelope.notification_type!r}")


def _new_secret(envelope: Envelope, app: LwaApp, deps: CredentialDeps, now: datetime) -> Outcome:
    new = _payload(NewSecret, envelope.payload.get("applicationOAuthClientNewSecret"), NEW_SECRET)
    _check_client(new.clientId, app)
    notification_id = envelope.notification_id or _digest(new.newClientSecret.get_secret_value())
    received = _publish_time(envelope) or now
    secret = new.newClientSecret.get_secret_value()
    if secret == app.client_secret.get_secret_value():
        # A redelivery after the write: the status is written again (the first attempt may have stopped before it).
        deps.status.record_rotated(
            now, notification_id, app.client_secret_created_at or received, app.previous_client_secret_expires_at
        )
        # Recorded again too: keyed by the notification, so a record the first attempt made is not repeated.
        deps.audit.record(
            secret_rotation(received, notification_id, "ROTATED", expires_at=new.newClientSecretExpiryTime)
        )
        logger.info("new client secret already current", extra={"notification_id": notification_id})
        return Outcome.ALREADY_CURRENT
    if _older(new, app) or (
        app.previous_client_secret is not None and secret == app.previous_client_secret.get_secret_value()
    ):
        logger.warning(
            "new client secret older than the current one, ignored", extra={"notification_id": notification_id}
        )
        return Outcome.STALE
    previous_expires = new.oldClientSecretExpiryTime or received + timedelta(days=DEFAULT_OLD_SECRET_DAYS)
    rotated = app.model_copy(
        update={
            "client_secret": new.newClientSecret,
            "client_secret_created_at": received,
            "client_secret_expires_at": new.newClientSecretExpiryTime,
            "previous_client_secret": app.client_secret,
            "previous_client_secret_expires_at": previous_expires,
        }
    )
    deps.secret.put(rotated, request_token=_request_token(notification_id))
    deps.status.record_rotated(now, notification_id, received, previous_expires)
    deps.audit.record(secret_rotation(received, notification_id, "ROTATED", expires_at=new.newClientSecretExpiryTime))
    deps.metrics.add_metric(name=CredentialMetric.SECRETS_ROTATED, unit=MetricUnit.Count, value=1)
    logger.info(
        "new client secret stored as a new version",
        extra={"notification_id": notification_id, "previous_expires_at": previous_expires.isoformat()},
    )
    return Outcome.ROTATED


def _expiry(envelope: Envelope, app: LwaApp, deps: CredentialDeps, now: datetime) -> Outcome:
    expiry = _payload(SecretExpiry, envelope.payload.get("applicationOAuthClientSecretExpiry"), SECRET_EXPIRY)
    _check_client(expiry.clientId, app)
    notice = ExpiryNotice(
        expires_at=expiry.clientSecretExpiryTime,
        reason=expiry.clientSecretExpiryReason,
        received_at=now,
        notification_id=envelope.notification_id,
    )
    deps.status.record_expiry_notice(notice)
    deps.metrics.add_metric(name=CredentialMetric.SECRET_EXPIRY_NOTICES, unit=MetricUnit.Count, value=1)
    logger.warning(
        "Amazon announced the client secret's expiry",
        extra={"expires_at": notice.expires_at.isoformat(), "reason": notice.reason},
    )
    return Outcome.EXPIRY_RECORDED


def _payload[M: BaseModel](model: type[M], value: Any, notification_type: str) -> M:
    if not isinstance(value, dict):
        raise UnprocessableCredentialNotificationError(f"{notification_type} without its payload object")
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        # Field names only: the input values (a secret among them) stay out of the message.
        fields = sorted({".".join(str(p) for p in error["loc"]) for error in exc.errors()})
        raise UnprocessableCredentialNotificationError(f"{notification_type} payload invalid at {fields}") from None


def _check_client(client_id: str, app: LwaApp) -> None:
    if client_id != app.client_id:
        raise UnprocessableCredentialNotificationError(
            f"notification for LWA client {client_id}, not ours ({app.client_id})"
        )


def _older(new: NewSecret, app: LwaApp) -> bool:
    current = app.client_secret_expires_at
    return current is not None and new.newClientSecretExpiryTime is not None and new.newClientSecretExpiryTime < current


def _publish_time(envelope: Envelope) -> datetime | None:
    if envelope.publish_time is None:
        return None
    try:
        moment = datetime.fromisoformat(envelope.publish_time.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _request_token(notification_id: str) -> str:
    """A ClientRequestToken (32..64 characters) that is the same for every delivery of one notification."""
    return notification_id if 32 <= len(notification_id) <= 64 else _digest(notification_id)[:64]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _lower_keys(value: dict[str, Any]) -> dict[str, Any]:
    return {key[:1].lower() + key[1:]: item for key, item in value.items()}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
