"""Login with Amazon: POST /auth/o2/token with the authorization_code, refresh_token and client_credentials grants."""

import json
import secrets
from typing import Any

from flask import Blueprint, Response, current_app, request

from local.sandbox import rotation, tokens
from local.sandbox.tokens import LwaError
from local.sandbox.world import Sandbox

blueprint = Blueprint("lwa", __name__)


def sandbox_of_app() -> Sandbox:
    """The Sandbox the current Flask app serves."""
    sandbox: Sandbox = current_app.extensions["sandbox"]
    return sandbox


@blueprint.post("/auth/o2/token")
def token() -> Response:
    """The LWA token endpoint (form-encoded, as api.amazon.com/auth/o2/token)."""
    sandbox = sandbox_of_app()
    sandbox.tick()
    try:
        body = _grant(sandbox, request.form)
    except LwaError as err:
        return _json(err.status, {"error_description": err.description, "error": err.error})
    return _json(200, body)


def _grant(sandbox: Sandbox, form: Any) -> dict[str, Any]:
    grant_type = form.get("grant_type", "")
    if grant_type not in ("authorization_code", "refresh_token", "client_credentials"):
        raise LwaError(400, "unsupported_grant_type", "The authorization grant type is not supported by the server")
    _check_client(sandbox, form.get("client_id", ""), form.get("client_secret", ""))
    now = sandbox.now()
    with sandbox.state.lock:
        if grant_type == "authorization_code":
            return tokens.exchange_code(sandbox.state, _required(form, "code"), form.get("redirect_uri"), now)
        if grant_type == "refresh_token":
            return tokens.refresh(sandbox.state, _required(form, "refresh_token"), now)
        return tokens.client_credentials(sandbox.state, _required(form, "scope"), now)


def _check_client(sandbox: Sandbox, client_id: str, client_secret: str) -> None:
    # Constant-time compares: the sandbox should not teach timing-leaky habits.
    # The secret: the current one, or the one a rotation replaced until its expiry (local/sandbox/rotation.py).
    good_id = secrets.compare_digest(client_id, sandbox.config.client_id)
    with sandbox.state.lock:
        good_secret = rotation.secret_accepted(sandbox, client_secret, sandbox.now())
    if not (good_id and good_secret):
        raise LwaError(401, "invalid_client", "Client authentication failed")


def _required(form: Any, name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise LwaError(400, "invalid_request", f"The request is missing a required parameter : {name}")
    return str(value)


def _json(status: int, body: dict[str, Any]) -> Response:
    # Compact and in insertion order: LWA's bodies are compared byte-for-byte by some clients and by our tests.
    return Response(json.dumps(body, separators=(",", ":")), status=status, content_type="application/json")
