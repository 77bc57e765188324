"""Application Management API 2023-11-30: rotateApplicationClientSecret (grantless; local/sandbox/rotation.py)."""

from local.sandbox import rotation
from local.sandbox.api import UNAUTHORIZED, ApiError, ApiResponse, Ctx, operation

MODEL = "application_2023-11-30"
ROTATION_SCOPE = "sellingpartnerapi::client_credential:rotation"


@operation(MODEL, "rotateApplicationClientSecret", grantless=True)
def rotate_application_client_secret(ctx: Ctx) -> ApiResponse:
    """204 and a new secret on the registered queue; 400 when none is registered; 403 without the rotation scope."""
    if ROTATION_SCOPE not in (ctx.principal.scope or "").split():
        raise ApiError(403, "Unauthorized", UNAUTHORIZED)
    if not rotation.rotate(ctx.sandbox, ctx.now):
        raise ApiError(400, "InvalidInput", rotation.NOT_ENROLLED)
    return ApiResponse(204)
