"""The daily rotation check: how old the LWA client secret is, and whether to ask Amazon for a new one.

Amazon requires a new client secret every 180 days (LISTINGS-SHIPMENTS-CANCELLATIONS.md part D). The check publishes
the secret's age in whole days (SecretAgeDays, alarmed on near the limit) and, once the secret is `rotate_after_days`
old (default 150) and no rotation is in flight, claims the rotation on the status item (a conditional write: two
concurrent runs never both call Amazon) and calls rotateApplicationClientSecret. Amazon answers 204 and sends the new
secret to the rotation queue (shared/credentials/new_secret.py). A request whose secret has not arrived within
`in_flight_hours` is recorded as failed and may be requested again. A refused request (400 "not enrolled for rotation
notification": the console registration is missing) is recorded with Amazon's message and counted as a failure.

A previous secret past its expiry is dropped from the LWA secret (a new version without it). Amazon's expiry notice,
when it names an earlier deadline than the age does (a secret entered by hand is aged from its Secrets Manager
version), brings the rotation forward.
"""

import hashlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from aws_lambda_powertools.metrics import MetricUnit

from shared.credentials.metrics import CredentialMetric
from shared.credentials.ports import LwaSecretStore, Metrics, RotationStatusStore
from shared.models.audit import AuditRecorder, NoAudit, secret_rotation
from shared.models.secret_rotation import RotationState, SecretRotationStatus
from shared.spapi.errors import LwaError, SpApiError

logger = logging.getLogger(__name__)

DEFAULT_ROTATE_AFTER_DAYS = 150
DEFAULT_IN_FLIGHT_HOURS = 24.0
# Amazon's limit on a client secret's life.
SECRET_LIFETIME_DAYS = 180
SECONDS_PER_DAY = 86_400


class CheckOutcome(StrEnum):
    """What a check did."""

    NOT_DUE = "not_due"
    IN_FLIGHT = "in_flight"
    REQUESTED = "requested"
    FAILED = "failed"


@dataclass(frozen=True)
class RotationCheck:
    """A check's result (no secret in it): the outcome, the secret's age and when it is (or was) due."""

    outcome: CheckOutcome
    age_days: int
    next_rotation_at: datetime
    error: str | None = None


@dataclass(frozen=True)
class RotationDeps:
    """The check's dependencies; `rotate` calls rotateApplicationClientSecret (SpApiError and LwaError on failure)."""

    secret: LwaSecretStore
    status: RotationStatusStore
    rotate: Callable[[], None]
    metrics: Metrics
    rotate_after_days: int = DEFAULT_ROTATE_AFTER_DAYS
    in_flight_hours: float = DEFAULT_IN_FLIGHT_HOURS
    # The audit trail: every rotateApplicationClientSecret asked, with Amazon's answer.
    audit: AuditRecorder = field(default_factory=NoAudit)


def secret_created_at(deps: RotationDeps) -> datetime:
    """When the current secret was created: as a rotation wrote it, else when its version was written."""
    app = deps.secret.load()
    created = app.client_secret_created_at or deps.secret.version_created_at()
    if created is None:
        raise ValueError("the LWA secret's creation time is unknown (no client_secret_created_at, no version date)")
    return created


def drop_expired_previous(deps: RotationDeps, now: datetime) -> bool:
    """Writes the secret without `previous_client_secret` once that has expired (Amazon refuses it by then)."""
    app = deps.secret.load()
    expires = app.previous_client_secret_expires_at
    if app.previous_client_secret is None or expires is None or now < expires:
        return False
    kept = app.model_copy(update={"previous_client_secret": None, "previous_client_secret_expires_at": None})
    # The same token for every run that drops this previous secret: a retried write makes no second version.
    token = hashlib.sha256(f"drop-previous#{expires.isoformat()}".encode()).hexdigest()[:64]
    deps.secret.put(kept, request_token=token)
    logger.info("expired previous client secret removed", extra={"previous_expired_at": expires.isoformat()})
    return True


def due_date(created: datetime, status: SecretRotationStatus, rotate_after_days: int) -> datetime:
    """When the secret is due: `rotate_after_days` after its creation, or earlier when Amazon's expiry notice for it
    (one received after its creation) leaves less than `180 - rotate_after_days` days (a secret entered by hand may be
    older than its Secrets Manager version)."""
    due = created + timedelta(days=rotate_after_days)
    notice = status.expiry_notice
    if notice is not None and notice.received_at >= created:
        margin = timedelta(days=SECRET_LIFETIME_DAYS - rotate_after_days)
        due = min(due, notice.expires_at - margin)
    return due


def age_in_days(created_at: datetime, now: datetime) -> int:
    """Whole days since `created_at` (0 on the day it was created)."""
    return max(0, math.floor((now - created_at).total_seconds() / SECONDS_PER_DAY))


def check_rotation(deps: RotationDeps, now: datetime, *, force: bool = False) -> RotationCheck:
    """The daily check (see the module doc); `force` rotates now whatever the age (`sellersync secret rotate`)."""
    drop_expired_previous(deps, now)
    created = secret_created_at(deps)
    age = age_in_days(created, now)
    status = deps.status.get()
    due_at = due_date(created, status, deps.rotate_after_days)
    deps.metrics.add_metric(name=CredentialMetric.SECRET_AGE_DAYS, unit=MetricUnit.Count, value=age)
    deps.status.record_check(now, created, age, due_at)
    window = deps.in_flight_hours * 3600
    if status.in_flight(now, window):
        return RotationCheck(CheckOutcome.IN_FLIGHT, age, due_at)
    if status.state is RotationState.REQUESTED:
        # Requested before the window and no secret came: the notification was lost, or the queue is not registered.
        message = f"no new client secret arrived within {deps.in_flight_hours:g} hours of the rotation request"
        _failed(deps, now, message)
    if now < due_at and not force:
        return RotationCheck(CheckOutcome.NOT_DUE, age, due_at)
    if not deps.status.claim_rotation(now, window):
        return RotationCheck(CheckOutcome.IN_FLIGHT, age, due_at)
    try:
        deps.rotate()
    except (SpApiError, LwaError) as exc:
        # Their messages carry Amazon's error text and request id, never a secret (shared/spapi/lwa.py redacts).
        message = f"rotateApplicationClientSecret failed: {exc}"
        _failed(deps, now, message)
        deps.audit.record(secret_rotation(now, f"request#{now.isoformat()}", "FAILED", message=message))
        return RotationCheck(CheckOutcome.FAILED, age, due_at, error=message)
    logger.info("client secret rotation requested", extra={"secret_age_days": age})
    deps.audit.record(secret_rotation(now, f"request#{now.isoformat()}", "REQUESTED"))
    return RotationCheck(CheckOutcome.REQUESTED, age, due_at)


def _failed(deps: RotationDeps, now: datetime, message: str) -> None:
    logger.error("client secret rotation failed", extra={"reason": message})
    deps.status.record_failure(now, message)
    deps.metrics.add_metric(name=CredentialMetric.SECRET_ROTATION_FAILURES, unit=MetricUnit.Count, value=1)
