"""The SP-API request pipeline: token -> rate limit -> faults -> model validation -> handler -> response check.

Handlers register with @operation(model, operationId); their path and parameters come from Amazon's model, so
the sandbox serves exactly the paths the models declare.
"""

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Response, request

from local.sandbox import tokens
from local.sandbox.entities import Seller
from local.sandbox.faults import Fault
from local.sandbox.ratelimit import USAGE_PLANS
from local.sandbox.specs import Operation, find_operation
from local.sandbox.tokens import Principal
from local.sandbox.validation import InvalidInput, validate_request, validate_response
from local.sandbox.world import Sandbox

UNAUTHORIZED = "Access to requested resource is denied."
QUOTA_EXCEEDED = "You exceeded your quota for the requested resource."
INTERNAL_FAILURE = "We encountered an internal error. Please try again."
# Amazon sends x-amzn-RateLimit-Limit only with these statuses, never with 403/429/5xx (REFERENCE.md 4).
RATE_HEADER_STATUSES = {200, 201, 202, 204, 400, 404}


class ApiError(Exception):
    """An SP-API error answer: {"errors":[{"code","message","details"}]}."""

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


class DroppedConnection(Exception):
    """Fault: the connection is closed without an answer."""


@dataclass
class ApiResponse:
    """What a handler answers: status, JSON body (None for no body) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    """What a handler gets: the world, the caller, validated parameters and body."""

    sandbox: Sandbox
    principal: Principal
    seller: Seller | None
    params: dict[str, Any]
    body: Any
    base_url: str
    now: float

    def require_seller(self) -> Seller:
        """The calling seller (seller-token operations only)."""
        if self.seller is None:
            raise ApiError(403, "Unauthorized", UNAUTHORIZED)
        return self.seller


Handler = Callable[[Ctx], ApiResponse]


@dataclass(frozen=True)
class Registered:
    """An implemented operation."""

    op: Operation
    handler: Handler
    grantless: bool


REGISTRY: dict[str, Registered] = {}


def operation(model: str, operation_id: str, *, grantless: bool = False) -> Callable[[Handler], Handler]:
    """Registers a handler for a model operation (grantless ones take client_credentials tokens)."""

    def register(handler: Handler) -> Handler:
        REGISTRY[operation_id] = Registered(find_operation(model, operation_id), handler, grantless)
        return handler

    return register


def error_body(code: str, message: str, details: str = "") -> dict[str, Any]:
    """The SP-API error list shape."""
    return {"errors": [{"code": code, "message": message, "details": details}]}


def dispatch(sandbox: Sandbox, registered: Registered, path_params: dict[str, str], region: str | None) -> Response:
    """Runs one SP-API call through the whole pipeline and renders the HTTP answer."""
    sandbox.tick()
    try:
        result = _run(sandbox, registered, path_params, region)
    except ApiError as err:
        result = ApiResponse(err.status, error_body(err.code, err.message, err.details))
        if err.code == "Unauthorized":
            # Amazon's API gateway names the refusal in this header too (issues amzn/selling-partner-api-docs#1374).
            result.headers["x-amzn-ErrorType"] = "AccessDeniedException"
    if sandbox.config.validate_responses:
        validate_response(registered.op, result.status, result.body)
    sandbox.flush()
    return _render(result, registered.op.operation_id)


def _run(sandbox: Sandbox, registered: Registered, path_params: dict[str, str], region: str | None) -> ApiResponse:
    op_id = registered.op.operation_id
    principal = _authenticate(sandbox, registered, region)
    if not sandbox.limiter.try_acquire(principal.seller_id or "application", op_id, USAGE_PLANS[op_id], sandbox.now()):
        raise ApiError(429, "QuotaExceeded", QUOTA_EXCEEDED)
    _inject_fault(sandbox, principal.seller_id, op_id)
    query = {key: request.args.getlist(key) for key in request.args}
    try:
        params, body = validate_request(registered.op, path_params, query, request.get_data())
    except InvalidInput as exc:
        raise ApiError(400, "InvalidInput", str(exc), exc.details) from exc
    with sandbox.state.lock:
        seller = sandbox.state.seller(principal.seller_id) if principal.seller_id else None
        ctx = Ctx(sandbox, principal, seller, params, body, request.host_url.rstrip("/"), sandbox.now())
        return registered.handler(ctx)


def _authenticate(sandbox: Sandbox, registered: Registered, region: str | None) -> Principal:
    token = request.headers.get("x-amz-access-token", "")
    with sandbox.state.lock:
        principal = tokens.resolve(sandbox.state, token, sandbox.now()) if token else None
    if principal is None or principal.grantless != registered.grantless:
        raise ApiError(403, "Unauthorized", UNAUTHORIZED)
    if region is not None and principal.region is not None and principal.region != region:
        # A seller token is only good at its own region's endpoint.
        raise ApiError(403, "Unauthorized", UNAUTHORIZED)
    return principal


def _inject_fault(sandbox: Sandbox, seller_id: str | None, operation_id: str) -> None:
    fault = sandbox.faults.storm(seller_id, operation_id) or sandbox.faults.request_fault()
    if fault is Fault.THROTTLE:
        raise ApiError(429, "QuotaExceeded", QUOTA_EXCEEDED)
    if fault is Fault.ERROR:
        raise ApiError(500, "InternalFailure", INTERNAL_FAILURE)
    if fault is Fault.DROP:
        raise DroppedConnection
    if fault is Fault.SLOW:
        time.sleep(sandbox.faults.config.slow_seconds)


def _render(result: ApiResponse, operation_id: str) -> Response:
    body = "" if result.body is None else json.dumps(result.body)
    response = Response(body, status=result.status, content_type="application/json" if body else None)
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    if result.status in RATE_HEADER_STATUSES:
        response.headers["x-amzn-RateLimit-Limit"] = USAGE_PLANS[operation_id].header
    response.headers.update(result.headers)
    return response
