"""Wiring of the client secret rotation (shared/credentials) for the Lambda function and the operator CLI.

The rotate call is an SP-API client of the application itself: grantless tokens (scope
`sellingpartnerapi::client_credential:rotation`) from the LWA secret's current credentials, an in-process rate
limiter (one call a day needs no shared bucket), the NA endpoint (the Application Management API is global: its model
names the NA host) unless the endpoint is overridden (the local sandbox).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import requests

from shared.credentials.new_secret import CredentialDeps
from shared.credentials.ports import Metrics
from shared.credentials.rotation import DEFAULT_ROTATE_AFTER_DAYS, RotationDeps
from shared.repositories.secret_rotation import SecretRotationRepository
from shared.runtime.audit import audit_recorder
from shared.secrets import LwaSecret
from shared.spapi.client import SpApiClient
from shared.spapi.lwa import LwaClient
from shared.spapi.marketplaces import Region
from shared.spapi.ratelimit import InMemoryRateLimiter
from shared.spapi.tokens import AccessTokenCache, GrantlessTokenProvider

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

APPLICATION = "application"


@dataclass(frozen=True)
class RotationTarget:
    """Where the rotation works: the LWA secret, the table of the status item and Amazon's endpoints."""

    lwa_secret_arn: str
    connections_table: str
    spapi_endpoint_url: str | None = None
    lwa_token_url: str | None = None
    rotate_after_days: int = DEFAULT_ROTATE_AFTER_DAYS
    audit_table: str | None = None


def rotate_call(secret: LwaSecret, target: RotationTarget, session: requests.Session) -> Callable[[], None]:
    """rotateApplicationClientSecret with the secret's current credentials, read when called."""

    def rotate() -> None:
        lwa = LwaClient(secret.load().credentials, session, target.lwa_token_url)
        tokens = GrantlessTokenProvider(lwa, AccessTokenCache())
        client = SpApiClient(
            APPLICATION, Region.NA, tokens, InMemoryRateLimiter(), session, endpoint_override=target.spapi_endpoint_url
        )
        client.rotate_application_client_secret()

    return rotate


def rotation_deps(
    target: RotationTarget,
    secretsmanager: SecretsManagerClient,
    dynamodb: DynamoDBClient,
    metrics: Metrics,
    session: requests.Session,
) -> tuple[RotationDeps, CredentialDeps]:
    """The daily check's and the queue consumer's dependencies."""
    secret = LwaSecret(secretsmanager, target.lwa_secret_arn)
    status = SecretRotationRepository(target.connections_table, dynamodb)
    audit = audit_recorder(target.audit_table)
    check = RotationDeps(
        secret=secret,
        status=status,
        rotate=rotate_call(secret, target, session),
        metrics=metrics,
        rotate_after_days=target.rotate_after_days,
        audit=audit,
    )
    return check, CredentialDeps(secret=secret, status=status, metrics=metrics, audit=audit)
