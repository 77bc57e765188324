"""The benchmarks' AWS in a process of its own: moto server, with conditional writes made atomic.

In the benchmark's own process moto would share one interpreter (and its lock) with the handlers and the sandbox, so
every second moto spends answering a request (3-4 ms each, ~13,000 DynamoDB requests for 100,000 SKUs x 2
marketplaces) would be taken from the handlers, three sandbox seconds per real second at time scale 3. DynamoDB does
not run on a Lambda's CPU: here moto runs beside the handlers as DynamoDB does, and its answers are still waited for.

`python -m tests.benchmarks.moto_process PORT` serves until killed.
"""

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from local import events
from local.aws import LocalAws, free_port


@contextmanager
def moto_process() -> Iterator[LocalAws]:
    """Runs moto server in a child process for the duration of the block."""
    port = free_port()
    child = subprocess.Popen([sys.executable, "-m", "tests.benchmarks.moto_process", str(port)])
    aws = LocalAws(endpoint_url=f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{aws.endpoint_url}/moto-api/", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or child.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield aws
    finally:
        child.terminate()
        child.wait(10)


def main(port: int) -> None:
    """Serves moto on 127.0.0.1:`port` (EventBridge rendering as local.aws does) until killed."""
    import logging

    from moto.server import ThreadedMotoServer

    from tests.dynamodb import atomic_conditional_writes

    events.install()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with atomic_conditional_writes("put_item", "update_item"):
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        threading.Event().wait()


if __name__ == "__main__":
    main(int(sys.argv[1]))
