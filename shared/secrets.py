"""The stack's two secrets in Secrets Manager: the LWA app credentials and the connect-link signing key.

The LWA secret is JSON `{"client_id", "client_secret", "application_id"}`; the operator fills it in after the first
deploy (README, Deploy). A value still holding the deploy-time placeholder is refused with a message saying so,
rather than sending Amazon a request that can only fail. Values travel as `SecretStr` and never reach a log.

Client secret rotation (shared/credentials) adds `client_secret_created_at` and, until the old secret expires,
`previous_client_secret` with `previous_client_secret_expires_at`; `put_lwa_app` writes such a value as a new version.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, ValidationError

from shared.models.oauth import MIN_KEY_BYTES
from shared.spapi.lwa import LwaCredentials

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

PLACEHOLDER = "REPLACE_ME"


class SecretConfigurationError(RuntimeError):
    """A secret is missing, unreadable or not filled in; the message says which and how to fix it (never its value)."""


class LwaApp(BaseModel):
    """The Seller Central app: its LWA credentials and its application id (the consent URI's `application_id`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    application_id: str = Field(min_length=1)
    # Set by a rotation (an operator-entered secret has none: its age is the secret version's creation date).
    client_secret_created_at: AwareDatetime | None = None
    client_secret_expires_at: AwareDatetime | None = None
    previous_client_secret: SecretStr | None = None
    previous_client_secret_expires_at: AwareDatetime | None = None

    @property
    def credentials(self) -> LwaCredentials:
        """The client id and secret for LwaClient, with the previous secret while the value holds one."""
        return LwaCredentials(
            client_id=self.client_id,
            client_secret=self.client_secret,
            previous_client_secret=self.previous_client_secret,
            previous_expires_at=self.previous_client_secret_expires_at,
        )

    def document(self) -> str:
        """The secret's JSON with the secret values in clear: only ever handed to Secrets Manager."""
        body: dict[str, Any] = self.model_dump(mode="json", exclude_none=True)
        body["client_secret"] = self.client_secret.get_secret_value()
        if self.previous_client_secret is not None:
            body["previous_client_secret"] = self.previous_client_secret.get_secret_value()
        return json.dumps(body, separators=(",", ":"))


def _secret_string(client: SecretsManagerClient, arn: str, what: str) -> str:
    try:
        value = client.get_secret_value(SecretId=arn).get("SecretString")
    except client.exceptions.ResourceNotFoundException:
        raise SecretConfigurationError(f"the {what} secret {arn} does not exist") from None
    if not value:
        raise SecretConfigurationError(f"the {what} secret {arn} has no string value")
    return value


def load_lwa_app(client: SecretsManagerClient, arn: str) -> LwaApp:
    """The LWA app from its secret; raises SecretConfigurationError when unreadable or still the placeholder."""
    text = _secret_string(client, arn, "LWA app")
    try:
        app = LwaApp.model_validate(json.loads(text))
    except (ValueError, ValidationError):
        raise SecretConfigurationError(
            f"the LWA app secret {arn} is not JSON with client_id, client_secret and application_id"
        ) from None
    if PLACEHOLDER in (app.client_id, app.application_id):
        raise SecretConfigurationError(
            f"the LWA app secret {arn} still holds the deploy-time placeholder: put the app's client_id, "
            "client_secret and application_id from the Solution Provider Portal (README, Deploy)"
        )
    return app


def put_lwa_app(client: SecretsManagerClient, arn: str, app: LwaApp, request_token: str) -> str:
    """Writes the app as a new version of the LWA secret (AWSCURRENT moves to it); returns the version id.

    `request_token` (32..64 characters) is the version's ClientRequestToken: Secrets Manager treats a second put with
    the same token and value as the same request, so a retried write creates no second version.
    """
    response = client.put_secret_value(SecretId=arn, SecretString=app.document(), ClientRequestToken=request_token)
    return response["VersionId"]


class LwaSecret:
    """The LWA secret as the rotation reads and writes it (shared/credentials/ports.py LwaSecretStore)."""

    def __init__(self, client: SecretsManagerClient, arn: str) -> None:
        self._client, self._arn = client, arn

    def load(self) -> LwaApp:
        """The current value (`load_lwa_app`)."""
        return load_lwa_app(self._client, self._arn)

    def version_created_at(self) -> datetime | None:
        """When the AWSCURRENT version was written."""
        response = self._client.get_secret_value(SecretId=self._arn)
        created = response.get("CreatedDate")
        return created if isinstance(created, datetime) else None

    def put(self, app: LwaApp, request_token: str) -> None:
        """A new current version (`put_lwa_app`)."""
        put_lwa_app(self._client, self._arn, app, request_token)


def load_invite_key(client: SecretsManagerClient, arn: str) -> bytes:
    """The connect-link signing key; raises SecretConfigurationError when missing or shorter than 32 bytes."""
    key = _secret_string(client, arn, "invite key").encode()
    if len(key) < MIN_KEY_BYTES:
        raise SecretConfigurationError(f"the invite key secret {arn} must hold at least {MIN_KEY_BYTES} bytes")
    return key
