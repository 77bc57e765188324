"""The Amazon endpoint overrides of a deployed stack: cdk.json's `sellersync:amazonEndpoints` context key.

Absent (the default), the functions call Amazon's own hosts. Present, every function gets SPAPI_ENDPOINT_URL,
LWA_TOKEN_URL and SELLER_CENTRAL_URL, e.g. to face Amazon's sandbox or a test double. Checked at synthesis: https
only, except for loopback hosts (127.0.0.0/8, localhost, ::1), where plain http is allowed.
"""

import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.env import Env

AMAZON_ENDPOINTS_CONTEXT_KEY = "sellersync:amazonEndpoints"


class AmazonEndpointsError(ValueError):
    """The context key holds something other than three https (or loopback http) URLs."""


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (localhost, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """`url` if it is https with a host, or http to a loopback host; raises ValueError otherwise."""
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in {"http", "https"}:
        raise ValueError("must be an http(s) URL with a host")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError("must use https (plain http only to a loopback host: localhost, 127.0.0.0/8, ::1)")
    return url


class AmazonEndpoints(BaseModel):
    """The three overrides, as written in cdk.json (camelCase keys)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spapi_endpoint_url: str = Field(alias="spapiEndpointUrl")
    lwa_token_url: str = Field(alias="lwaTokenUrl")
    seller_central_url: str = Field(alias="sellerCentralUrl")

    @field_validator("spapi_endpoint_url", "lwa_token_url", "seller_central_url")
    @classmethod
    def _secure(cls, value: str) -> str:
        return check_url(value)

    def environment(self) -> dict[str, str]:
        """The functions' override variables."""
        return {
            Env.SPAPI_ENDPOINT_URL: self.spapi_endpoint_url,
            Env.LWA_TOKEN_URL: self.lwa_token_url,
            Env.SELLER_CENTRAL_URL: self.seller_central_url,
        }


def endpoint_overrides(context_value: Any) -> dict[str, str]:
    """The override variables the context value asks for (none when unset); raises AmazonEndpointsError."""
    if context_value is None:
        return {}
    try:
        if isinstance(context_value, str):  # `cdk deploy -c key='{...}'` passes the object as a JSON string
            context_value = json.loads(context_value)
        return AmazonEndpoints.model_validate(context_value).environment()
    except json.JSONDecodeError:
        problems = "value: not a JSON object"
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors())
    raise AmazonEndpointsError(
        f"context {AMAZON_ENDPOINTS_CONTEXT_KEY!r} must be an object with spapiEndpointUrl, lwaTokenUrl and "
        f"sellerCentralUrl (https, or http to a loopback host): {problems}"
    )
