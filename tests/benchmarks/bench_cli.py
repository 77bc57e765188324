"""CLI start-up benchmark (issue 13): how long the operator waits for `sellersync --help` and a `--local` read.

Each figure is the median wall time of several runs of the installed entry point (`.venv/bin/sellersync`) in a fresh
process, as an operator types it. The `--local` read runs against an embedded default as `sellersync local up` leaves
one (moto server in a process of its own, the state file naming it), with the connections table and KMS key the
command reads and a few connections in it, without deploying the whole stack: the command reads only those.

Nothing about speed is asserted (the targets are printed with PASS or FAIL); the run fails only when a command fails.
`python -m tests.benchmarks.bench_cli [RUNS]` runs it outside pytest.
"""

import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from local import state as local_state
from local.aws import LocalAws
from shared.models.connection import Connection
from shared.repositories import ConnectionsRepository, KmsEncryptor
from shared.spapi.marketplaces import Region
from tests.benchmarks.moto_process import moto_process
from tests.dynamodb import create_table

SELLERSYNC = str(Path(sys.executable).parent / "sellersync")
RUNS = 7
HELP_TARGET, LOCAL_READ_TARGET = 0.5, 1.5
CONNECTIONS = 5


def wall_time(args: list[str], env: dict[str, str]) -> float:
    """Seconds one run of `sellersync <args>` takes, start to exit; raises when it fails."""
    started = time.perf_counter()
    done = subprocess.run([SELLERSYNC, *args], env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"sellersync {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
    return elapsed


def median_time(args: list[str], env: dict[str, str], runs: int) -> tuple[float, list[float]]:
    """The median of `runs` timed runs, after one untimed run (the OS file cache warm, as for an operator)."""
    wall_time(args, env)
    times = [wall_time(args, env) for _ in range(runs)]
    return statistics.median(times), times


@contextmanager
def embedded_default() -> Iterator[Path]:
    """An embedded default as `--local` finds it: moto server, a connections table with connections, the state file."""
    with moto_process() as aws, tempfile.TemporaryDirectory() as tmp:
        outputs = {
            "ConnectionsTableName": create_table(aws.client("dynamodb"), "connections", gsi1=True),
            "KmsKeyArn": aws.client("kms").create_key(Description="bench-cli")["KeyMetadata"]["Arn"],
        }
        _store_connections(aws, outputs)
        state_file = Path(tmp) / "state.json"
        running = local_state.LocalState(
            aws.endpoint_url, aws.region, "SellerSync", "http://127.0.0.1:9", outputs, os.getpid()
        )
        local_state.write_state(running, state_file)
        yield state_file


def _store_connections(aws: LocalAws, outputs: dict[str, str]) -> None:
    encryptor = KmsEncryptor(outputs["KmsKeyArn"], aws.client("kms"))
    repo = ConnectionsRepository(outputs["ConnectionsTableName"], aws.client("dynamodb"), encryptor)
    at = datetime.now(UTC)
    for n in range(CONNECTIONS):
        connection = Connection(
            selling_partner_id=f"A{n:013d}",
            region=Region.EU,
            name=f"Bench shop {n}",
            marketplace_ids=("A1F83G8C2ARO7P",),
            authorized_at=at,
            created_at=at,
            updated_at=at,
        )
        repo.put_connection(connection, SecretStr(f"Atzr|bench-{n}"))


def report(name: str, target: float, median: float, times: list[float]) -> bool:
    """Prints one figure against its target; returns whether it is met."""
    met = median <= target
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"{name:<40} median {median:.2f} s  target <= {target} s  {'PASS' if met else 'FAIL'}  (runs: {runs})")
    return met


def _compiled() -> bool:
    """Whether the venv holds bytecode for its packages (`uv sync --compile-bytecode`): without it, every start
    compiles typer, rich, boto3 and pydantic anew (PYTHONDONTWRITEBYTECODE keeps it from being cached)."""
    import typer

    return Path(importlib.util.cache_from_source(typer.__file__)).exists()


def run(runs: int = RUNS) -> bool:
    """Measures both commands and prints the figures; returns whether both targets are met."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    help_median, help_times = median_time(["--help"], env, runs)
    with embedded_default() as state_file:
        env["SELLERSYNC_LOCAL_STATE"] = str(state_file)
        read_median, read_times = median_time(["connections", "list", "--local"], env, runs)
    print(f"\nCLI start-up on {os.cpu_count()} cores, {runs} runs each; installed packages compiled: {_compiled()}")
    ok = report("sellersync --help", HELP_TARGET, help_median, help_times)
    return report("sellersync connections list --local", LOCAL_READ_TARGET, read_median, read_times) and ok


def test_cli_start_up() -> None:
    """`make bench`: prints the figures (speed is reported, not asserted; a failing command fails the run)."""
    run()


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else RUNS)
