"""A moto server in its own process, as an AWS the embedded default deploys into (`--aws-endpoint`)."""

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from local.aws import free_port


def wait_until_answering(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Waits until `url` answers HTTP (or fails when the process ends or the time is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server ended with {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextmanager
def external_moto() -> Iterator[str]:
    """`python -m moto.server` on a free loopback port; yields its endpoint URL."""
    port = free_port()
    args = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_answering(f"{url}/moto-api/", process)
        yield url
    finally:
        process.terminate()
        process.wait(10)
