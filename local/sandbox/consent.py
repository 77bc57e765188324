"""Seller Central's consent page: /apps/authorize/consent (optionally under /na, /eu, /fe), Authorize and Cancel.

Authorize sends the browser to the redirect URI with state, selling_partner_id and spapi_oauth_code (no
mws_auth_token: not a hybrid app). With `login_uri` configured it first takes the Log-in URI hop (REFERENCE.md 2.3).
Cancel: Amazon documents no cancel redirect (issues #665/#953 report the button doing nothing). The sandbox
chooses the OAuth 2.0 convention (RFC 6749 4.1.2.1): redirect with state, error=access_denied, error_description.
"""

import html
import secrets
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, request

from local.sandbox import tokens
from local.sandbox.entities import Seller
from local.sandbox.lwa import sandbox_of_app
from local.sandbox.world import Sandbox

blueprint = Blueprint("consent", __name__)
REGION_PREFIXES = {"na": "NA", "eu": "EU", "fe": "FE"}
LOGIN_STATE_SECONDS = 600


class ConsentError(Exception):
    """A consent request Seller Central refuses with an error page."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _checked(sandbox: Sandbox, params: Mapping[str, str], prefix: str | None) -> tuple[str, Seller]:
    """The redirect URI and the signed-in seller of a consent request (page or button); raises ConsentError."""
    redirect_uri = _check_request(
        sandbox, params.get("application_id", ""), params.get("version"), params.get("redirect_uri")
    )
    with sandbox.state.lock:
        seller = _signed_in_seller(sandbox, params.get("seller"), REGION_PREFIXES.get(prefix or ""))
    return redirect_uri, seller


@blueprint.get("/apps/authorize/consent")
@blueprint.get("/<any(na,eu,fe):prefix>/apps/authorize/consent")
def consent(prefix: str | None = None) -> Response:
    """Shows the consent page naming the signed-in seller."""
    sandbox = sandbox_of_app()
    args = request.args
    try:
        redirect_uri, seller = _checked(sandbox, args, prefix)
    except ConsentError as err:
        return _error_page(err)
    fields = {
        "application_id": args["application_id"],
        "state": args.get("state", ""),
        "redirect_uri": redirect_uri,
        "seller": seller.selling_partner_id,
        "version": args.get("version", ""),
    }
    return Response(_page(sandbox, seller, fields), content_type="text/html; charset=utf-8")


@blueprint.post("/apps/authorize/consent")
@blueprint.post("/<any(na,eu,fe):prefix>/apps/authorize/consent")
def decide(prefix: str | None = None) -> Response:
    """The Authorize / Cancel buttons."""
    sandbox = sandbox_of_app()
    form = request.form
    try:
        redirect_uri, seller = _checked(sandbox, form, prefix)
    except ConsentError as err:
        return _error_page(err)
    state = form.get("state", "")
    if form.get("decision") != "authorize":
        description = "The seller declined to authorize the application."
        return _redirect(redirect_uri, {"state": state, "error": "access_denied", "error_description": description})
    if sandbox.config.login_uri:
        # The app's own state and redirect URI travel on its side of the hop and come back on the callback.
        return _login_hop(sandbox, seller, form.get("version"))
    return _authorized(sandbox, seller, redirect_uri, state)


@blueprint.get("/apps/authorize/confirm/<application_id>")
@blueprint.get("/<any(na,eu,fe):prefix>/apps/authorize/confirm/<application_id>")
def confirm(application_id: str, prefix: str | None = None) -> Response:
    """amazon_callback_uri: the app sends the seller back here after its Log-in page."""
    sandbox = sandbox_of_app()
    with sandbox.state.lock:
        pending = sandbox.state.login_states.pop(request.args.get("amazon_state", ""), None)
    if pending is None or sandbox.now() - pending["issued"] > LOGIN_STATE_SECONDS:
        return _error_page(
            ConsentError("SANDBOX-STATE-EXPIRED", "The authorization request expired or was already used.")
        )
    try:
        redirect_uri = _check_request(
            sandbox, application_id, request.args.get("version"), request.args.get("redirect_uri")
        )
    except ConsentError as err:
        return _error_page(err)
    with sandbox.state.lock:
        seller = sandbox.state.sellers[pending["seller"]]
    return _authorized(sandbox, seller, redirect_uri, request.args.get("state", ""))


def _check_request(sandbox: Sandbox, application_id: str, version: str | None, redirect_uri: str | None) -> str:
    config = sandbox.config
    if application_id != config.application_id:
        raise ConsentError("SANDBOX-UNKNOWN-APP", "The application could not be found.")
    if config.draft_app and version != "beta":
        raise ConsentError("MD1000", "The application is in Draft state: add version=beta to the consent URI.")
    if redirect_uri and redirect_uri not in config.redirect_uris:
        raise ConsentError("MD5101", "The redirect URI does not match a registered OAuth Redirect URI.")
    return redirect_uri or config.redirect_uris[0]


def _signed_in_seller(sandbox: Sandbox, hint: str | None, region: str | None) -> Seller:
    """The seller hint, else the steered signed-in seller, else the first seller of the region."""
    sellers = sandbox.state.sellers
    candidates = [s for s in (hint, sandbox.state.consent_seller) if s]
    for seller_id in candidates:
        seller = sellers.get(seller_id)
        if seller is not None and (region is None or seller.region == region):
            return seller
        if seller_id == hint:
            raise ConsentError("SANDBOX-UNKNOWN-SELLER", f"No seller {seller_id} in this region.")
    seller = next((s for s in sellers.values() if region is None or s.region == region), None)
    if seller is None:
        raise ConsentError("SANDBOX-UNKNOWN-SELLER", "No seller can sign in to this region.")
    return seller


def _authorized(sandbox: Sandbox, seller: Seller, redirect_uri: str, state: str) -> Response:
    with sandbox.state.lock:
        code = tokens.issue_code(sandbox.state, seller, redirect_uri, sandbox.now())
    params = {"state": state, "selling_partner_id": seller.selling_partner_id, "spapi_oauth_code": code}
    return _redirect(redirect_uri, params)


def _login_hop(sandbox: Sandbox, seller: Seller, version: str | None) -> Response:
    amazon_state = secrets.token_urlsafe(16)
    with sandbox.state.lock:
        sandbox.state.login_states[amazon_state] = {"seller": seller.selling_partner_id, "issued": sandbox.now()}
    callback = f"{request.host_url.rstrip('/')}/apps/authorize/confirm/{sandbox.config.application_id}"
    params = {
        "amazon_callback_uri": callback,
        "amazon_state": amazon_state,
        "selling_partner_id": seller.selling_partner_id,
    }
    if version:
        params["version"] = version
    return _redirect(str(sandbox.config.login_uri), params)


def _redirect(uri: str, params: dict[str, str]) -> Response:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    location = urlunsplit(parts._replace(query=query))
    return Response(status=302, headers={"Location": location, "Referrer-Policy": "no-referrer"})


def _page(sandbox: Sandbox, seller: Seller, fields: dict[str, str]) -> str:
    hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items())
    app = html.escape(sandbox.config.application_name)
    store = html.escape(seller.store_name)
    return (
        f"<!doctype html><html><head><title>Authorize {app}</title></head><body>"
        f"<h1>Authorize {app}</h1>"
        f'<p id="seller">Signed in as <strong>{store}</strong> (<span id="selling-partner-id">'
        f"{seller.selling_partner_id}</span>, region {seller.region})</p>"
        f"<p>{app} asks for access to your Amazon selling account (local sandbox).</p>"
        f'<form method="post">{hidden}'
        '<button type="submit" name="decision" value="authorize" id="authorize">Authorize</button> '
        '<button type="submit" name="decision" value="cancel" id="cancel">Cancel</button>'
        "</form></body></html>"
    )


def _error_page(err: ConsentError) -> Response:
    body = (
        "<!doctype html><html><head><title>Authorization error</title></head><body>"
        f'<h1>We could not authorize the application</h1><p>Error code: <span id="error-code">{err.code}</span></p>'
        f"<p>{html.escape(err.message)}</p></body></html>"
    )
    return Response(body, status=400, content_type="text/html; charset=utf-8")
