"""`sellersync sync catalog` following its report imports (cli/catalog_progress.py) on moto in process: the run (a
fake invocation that writes the progress the import would) followed while it runs and, when it ends with continuation
jobs, until the report is applied; plain readable lines when stderr is not a terminal; `--json` prints no progress."""

import io
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.console import Console

import cli.catalog_progress
import cli.commands.sync
from cli.catalog_progress import CatalogFollower
from shared.repositories.listings_import import ImportProgress
from tests.unit.cli.listings_stack import DE, UK, ListingsStack, listings_stack

T0 = datetime(2026, 12, 7, 3, 15, tzinfo=UTC)
ESC = "\x1b"


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[ListingsStack]:
    with listings_stack(monkeypatch) as running:
        monkeypatch.setattr(cli.commands.sync, "resolve_target", lambda local, stack_name: running.target)
        monkeypatch.setattr(cli.catalog_progress, "POLL_SECONDS", 0.02)
        monkeypatch.setattr(cli.catalog_progress, "LINE_SECONDS", 0.0)
        yield running


class FakeRun:
    """What the catalog function does to the table as it imports UK's report of 100 entries (DE has none pending)."""

    def __init__(self, stack: ListingsStack, until: int) -> None:
        self.listings, self.cid, self.until = stack.listings, stack.connection_id, until

    def start(self) -> None:
        state = self.listings.sync_state(self.cid, UK)
        self.listings.save_sync_state(state.model_copy(update={"report_id": "r1", "counts": {"rows": 98}}))

    def step(self, entries: int) -> None:
        self.listings.save_progress(ImportProgress(self.cid, UK, "r1", entries, 100, T0))
        time.sleep(0.3)

    def finish(self) -> None:
        self.listings.save_progress(ImportProgress(self.cid, UK, "r1", 100, 100, T0))
        state = self.listings.sync_state(self.cid, UK)
        counts = {"rows": 100, "added": 2, "unchanged": 98, "reread": 2, "skipped_unchanged": 98}
        self.listings.save_sync_state(state.model_copy(update={"report_id": None, "counts": counts}))

    def __call__(self, target: Any, sync_type: str, connection_id: str) -> dict[str, Any]:
        assert sync_type == "catalog" and connection_id == self.cid
        self.start()
        for entries in range(20, self.until + 1, 20):
            self.step(entries)
        if self.until >= 100:
            self.finish()
        counts = {"continued": 1} if self.until < 100 else {"rows": 100, "added": 2, "unchanged": 98}
        return {"connection_id": self.cid, "sync_type": "catalog", "state": "OK", "counts": counts, "error": None}


def test_the_run_is_followed_with_plain_lines_off_a_terminal_and_ends_with_its_tables(
    stack: ListingsStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.commands.sync, "run_sync", FakeRun(stack, until=100))
    result = stack.run("sync", "catalog", "--connection", stack.connection_id)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert ESC not in result.stderr and ESC not in result.stdout  # no cursor movement, no colours: readable in a log
    importing = [f"UK: {n} of about 100 report entries (importing)" for n in (20, 40, 60, 80)]
    assert set(importing) & set(lines)  # each step lasts 0.3 s, polled every 0.02 s
    assert lines[-1] == "UK: 100 of about 100 report entries (applied)"
    assert not any(line.startswith("DE:") for line in lines)  # no report pending there
    assert "Continuation jobs" not in result.stderr
    assert "Sync run" in result.stdout and "Catalog: the last report applied" in result.stdout
    cells = ["|".join(c.strip() for c in line.split("│")[1:-1]) for line in result.stdout.splitlines()]
    assert "UK|100|2|0|98|0|2|98" in cells  # rows, added, changed, unchanged, removed, re-read, not re-read


def test_a_run_that_ends_with_continuation_jobs_is_followed_until_the_report_is_applied(
    stack: ListingsStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = FakeRun(stack, until=40)
    monkeypatch.setattr(cli.commands.sync, "run_sync", run)

    def continuation_jobs() -> None:
        run.step(80)
        run.finish()

    later = threading.Timer(1.0, continuation_jobs)
    later.start()
    try:
        result = stack.run("sync", "catalog", "--connection", stack.connection_id)
    finally:
        later.join()
    assert result.exit_code == 0, result.output
    assert "Continuation jobs apply the rest; Ctrl-C stops waiting (the import goes on)." in result.stderr
    assert "UK: 100 of about 100 report entries (applied)" in result.stderr.splitlines()
    assert "continued" in result.stdout and "Catalog: the last report applied" in result.stdout


def test_json_prints_the_result_without_progress(stack: ListingsStack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.commands.sync, "run_sync", FakeRun(stack, until=100))
    result = stack.run("sync", "catalog", "--connection", stack.connection_id, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["rows"] == 100
    assert "report entries" not in result.stderr


def test_an_unknown_connection_is_refused_before_anything_runs(stack: ListingsStack) -> None:
    result = stack.run("sync", "catalog", "--connection", "eu-nobody")
    assert result.exit_code != 0 and "eu-nobody" in result.stderr


def test_on_a_terminal_a_bar_per_marketplace_is_drawn_instead_of_lines(stack: ListingsStack) -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    follower = CatalogFollower(stack.listings, stack.connection_id, (UK, DE), console, show_bar=True, poll_seconds=0.02)
    run = FakeRun(stack, until=100)
    result = follower.run(lambda: run(None, "catalog", stack.connection_id))
    drawn = screen.getvalue()
    assert result["state"] == "OK" and "UK report entries" in drawn and "DE report entries" in drawn
    assert "of about" not in drawn  # no plain lines
    assert follower.followed == {UK: "r1"} and follower.counts() == [["UK", 100, 2, 0, 98, 0, 2, 98]]
