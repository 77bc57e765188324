"""What the rotation logic is given: the LWA secret, the status item, Amazon's rotate call and the metrics."""

from datetime import datetime
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit

from shared.models.secret_rotation import ExpiryNotice, SecretRotationStatus
from shared.secrets import LwaApp


class LwaSecretStore(Protocol):
    """The LWA secret in Secrets Manager (shared/credentials/secret_store.py)."""

    def load(self) -> LwaApp:
        """The current value; raises SecretConfigurationError when unreadable or still the placeholder."""
        ...

    def version_created_at(self) -> datetime | None:
        """When the current version was written (the age of a secret entered by hand), None when unknown."""
        ...

    def put(self, app: LwaApp, request_token: str) -> None:
        """Writes `app` as the new current version; the same token and value twice make one version."""
        ...


class RotationStatusStore(Protocol):
    """The rotation status item (shared/repositories/secret_rotation.py)."""

    def get(self) -> SecretRotationStatus: ...

    def claim_rotation(self, now: datetime, in_flight_seconds: float) -> bool: ...

    def record_check(self, now: datetime, created_at: datetime, age_days: int, next_rotation_at: datetime) -> None: ...

    def record_failure(self, now: datetime, message: str) -> None: ...

    def record_rotated(
        self, now: datetime, notification_id: str, created_at: datetime, previous_expires_at: datetime | None
    ) -> None: ...

    def record_expiry_notice(self, notice: ExpiryNotice) -> None: ...


class Metrics(Protocol):
    """Powertools' Metrics (add_metric), or a recorder in tests."""

    def add_metric(self, name: str, unit: MetricUnit | str, value: float, resolution: int = 60) -> None: ...
