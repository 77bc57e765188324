"""AWS clients, built once per container: one per (service, region, endpoint), on first use, never at import.

The region (`AWS_REGION`, else `AWS_DEFAULT_REGION`) and the endpoint (`AWS_ENDPOINT_URL`, set only for the embedded
default and tests) are read from the environment when a client is asked for, so a test that points the environment at
another server gets other clients; `clear()` forgets them all (and the session they came from). Creating a boto3
client is not thread-safe (the session's loaders), hence the lock around creation; the clients themselves are safe to
share between threads.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import boto3

_lock = threading.Lock()
_clients: dict[tuple[str, str | None, str | None], Any] = {}
# One session for all of them, as boto3.client's default session was: its loaders read each service's model files
# once (five clients from one session: ~130 ms; from a session each: ~240 ms).
_session: list[boto3.session.Session] = []


def _key(service: str) -> tuple[str, str | None, str | None]:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    return service, region, os.environ.get("AWS_ENDPOINT_URL") or None


def client(service: str) -> Any:
    """The container's boto3 client for `service` in the environment's region and endpoint, built on first use."""
    key = _key(service)
    found = _clients.get(key)
    if found is not None:
        return found
    with _lock:
        found = _clients.get(key)
        if found is None:
            _, region, endpoint = key
            if not _session:
                _session.append(boto3.session.Session())
            found = _clients[key] = _session[0].client(
                service,  # type: ignore[call-overload]
                region_name=region,
                endpoint_url=endpoint,
            )
        return found


def clear() -> None:
    """Forget every client (tests that change the environment between cases)."""
    with _lock:
        _clients.clear()
        _session.clear()
