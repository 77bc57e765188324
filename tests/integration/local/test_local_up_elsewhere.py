"""`sellersync local up` facing an Amazon that runs elsewhere (a second sandbox process) and deploying into an AWS that
runs elsewhere (a moto server process); the `--local` CLI then reads through that Amazon.

One `local up` process serves the whole module: it is started as an operator starts it, with --json, and every other
command is a `sellersync ... --local` process that finds it through the state file.
"""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.aws import LocalAws, free_port
from local.connect_demo import click_through
from local.sandbox import SandboxInspector
from tests.integration.local.moto_process import external_moto, wait_until_answering

pytestmark = pytest.mark.integration

SELLERSYNC = [sys.executable, "-m", "cli.main"]
READY_TIMEOUT_SECONDS = 180  # a first start synthesizes the CDK app (cached afterwards)


@dataclass
class Running:
    """The `local up` process, what it reported and the second Amazon it faces."""

    process: subprocess.Popen[str]
    ready: dict[str, Any]
    state_file: Path
    sandbox_url: str
    aws_endpoint: str
    client_secret: str
    stderr_path: Path
    sandbox_port: int  # what --sandbox-port named: the built-in sandbox's port, where nothing may listen
    started_at: float  # wall time before the start, to find the function logs this run wrote

    def cli(self, *args: str) -> Any:
        """Runs `sellersync ARGS --local --json` against it; returns the JSON it printed."""
        env = {**os.environ, "SELLERSYNC_LOCAL_STATE": str(self.state_file)}
        done = subprocess.run([*SELLERSYNC, *args, "--local", "--json"], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        assert self.client_secret not in done.stdout + done.stderr
        return json.loads(done.stdout)


def socket_connect(host: str, port: int) -> None:
    """Connects and closes; raises OSError when nothing listens."""
    with socket.create_connection((host, port), timeout=2):
        pass


def _sandbox_process(port: int, redirect_uri: str, aws_endpoint: str, credentials: Path) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "local.sandbox", "--port", str(port), "--seed", "11", "--orders-per-hour", "0"]
    args += ["--redirect-uri", redirect_uri, "--aws-endpoint-url", aws_endpoint, "--lwa-credentials", str(credentials)]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _read_ready(process: subprocess.Popen[str]) -> dict[str, Any]:
    assert process.stdout is not None
    line = process.stdout.readline()  # the JSON object, once ready (or nothing if it ended)
    if not line:
        process.wait(10)
        raise AssertionError(f"local up ended with {process.returncode} before it was ready")
    return dict(json.loads(line))


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    folder = tmp_path_factory.mktemp("local-up-elsewhere")
    secret = f"never-shown-{uuid.uuid4().hex}"
    credentials = folder / "lwa.json"
    app = {"application_id": "amzn1.sp.solution.second", "client_id": "amzn1.application-oa2-client.second"}
    credentials.write_text(json.dumps({**app, "client_secret": secret}))
    api_port, sandbox_port, unused_port = free_port(), free_port(), free_port()
    state_file, stderr_path = folder / "state.json", folder / "up.stderr"
    started_at = time.time()
    with external_moto() as aws_endpoint:
        sandbox = _sandbox_process(
            sandbox_port, f"http://127.0.0.1:{api_port}/oauth/callback", aws_endpoint, credentials
        )
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        try:
            wait_until_answering(f"{sandbox_url}/_sandbox/clock", sandbox)
            args = [*SELLERSYNC, "local", "up", "--json", "--api-port", str(api_port), "--aws-endpoint", aws_endpoint]
            args += ["--sandbox-port", str(unused_port), "--state-file", str(state_file)]
            args += ["--spapi-endpoint-url", sandbox_url, "--lwa-token-url", f"{sandbox_url}/auth/o2/token"]
            args += ["--seller-central-url", f"{sandbox_url}/{{region}}", "--lwa-credentials", str(credentials)]
            with stderr_path.open("w") as stderr:
                up = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, text=True)
            try:
                ready = _read_ready(up)
                yield Running(
                    up, ready, state_file, sandbox_url, aws_endpoint, secret, stderr_path, unused_port, started_at
                )
            finally:
                up.terminate()
                up.wait(30)
        finally:
            sandbox.terminate()
            sandbox.wait(10)


def test_it_reports_where_everything_runs(running: Running) -> None:
    ready = running.ready
    assert ready["redirect_uri"] == f"{ready['api_url']}/oauth/callback"
    assert ready["aws_endpoint"] == running.aws_endpoint
    assert ready["builtin_sandbox"] is False
    assert ready["amazon"] == {
        "spapi_endpoint_url": running.sandbox_url,
        "lwa_token_url": f"{running.sandbox_url}/auth/o2/token",
        "seller_central_url": f"{running.sandbox_url}/{{region}}",
        "time_scale": 1.0,
    }
    assert ready["notifications_queue_arn"].startswith("arn:aws:sqs:")
    assert ready["startup_seconds"] > 0


def test_the_state_file_records_the_amazon_it_faces(running: Running) -> None:
    recorded = json.loads(running.state_file.read_text())
    assert recorded["amazon"] == running.ready["amazon"]
    assert recorded["aws_endpoint_url"] == running.aws_endpoint
    assert "sandbox_url" not in recorded


def test_no_built_in_sandbox_is_started(running: Running) -> None:
    with pytest.raises(OSError):
        socket_connect("127.0.0.1", running.sandbox_port)


def test_the_lwa_secret_holds_the_credentials_given(running: Running) -> None:
    aws = LocalAws(running.aws_endpoint)
    outputs = json.loads(running.state_file.read_text())["outputs"]
    stored = json.loads(aws.client("secretsmanager").get_secret_value(SecretId=outputs["LwaSecretArn"])["SecretString"])
    assert stored["client_id"] == "amzn1.application-oa2-client.second"
    assert stored["client_secret"] == running.client_secret


def test_a_seller_connects_and_syncs_through_that_amazon_and_the_cli_reads_it(running: Running) -> None:
    # Given a seller of the second sandbox, signed in there, and a connect link made through the CLI
    inspector = SandboxInspector(running.sandbox_url)
    seller = inspector.seller("EU")
    inspector.sign_in(seller.selling_partner_id)
    link = running.cli("connect-link", "--region", "EU")["url"]
    # When the seller clicks through the consent of that Amazon
    result = click_through(link)
    # Then the connection lands in the stack, and a sync through the CLI imports that Amazon's orders
    assert result.selling_partner_id == seller.selling_partner_id
    connections = running.cli("connections", "list")
    connection = next(c for c in connections if c["selling_partner_id"] == seller.selling_partner_id)
    running.cli("settings", "set", connection["connection_id"], "enabled_syncs=authorization,orders")
    outcome = _sync_when_free(running, connection["connection_id"])
    assert outcome["state"] == "OK", outcome.get("error")
    assert outcome["counts"]
    orders = running.cli("orders", "list", "--connection", connection["connection_id"])
    assert len(orders) > 0
    assert {o["order_id"] for o in orders} <= {o.order_id for o in inspector.orders(seller.selling_partner_id)}


def _sync_when_free(running: Running, connection_id: str, timeout: float = 90) -> dict[str, Any]:
    """`sync orders` through the CLI; while the run the connection's authorization started holds the connection,
    the CLI's run is skipped, so it is repeated until it runs (or the time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = dict(running.cli("sync", "orders", "--connection", connection_id))
        busy = outcome["state"] == "SKIPPED" and "under way" in str(outcome.get("error"))
        if not busy or time.monotonic() > deadline:
            return outcome
        time.sleep(1)


def test_the_secret_never_reaches_the_output_or_the_function_logs(running: Running) -> None:
    # Placed last in the module: by now the OAuth flow and the sync have run and logged.
    text = json.dumps(running.ready) + running.stderr_path.read_text()
    assert running.client_secret not in text
    logs = [p for p in (Path(".local") / "logs").glob("*.log") if p.stat().st_mtime >= running.started_at]
    assert logs, "the functions of this run wrote no log"
    for log in logs:
        assert running.client_secret not in log.read_text(errors="replace"), log.name
