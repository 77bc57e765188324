"""The local stand-in for the HTTP API: turns requests into API Gateway payload-2.0 events for the same handlers."""

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from local.specs import RouteSpec
from local.workers import InvocationResult

Invoke = Callable[[str, Any], InvocationResult]


def api_event(request: Request, route: RouteSpec) -> dict[str, Any]:
    """The API Gateway HTTP API (payload format 2.0) event for one request."""
    body = request.get_data()
    text_body = body.decode("utf-8", errors="strict") if body else None
    query = dict(parse_qsl(request.query_string.decode(), keep_blank_values=True))
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": f"{route.method} {route.path}",
        "rawPath": request.path,
        "rawQueryString": request.query_string.decode(),
        "cookies": [f"{k}={v}" for k, v in request.cookies.items()] or None,
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "queryStringParameters": query or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "localapi",
            "domainName": request.host,
            "stage": "$default",
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{route.method} {route.path}",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.user_agent.string,
            },
        },
        "body": text_body,
        "isBase64Encoded": False,
    }


def to_response(result: InvocationResult) -> Response:
    """The HTTP response API Gateway makes of a function's result."""
    if not result.ok:
        return Response('{"message":"Internal Server Error"}', status=500, content_type="application/json")
    payload = result.payload
    if not isinstance(payload, dict) or "statusCode" not in payload:
        # Payload 2.0 lets a function return a bare JSON value: API Gateway answers 200 with it.
        return Response(json.dumps(payload), status=200, content_type="application/json")
    body = payload.get("body") or ""
    data = base64.b64decode(body) if payload.get("isBase64Encoded") else str(body).encode()
    response = Response(data, status=int(payload["statusCode"]))
    for key, value in (payload.get("headers") or {}).items():
        response.headers[key] = str(value)
    for cookie in payload.get("cookies") or []:
        response.headers.add("Set-Cookie", cookie)
    return response


class HttpAdapter:
    """Serves the stack's HTTP API routes on loopback."""

    def __init__(self, routes: list[RouteSpec], invoke: Invoke, port: int) -> None:
        self.routes = {(r.method.upper(), r.path): r for r in routes}
        self.invoke = invoke
        self.server: BaseWSGIServer = make_server("127.0.0.1", port, self._app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="http-adapter")

    @property
    def url(self) -> str:
        """Base URL of the local API."""
        return f"http://127.0.0.1:{self.server.server_port}"

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        route = self.routes.get((request.method, request.path)) or self.routes.get(("ANY", request.path))
        if route is None:
            response = Response('{"message":"Not Found"}', status=404, content_type="application/json")
        else:
            response = to_response(self.invoke(route.function, api_event(request, route)))
        return response(environ, start_response)

    def start(self) -> None:
        """Starts serving in a background thread."""
        self.thread.start()

    def stop(self) -> None:
        """Stops serving."""
        self.server.shutdown()
