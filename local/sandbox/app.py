"""The Flask app factory: LWA, consent, SP-API operations (also under /na, /eu, /fe), documents, inspection."""

import socket
import uuid
from collections.abc import Callable

from flask import Flask, Response, request

from local.sandbox import consent, documents, inspection, lwa, operations, steering
from local.sandbox.api import REGISTRY, DroppedConnection, Registered, dispatch, error_body
from local.sandbox.clock import ScaledClock
from local.sandbox.config import SandboxConfig
from local.sandbox.world import NotificationSender, Sandbox

# Regional endpoints (sellingpartnerapi-na/-eu/-fe) map to path prefixes on the one sandbox host.
REGION_PREFIXES = {"na": "NA", "eu": "EU", "fe": "FE"}


def create_app(
    config: SandboxConfig, *, clock: ScaledClock | None = None, sender: NotificationSender | None = None
) -> Flask:
    """Builds the sandbox app around a fresh world; clock and notification sender can be injected for tests."""
    sandbox = Sandbox(config, clock=clock, sender=sender)
    app = Flask("local.sandbox")
    app.extensions["sandbox"] = sandbox
    # Test mode lets response-model mismatches and dropped connections surface as exceptions in tests.
    app.config["PROPAGATE_EXCEPTIONS"] = config.validate_responses
    for blueprint in (lwa.blueprint, consent.blueprint, documents.blueprint, inspection.blueprint, steering.blueprint):
        app.register_blueprint(blueprint)
    assert operations.__all__  # importing the package registered every handler
    for operation_id, registered in REGISTRY.items():
        path, method = registered.op.flask_path, registered.op.method
        app.add_url_rule(path, f"spapi.{operation_id}", _view(sandbox, registered), methods=[method])
        app.add_url_rule(
            "/<any(na,eu,fe):region_prefix>" + path,
            f"spapi.{operation_id}.regional",
            _view(sandbox, registered),
            methods=[method],
        )
    app.register_error_handler(DroppedConnection, _drop_connection)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(405, _not_found)
    app.after_request(_request_id)
    return app


def sandbox_of(app: Flask) -> Sandbox:
    """The world behind an app made by create_app."""
    sandbox: Sandbox = app.extensions["sandbox"]
    return sandbox


def _view(sandbox: Sandbox, registered: Registered) -> Callable[..., Response]:
    def view(region_prefix: str | None = None, **path_params: str) -> Response:
        region = REGION_PREFIXES.get(region_prefix) if region_prefix else None
        return dispatch(sandbox, registered, path_params, region)

    return view


def _request_id(response: Response) -> Response:
    # Amazon stamps every answer (LWA and SP-API alike) with a request ID; SP-API handlers set their own.
    response.headers.setdefault("x-amzn-RequestId", str(uuid.uuid4()))
    return response


def _drop_connection(exc: DroppedConnection) -> Response:
    connection = request.environ.get("werkzeug.socket")
    if connection is None:
        # No socket (Flask test client): let the test see the drop as an exception.
        raise exc
    connection.shutdown(socket.SHUT_RDWR)
    return Response(status=500)


def _not_found(_: Exception) -> tuple[dict[str, object], int]:
    message = f"{request.method} {request.path} is not an operation the local sandbox models."
    return error_body("NotFound", message), 404
