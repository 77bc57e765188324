"""The Amazon a running embedded default faces, and the LWA app credentials it is given (light: no moto, no CDK).

Recorded in the state file (`amazon`), read by the `--local` CLI commands and turned into the functions' endpoint
overrides. The built-in sandbox is one such Amazon; `sellersync local up --spapi-endpoint-url ...` names another.
"""

import json
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from shared.env import Env

LWA_TOKEN_PATH = "/auth/o2/token"


class AmazonConfigError(ValueError):
    """The Amazon endpoints or the LWA credentials given cannot be used (the message never holds a secret)."""


def check_http_url(url: str) -> str:
    """`url` without a trailing slash if it is an http(s) URL with a host; raises ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL with a host")
    return url.rstrip("/")


class AmazonEndpoints(BaseModel):
    """Where the functions and the CLI reach Amazon: SP-API, the LWA token endpoint, Seller Central (may hold
    `{region}`), and the time scale they pace at (Amazon seconds per real second)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spapi_endpoint_url: str
    lwa_token_url: str
    seller_central_url: str
    time_scale: float = Field(1.0, gt=0)

    @field_validator("spapi_endpoint_url", "lwa_token_url", "seller_central_url")
    @classmethod
    def _http(cls, value: str) -> str:
        return check_http_url(value)

    def environment(self) -> dict[str, str]:
        """The functions' override variables for this Amazon (the clock origin is added by whoever knows it)."""
        return {
            Env.SPAPI_ENDPOINT_URL: self.spapi_endpoint_url,
            Env.LWA_TOKEN_URL: self.lwa_token_url,
            Env.SELLER_CENTRAL_URL: self.seller_central_url,
            Env.SPAPI_TIME_SCALE: str(self.time_scale),
        }


def sandbox_endpoints(sandbox_url: str, time_scale: float = 1.0) -> AmazonEndpoints:
    """The endpoints of a local sandbox at `sandbox_url` (Seller Central per region path)."""
    url = sandbox_url.rstrip("/")
    return AmazonEndpoints(
        spapi_endpoint_url=url,
        lwa_token_url=f"{url}{LWA_TOKEN_PATH}",
        seller_central_url=f"{url}/{{region}}",
        time_scale=time_scale,
    )


def external_endpoints(
    spapi_endpoint_url: str | None, lwa_token_url: str | None, seller_central_url: str | None, time_scale: float
) -> AmazonEndpoints | None:
    """The Amazon named by the three options (all or none); None when none is given; raises AmazonConfigError."""
    given = {"--spapi-endpoint-url": spapi_endpoint_url, "--lwa-token-url": lwa_token_url}
    given["--seller-central-url"] = seller_central_url
    if not any(given.values()):
        return None
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise AmazonConfigError(f"{', '.join(given)} go together; missing {', '.join(missing)}")
    try:
        return AmazonEndpoints(
            spapi_endpoint_url=str(spapi_endpoint_url),
            lwa_token_url=str(lwa_token_url),
            seller_central_url=str(seller_central_url),
            time_scale=time_scale,
        )
    except ValidationError as exc:
        raise AmazonConfigError("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())) from None


class LwaCredentials(BaseModel):
    """The LWA app's credentials, shaped as the stack's LWA secret holds them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    application_id: str = Field(min_length=1)
    client_id: str = Field(min_length=1)
    client_secret: SecretStr = Field(min_length=1)

    def secret_string(self) -> str:
        """The secret's JSON value (for Secrets Manager only: never print or log it)."""
        return json.dumps(
            {
                "application_id": self.application_id,
                "client_id": self.client_id,
                "client_secret": self.client_secret.get_secret_value(),
            }
        )


def read_lwa_credentials(path: Path) -> LwaCredentials:
    """The credentials in the JSON file at `path`; raises AmazonConfigError naming what is wrong, never a value."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise AmazonConfigError(f"LWA credentials file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AmazonConfigError(f"cannot read LWA credentials file {str(path)!r}: {type(exc).__name__}") from None
    except json.JSONDecodeError:
        raise AmazonConfigError(f"LWA credentials file {str(path)!r} is not JSON") from None
    try:
        return LwaCredentials.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors())
        raise AmazonConfigError(
            f"LWA credentials file {str(path)!r} must be a JSON object with application_id, client_id and "
            f"client_secret: {problems}"
        ) from None
