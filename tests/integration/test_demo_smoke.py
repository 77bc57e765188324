"""Smoke test: `sellersync demo` runs end to end on the embedded default and reports success."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.config import SYNC_TYPES, Table

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_end_to_end_and_every_check_passes() -> None:
    cli = Path(sys.executable).parent / "sellersync"
    done = subprocess.run(
        [str(cli), "demo", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert summary["ok"] is True
    assert summary["deployed_resources"]["AWS::DynamoDB::Table"] == len(Table)
    assert summary["sync_types"] == [entry.name for entry in SYNC_TYPES]
    orders = summary["orders"]
    assert orders["state"] == "OK" and orders["imported"] > 0 and sum(orders["by_marketplace"].values()) > 0
    assert orders["subscription"] in {"subscribed", "recorded"} and orders["notified_seconds"] is not None
    inventory = summary["inventory"]
    assert inventory["error"] is None and inventory["stock_out_seconds"] < 60
    assert len(inventory["rows"]) == 4 * len(summary["connected"]["marketplaces"])
    assert all(row["matches"] and row["verdict"] == "accepted" for row in inventory["rows"])
    lanes = {row["lane"].split()[0] for row in inventory["rows"]}
    assert lanes == {"feed", "fast"} and inventory["feeds"] and inventory["patches"] > 0
    priced = [row for row in inventory["rows"] if "price" in row["desired"]]
    assert priced and all(row["amazon"]["price"] == row["desired"]["price"] for row in priced)
    failed = [c for c in summary["checks"] if not c["ok"]]
    assert failed == [] and len(summary["checks"]) >= len(Table) + 4
