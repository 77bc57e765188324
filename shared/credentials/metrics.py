"""The metrics of the secret rotation function (functions/secret_rotation.py) and its alarms
(infra/constructs/secret_rotation.py).

Every one carries Powertools' `service` dimension (the function's POWERTOOLS_SERVICE_NAME) and no other.
"""

from enum import StrEnum

from shared.metrics import MetricKey, declare

SERVICE_DIMENSION = "service"


class CredentialMetric(StrEnum):
    """Metric names of the secret rotation."""

    # Whole days since the current client secret was created, published by every daily check (alarm on Maximum).
    SECRET_AGE_DAYS = "SecretAgeDays"
    # Rotations that failed: Amazon refused the request, or no new secret arrived in time, or one could not be stored.
    SECRET_ROTATION_FAILURES = "SecretRotationFailures"
    # New secrets stored as a new version of the LWA secret.
    SECRETS_ROTATED = "SecretsRotated"
    # APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY notices received.
    SECRET_EXPIRY_NOTICES = "SecretExpiryNotices"


DECLARED: dict[str, MetricKey] = declare(list(CredentialMetric), SERVICE_DIMENSION)
