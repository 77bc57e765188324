"""What goes on the wire: the request description, headers, and the mapping of error answers to exceptions."""

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from typing import Any

from shared.spapi.errors import (
    InvalidInputError,
    NotFoundError,
    ServerError,
    SpApiError,
    ThrottledError,
    UnauthorizedError,
)

REQUEST_ID_HEADER = "x-amzn-RequestId"
ACCESS_TOKEN_HEADER = "x-amz-access-token"


@dataclass(frozen=True)
class ApiRequest:
    """One SP-API call, built apart from the transport so tests can check it against Amazon's models.

    `path` is already percent-encoded; `query` values are strings (arrays joined with commas, Amazon's csv format);
    `scope` names a grantless scope (None: the seller's token); `buckets` are rate-limit buckets taken on top of
    `operation`'s; `idempotent` allows retrying after a timeout that may have reached Amazon.
    """

    operation: str
    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    scope: str | None = None
    buckets: tuple[str, ...] = ()
    idempotent: bool = True


@cache
def user_agent() -> str:
    """`SellerSync/<version> (Language=Python/<major.minor>)`, as Amazon asks apps to identify themselves."""
    try:
        version = metadata.version("sellersync")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"SellerSync/{version} (Language=Python/{sys.version_info.major}.{sys.version_info.minor})"


def request_headers(access_token: str, with_body: bool) -> dict[str, str]:
    """Headers of an SP-API call: the LWA token and user agent (no SigV4 since 2023), content type with a body."""
    headers = {ACCESS_TOKEN_HEADER: access_token, "user-agent": user_agent(), "accept": "application/json"}
    if with_body:
        headers["content-type"] = "application/json"
    return headers


def encode_body(body: Mapping[str, Any] | None) -> bytes | None:
    """The JSON body as UTF-8 bytes."""
    return None if body is None else json.dumps(body, separators=(",", ":")).encode()


def iso_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix, the form Amazon documents."""
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def csv(values: list[str] | tuple[str, ...]) -> str:
    """A query array in Amazon's csv collection format."""
    return ",".join(values)


def error_class(status: int) -> type[SpApiError]:
    """The exception class of an HTTP error status."""
    if status == 400:
        return InvalidInputError
    if status in (401, 403):
        return UnauthorizedError
    if status == 404:
        return NotFoundError
    if status == 429:
        return ThrottledError
    if status >= 500:
        return ServerError
    return SpApiError


def parse_error(status: int, content: bytes, headers: Mapping[str, str], operation: str) -> SpApiError:
    """Maps an error answer (`{"errors": [{"code","message","details"}]}`) to an exception of its status class."""
    code, message, details = _first_error(content)
    return error_class(status)(
        status=status,
        code=code or f"HTTP{status}",
        message=message,
        request_id=headers.get(REQUEST_ID_HEADER),
        operation=operation,
        details=details,
    )


def _first_error(content: bytes) -> tuple[str, str, str | None]:
    try:
        body = json.loads(content or b"{}")
    except ValueError:
        return "", content[:200].decode(errors="replace"), None
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return "", "", None
    first = errors[0]
    details = first.get("details")
    return str(first.get("code", "")), str(first.get("message", "")), None if details is None else str(details)
