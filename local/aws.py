"""The embedded AWS: moto server on loopback, and boto3 clients pointed at it."""

import functools
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from local import events
from local.state import LOCAL_CREDENTIALS

LOCAL_REGION = "eu-west-1"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LocalAws:
    """Where the embedded AWS answers."""

    endpoint_url: str
    region: str = LOCAL_REGION

    def client(self, service: str) -> Any:
        """A boto3 client for one service of the embedded AWS (made once per endpoint, region and service: making
        one costs ~50 ms, and deploying the stack asks for a hundred)."""
        return _client(self.endpoint_url, self.region, service)

    def env(self) -> dict[str, str]:
        """Environment that points boto3 (and so the real handlers) at the embedded AWS."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
        }


_CLIENTS_LOCK = threading.Lock()


@functools.cache
def _cached_client(endpoint_url: str, region: str, service: str) -> Any:
    session = boto3.session.Session(
        region_name=region,
        aws_access_key_id=LOCAL_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=LOCAL_CREDENTIALS["aws_secret_access_key"],
    )
    return session.client(service, endpoint_url=endpoint_url)  # type: ignore[call-overload]


def _client(endpoint_url: str, region: str, service: str) -> Any:
    # boto3 clients are thread-safe once made; making them is not (botocore's loaders), hence the lock.
    with _CLIENTS_LOCK:
        return _cached_client(endpoint_url, region, service)


@contextmanager
def moto_server(port: int | None = None) -> Iterator[LocalAws]:
    """Runs moto server on 127.0.0.1 for the duration of the block (in this process, with EventBridge's rendering of
    input transformers: `local.events`)."""
    port = port or free_port()
    events.install()
    # moto's server logs every request through werkzeug; the CLI and the tests only want warnings.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield LocalAws(endpoint_url=f"http://127.0.0.1:{port}")
    finally:
        server.stop()
