"""Errors of the CLI commands, mapped to messages and exit codes in one place.

Exit codes: 0 success; 2 the command cannot be carried out as given (a usage or validation error: a bad option or
value, an unknown connection or sync type, no stack to work on), and nothing was changed; 1 the command was carried
out and failed (Amazon or AWS refused or was unavailable, a concurrent change, a function error, a broken stored item).
Messages never hold secrets: the errors they come from (LWA, SP-API, repositories) are written without them.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from cli.render import err_console

if TYPE_CHECKING:
    from pydantic import ValidationError

USAGE_EXIT = 2
FAILURE_EXIT = 1


class CliError(RuntimeError):
    """A failure the command reports as it is (exit code 1)."""

    exit_code = FAILURE_EXIT


class UsageError(CliError):
    """The input cannot be used (exit code 2); nothing was changed."""

    exit_code = USAGE_EXIT


def validation_message(exc: "ValidationError") -> str:
    """One line per invalid field, without echoing the input values."""
    lines = [f"{'.'.join(str(p) for p in e['loc']) or '(value)'}: {e['msg']}" for e in exc.errors()]
    return "invalid value(s):\n  " + "\n  ".join(lines)


def _classify(exc: Exception) -> tuple[int, str] | None:
    # Imported on failure only: `sellersync --help` must not load boto3, pydantic or the repositories.
    from botocore.exceptions import BotoCoreError, ClientError
    from pydantic import ValidationError
    from requests import RequestException

    from cli.target import TargetError
    from shared.connections.disconnect import SubscriptionRemovalError
    from shared.repositories.errors import ConnectionNotFoundError, RepositoryError
    from shared.secrets import SecretConfigurationError
    from shared.spapi.errors import LwaError, RetryableError, SpApiError

    if isinstance(exc, CliError):
        return exc.exit_code, str(exc)
    if isinstance(exc, TargetError | ConnectionNotFoundError):
        return USAGE_EXIT, str(exc)
    if isinstance(exc, ValidationError):
        return USAGE_EXIT, validation_message(exc)
    failures = RepositoryError | SecretConfigurationError | SubscriptionRemovalError | LwaError | SpApiError
    if isinstance(exc, failures | RetryableError):
        return FAILURE_EXIT, str(exc)
    if isinstance(exc, ClientError | BotoCoreError):
        return FAILURE_EXIT, f"AWS: {exc}"
    if isinstance(exc, RequestException):
        # requests' messages name the URL, never the body (where tokens travel).
        return FAILURE_EXIT, f"HTTP: {type(exc).__name__}: {exc}"
    return None


@contextmanager
def reporting() -> Iterator[None]:
    """Turns the errors the commands expect into `error: …` on stderr and their exit code; others propagate."""
    try:
        yield
    except Exception as exc:
        found = _classify(exc)
        if found is None:
            raise
        code, message = found
        err_console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
        raise typer.Exit(code) from None
