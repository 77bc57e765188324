"""Exceptions of the SP-API client: one class per failure the caller handles differently.

Messages never hold tokens, secrets or authorization codes; they carry Amazon's error code, message and request id.
"""


class RetryableError(Exception):
    """The call may succeed later: fail the job (or requeue it) and resume from the saved cursor."""


class OutOfTimeError(RetryableError):
    """Waiting (for a token or a retry) would outlast the Lambda's remaining time; nothing was sent for this wait."""

    def __init__(self, operation: str, retry_after: float) -> None:
        self.operation = operation
        self.retry_after = retry_after
        super().__init__(f"{operation}: would need to wait {retry_after:.1f}s, more than the time left")


class RateLimitContentionError(RetryableError):
    """Too many concurrent workers raced for the same shared bucket; try again later."""


class SpApiError(Exception):
    """An SP-API call failed with an HTTP status, Amazon's error code and message, and the request id."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        request_id: str | None = None,
        operation: str = "",
        details: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.operation = operation
        self.details = details
        super().__init__(f"{operation or 'SP-API'} failed: HTTP {status} {code}: {message} (request id {request_id})")


class InvalidInputError(SpApiError):
    """HTTP 400: the request is wrong; retrying the same request cannot help."""


class UnauthorizedError(SpApiError):
    """HTTP 401/403: the token was refused or the app lacks the role (or the seller revoked the authorization)."""


class NotFoundError(SpApiError):
    """HTTP 404: the resource does not exist."""


class ThrottledError(SpApiError, RetryableError):
    """HTTP 429: Amazon's bucket for this operation is empty (raised once the retries are spent)."""


class ServerError(SpApiError, RetryableError):
    """HTTP 5xx or no answer at all (status 0): Amazon failed; raised once the retries are spent."""


class RequestTimeoutError(ServerError):
    """No answer in time (status 0); the request may still have been applied, so it is retried only if idempotent."""


class UnexpectedResponseError(SpApiError):
    """A 2xx answer whose body does not match the model of the operation."""


class LwaError(Exception):
    """Login with Amazon refused or failed a token request."""

    def __init__(self, message: str, status: int = 0, error: str = "") -> None:
        self.status = status
        self.error = error
        super().__init__(message)


class AuthorizationRevokedError(LwaError):
    """The refresh token is no longer valid (`invalid_grant`): the seller removed the app or the consent expired."""


class InvalidAuthorizationCodeError(LwaError):
    """The OAuth code is expired, already used or its redirect_uri does not match; restart the consent flow."""


class InvalidClientError(LwaError):
    """`invalid_client`: the application's client id or secret is wrong, or the secret expired without rotation."""


class LwaRequestError(LwaError):
    """Any other 4xx from LWA (invalid_request, unsupported_grant_type, invalid_scope…): a bug in the request."""


class TransientAuthError(LwaError, RetryableError):
    """LWA answered 5xx or 429, or could not be reached, after the retries."""
