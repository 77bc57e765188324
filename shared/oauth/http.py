"""The OAuth endpoints over HTTP: API Gateway (payload 2.0) events in, redirects and HTML pages out.

`oauth_resolver` is one Powertools `APIGatewayHttpResolver`: the three routes call the workflow (flow.py), and the
failures map to pages in one place, by exception type: `OAuthFailure` renders its outcome's page and status, any other
exception the internal-error page, an unknown path the not-found page. Every response carries the no-store and
no-referrer headers. Each outcome goes to `record` (the handler's log line and metrics) with context that is safe to
log: ids, region, outcome, never a code, token, state or the query string.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.shared.cookies import Cookie
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.oauth.amazon import OAuthConfig
from shared.oauth.flow import (
    STATE_COOKIE,
    Connected,
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
# The routes answer whatever the method, as the hand routing did (API Gateway forwards only GET).
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class Recorder(Protocol):
    """Receives each request's outcome with its loggable context (and the exception of an unexpected failure)."""

    def __call__(
        self, outcome: Outcome, status: int, context: Mapping[str, str], error: BaseException | None = None
    ) -> None: ...


@dataclass(frozen=True)
class HttpContext:
    """Per-deployment HTTP settings: whether cookies need `Secure` (the API is served over HTTPS)."""

    secure_cookies: bool


def oauth_resolver(
    config: OAuthConfig,
    deps: Callable[[], OAuthDeps],
    http: HttpContext,
    record: Recorder,
    on_connected: Callable[[Connected], None] = lambda _: None,
) -> APIGatewayHttpResolver:
    """The routes and the failure handlers of the OAuth endpoints; resolving an event never raises."""
    # debug off whatever POWERTOOLS_DEV says: debug mode prints the event, whose query holds the code and the state.
    app = APIGatewayHttpResolver(debug=False)

    def event() -> Mapping[str, Any]:
        return cast(Mapping[str, Any], app.current_event.raw_event)

    def query() -> dict[str, str]:
        return {str(k): str(v) for k, v in (event().get("queryStringParameters") or {}).items()}

    @app.route(CONNECT_PATH, method=_METHODS)
    def connect() -> Response[str]:
        return _redirect(start_consent(query().get("invite"), config, deps()), http, record)

    @app.route(LOGIN_PATH, method=_METHODS)
    def login() -> Response[str]:
        return _redirect(login_hop(query(), _cookie(event(), STATE_COOKIE), config, deps()), http, record)

    @app.route(CALLBACK_PATH, method=_METHODS)
    def callback() -> Response[str]:
        connected = complete_consent(query(), _cookie(event(), STATE_COOKIE), config, deps())
        on_connected(connected)
        return _connected(connected, http, record, _request_id(event()))

    @app.exception_handler(OAuthFailure)
    def refused(failure: OAuthFailure) -> Response[str]:
        info = failure.info
        record(failure.outcome, info.status, {"detail": failure.detail} if failure.detail else {})
        # A callback that is not this browser's leaves its cookie alone (it may belong to a flow under way).
        clear = _path(event()) == CALLBACK_PATH and failure.outcome is not Outcome.WRONG_BROWSER
        page = failure_page(info, _request_id(event()), failure.facts)
        return _html(info.status, page, http, clear_cookie=clear)

    @app.not_found
    def unknown_path(_: NotFoundError) -> Response[str]:
        return refused(OAuthFailure(Outcome.NOT_FOUND, _path(event())[:100]))

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response[str]:  # the seller gets a page; the log gets the exception
        info = OAuthFailure(Outcome.INTERNAL_ERROR).info
        record(Outcome.INTERNAL_ERROR, info.status, {"error_type": type(exc).__name__}, exc)
        return _html(info.status, failure_page(info, _request_id(event())), http, clear_cookie=False)

    return app


def handle_request(
    event: Mapping[str, Any],
    config: OAuthConfig,
    deps: Callable[[], OAuthDeps],
    http: HttpContext,
    record: Recorder,
    on_connected: Callable[[Connected], None] = lambda _: None,
    context: LambdaContext | None = None,
) -> dict[str, Any]:
    """One request to the OAuth routes; never raises: every failure becomes a page and an outcome."""
    app = oauth_resolver(config, deps, http, record, on_connected)
    return app.resolve(_with_method(event), cast(LambdaContext, context))


def _with_method(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event with `requestContext.http` and `stage` filled in when absent (a bare test event), for the resolver."""
    request_context = dict(event.get("requestContext") or {})
    if isinstance(request_context.get("http"), Mapping) and "stage" in request_context:
        return dict(event)
    request_context.setdefault("http", {"method": "GET", "path": str(event.get("rawPath", ""))})
    request_context.setdefault("stage", "$default")
    return {**event, "rawPath": str(event.get("rawPath", "")), "requestContext": request_context}


def _path(event: Mapping[str, Any]) -> str:
    return str(event.get("rawPath", ""))


def _request_id(event: Mapping[str, Any]) -> str | None:
    return str((event.get("requestContext") or {}).get("requestId", "")) or None


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


def _state_cookie(value: str, http: HttpContext, max_age: int) -> Cookie:
    """The state cookie; attributes in the order we have always sent them (SameSite before Secure)."""
    attributes = ["SameSite=Lax", *(["Secure"] if http.secure_cookies else [])]
    return Cookie(
        name=STATE_COOKIE,
        value=value,
        path=COOKIE_PATH,
        max_age=max_age,
        http_only=True,
        secure=False,  # sent as a custom attribute, after SameSite
        custom_attributes=attributes,
    )


def _set_cookie(value: str, http: HttpContext, max_age: int) -> str:
    return str(_state_cookie(value, http, max_age))


def _redirect(redirect: Redirect, http: HttpContext, record: Recorder) -> Response[str]:
    record(redirect.outcome, 302, dict(redirect.context or {}))
    cookies = [] if redirect.state_cookie is None else [_state_cookie(redirect.state_cookie, http, COOKIE_MAX_AGE)]
    return Response(302, headers={**SECURITY_HEADERS, "Location": redirect.location}, body="", cookies=cookies)


def _connected(connected: Connected, http: HttpContext, record: Recorder, request_id: str | None) -> Response[str]:
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


def _html(status: int, body: str, http: HttpContext, *, clear_cookie: bool) -> Response[str]:
    headers = {**SECURITY_HEADERS, "Content-Type": "text/html; charset=utf-8"}
    cookies = [_state_cookie("", http, 0)] if clear_cookie else []
    return Response(status, headers=headers, body=body, cookies=cookies)
