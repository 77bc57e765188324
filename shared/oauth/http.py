"""The OAuth endpoints over HTTP: API Gateway (payload 2.0) events in, redirects and HTML pages out.

`handle_request` routes one event to the workflow (flow.py) and turns its result or failure into a response. It
reports each outcome to `record` (the handler's log line and metrics) with context that is safe to log: ids,
region, outcome, never a code, token, state or the query string.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from shared.oauth.flow import (
    STATE_COOKIE,
    Connected,
    OAuthConfig,
    OAuthDeps,
    Redirect,
    complete_consent,
    login_hop,
    start_consent,
)
from shared.oauth.outcomes import OAuthFailure, Outcome
from shared.oauth.pages import SECURITY_HEADERS, ConnectedPage, connected_page, failure_page
from shared.spapi.marketplaces import marketplace_by_id

CONNECT_PATH, LOGIN_PATH, CALLBACK_PATH = "/connect", "/oauth/login", "/oauth/callback"
COOKIE_PATH = "/oauth"
COOKIE_MAX_AGE = 600


class Recorder(Protocol):
    """Receives each request's outcome with its loggable context (and the exception of an unexpected failure)."""

    def __call__(
        self, outcome: Outcome, status: int, context: Mapping[str, str], error: BaseException | None = None
    ) -> None: ...


@dataclass(frozen=True)
class HttpContext:
    """Per-deployment HTTP settings: whether cookies need `Secure` (the API is served over HTTPS)."""

    secure_cookies: bool


def handle_request(
    event: Mapping[str, Any],
    config: OAuthConfig,
    deps: Callable[[], OAuthDeps],
    http: HttpContext,
    record: Recorder,
    on_connected: Callable[[Connected], None] = lambda _: None,
) -> dict[str, Any]:
    """One request to the OAuth routes; never raises: every failure becomes a page and an outcome."""
    request_id = str((event.get("requestContext") or {}).get("requestId", "")) or None
    path = str(event.get("rawPath", ""))
    query = {str(k): str(v) for k, v in (event.get("queryStringParameters") or {}).items()}
    try:
        if path == CONNECT_PATH:
            return _redirect(start_consent(query.get("invite"), config, deps()), http, record)
        if path == LOGIN_PATH:
            cookie = _cookie(event, STATE_COOKIE)
            return _redirect(login_hop(query, cookie, config, deps()), http, record)
        if path == CALLBACK_PATH:
            connected = complete_consent(query, _cookie(event, STATE_COOKIE), config, deps())
            on_connected(connected)
            return _connected(connected, http, record, request_id)
        raise OAuthFailure(Outcome.NOT_FOUND, path[:100])
    except OAuthFailure as failure:
        info = failure.info
        record(failure.outcome, info.status, {"detail": failure.detail} if failure.detail else {})
        # A callback that is not this browser's leaves its cookie alone (it may belong to a flow under way).
        clear = path == CALLBACK_PATH and failure.outcome is not Outcome.WRONG_BROWSER
        page = failure_page(info, request_id, failure.facts)
        return _html(info.status, page, http, clear_cookie=clear)
    except Exception as exc:  # noqa: BLE001  (the seller gets a page; the log gets the exception)
        info = OAuthFailure(Outcome.INTERNAL_ERROR).info
        record(Outcome.INTERNAL_ERROR, info.status, {"error_type": type(exc).__name__}, exc)
        return _html(info.status, failure_page(info, request_id), http, clear_cookie=False)


def _cookie(event: Mapping[str, Any], name: str) -> str | None:
    cookies = list(event.get("cookies") or [])
    header = (event.get("headers") or {}).get("cookie")
    if header:
        cookies += [part.strip() for part in str(header).split(";")]
    for cookie in cookies:
        key, _, value = str(cookie).partition("=")
        if key.strip() == name and value:
            return value.strip()
    return None


def _set_cookie(value: str, http: HttpContext, max_age: int) -> str:
    cookie = f"{STATE_COOKIE}={value}; Path={COOKIE_PATH}; Max-Age={max_age}; HttpOnly; SameSite=Lax"
    return cookie + ("; Secure" if http.secure_cookies else "")


def _redirect(redirect: Redirect, http: HttpContext, record: Recorder) -> dict[str, Any]:
    record(redirect.outcome, 302, dict(redirect.context or {}))
    response: dict[str, Any] = {
        "statusCode": 302,
        "headers": {**SECURITY_HEADERS, "Location": redirect.location},
        "body": "",
    }
    if redirect.state_cookie is not None:
        response["cookies"] = [_set_cookie(redirect.state_cookie, http, COOKIE_MAX_AGE)]
    return response


def _connected(connected: Connected, http: HttpContext, record: Recorder, request_id: str | None) -> dict[str, Any]:
    connection = connected.stored.connection
    record(
        connected.outcome,
        200,
        {
            "connection_id": connection.connection_id,
            "selling_partner_id": connection.selling_partner_id,
            "region": connection.region.value,
            "invite_id": connected.invite_id,
            "marketplaces": ",".join(connection.marketplace_ids),
        },
    )
    page = ConnectedPage(
        reauthorized=connected.stored.reauthorized,
        selling_partner_id=connection.selling_partner_id,
        connection_id=connection.connection_id,
        region=connection.region.value,
        marketplaces=[(mid, marketplace_by_id(mid).name) for mid in connection.marketplace_ids],
        name=connection.name,
        reauthorize_by=connection.reauthorize_by.date().isoformat(),
        next_steps=_next_steps(connection.connection_id, connected.stored.reauthorized),
    )
    return _html(200, connected_page(page, request_id), http, clear_cookie=True)


def _next_steps(connection_id: str, reauthorized: bool) -> list[str]:
    if reauthorized:
        return [
            "Nothing else to do: the connection is active again with all its settings as they were.",
            f"The administrator can check it with: sellersync status --connection {connection_id}",
        ]
    return [
        "Tell the administrator the account is connected; they choose which syncs run for it:",
        f"sellersync settings set {connection_id} enabled_syncs=orders,inventory",
        f"and review its settings (buffer, handling time, prices) with: sellersync settings get {connection_id}",
    ]


def _html(status: int, body: str, http: HttpContext, *, clear_cookie: bool) -> dict[str, Any]:
    response: dict[str, Any] = {
        "statusCode": status,
        "headers": {**SECURITY_HEADERS, "Content-Type": "text/html; charset=utf-8"},
        "body": body,
    }
    if clear_cookie:
        response["cookies"] = [_set_cookie("", http, 0)]
    return response
