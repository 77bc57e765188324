"""The LWA client secret's rotation status, as the connections table's `APP#lwa` / `SECRET_ROTATION` item holds it.

An administrator reads it in the DynamoDB console or with `sellersync secret status`; it never holds a secret value,
only dates, outcomes and the id of the notification that brought the current secret.
"""

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict


class RotationState(StrEnum):
    """Where the rotation stands."""

    # rotateApplicationClientSecret answered 204: the new secret's notification is awaited.
    REQUESTED = "REQUESTED"
    # The latest new secret was written to the LWA secret.
    ROTATED = "ROTATED"
    # The latest request failed (Amazon refused it, or no new secret arrived in time).
    FAILED = "FAILED"


class ExpiryNotice(BaseModel):
    """The latest APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY Amazon sent."""

    model_config = ConfigDict(frozen=True)

    expires_at: AwareDatetime
    reason: str | None = None
    received_at: AwareDatetime
    notification_id: str | None = None


class SecretRotationStatus(BaseModel):
    """The rotation status item (no secret values)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    state: RotationState | None = None
    requested_at: AwareDatetime | None = None
    last_rotated_at: AwareDatetime | None = None
    last_notification_id: str | None = None
    last_error: str | None = None
    last_failure_at: AwareDatetime | None = None
    last_checked_at: AwareDatetime | None = None
    secret_created_at: AwareDatetime | None = None
    secret_age_days: int | None = None
    next_rotation_at: AwareDatetime | None = None
    previous_secret_expires_at: AwareDatetime | None = None
    expiry_notice: ExpiryNotice | None = None

    def in_flight(self, now: datetime, window_seconds: float) -> bool:
        """A request made less than `window_seconds` ago still awaits its notification."""
        if self.state is not RotationState.REQUESTED or self.requested_at is None:
            return False
        return (now - self.requested_at).total_seconds() < window_seconds
