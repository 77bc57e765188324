"""The stack's two secrets in Secrets Manager: the LWA app credentials and the connect-link signing key.

The LWA secret is JSON `{"client_id", "client_secret", "application_id"}`; the operator fills it in after the first
deploy (README, Deploy). A value still holding the deploy-time placeholder is refused with a message saying so,
rather than sending Amazon a request that can only fail. Values travel as `SecretStr` and never reach a log.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

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

    @property
    def credentials(self) -> LwaCredentials:
        """The client id and secret for LwaClient."""
        return LwaCredentials(client_id=self.client_id, client_secret=self.client_secret)


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


def load_invite_key(client: SecretsManagerClient, arn: str) -> bytes:
    """The connect-link signing key; raises SecretConfigurationError when missing or shorter than 32 bytes."""
    key = _secret_string(client, arn, "invite key").encode()
    if len(key) < MIN_KEY_BYTES:
        raise SecretConfigurationError(f"the invite key secret {arn} must hold at least {MIN_KEY_BYTES} bytes")
    return key
