"""`sellersync sync catalog`'s progress: the run invoked in a thread while its report imports are followed.

The import writes how far it got to each marketplace's `PROGRESS` item (shared/catalog/progress.py: report entries
done and, when the previous report tells, how many to expect) at most every 10 s or 1,000 entries. The CLI polls it
with the pair's sync state (two GetItems per marketplace a second) and draws one bar per marketplace on a terminal;
elsewhere (CI logs, pipes) it prints a plain line per marketplace when its count moved, at most every LINE_SECONDS.
A large catalog outlasts one Lambda: the run ends with continuation jobs, and the bar follows them until every
marketplace's report is applied, the user presses Ctrl-C (which only stops the waiting: the continuation jobs go on,
`sellersync status` shows them), or nothing moved for STALL_SECONDS.
"""

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from cli.views import country

if TYPE_CHECKING:
    from shared.repositories.listings import ListingsRepository

POLL_SECONDS = 1.0
LINE_SECONDS = 30.0
STALL_SECONDS = 600.0
SUMMARY_KEYS = ("rows", "added", "changed", "unchanged", "removed", "reread", "skipped_unchanged")


@dataclass
class _Seen:
    """What the CLI last saw of one marketplace: entries done, expected, a report still pending."""

    entries: int = 0
    total: int | None = None
    pending: bool = False


@dataclass
class CatalogFollower:
    """Polls the listings table for the progress of one connection's report imports (see the module doc)."""

    listings: "ListingsRepository"
    connection_id: str
    marketplace_ids: Sequence[str]
    console: Console
    show_bar: bool
    poll_seconds: float = POLL_SECONDS
    line_seconds: float = LINE_SECONDS
    stall_seconds: float = STALL_SECONDS
    monotonic: Callable[[], float] = time.monotonic
    seen: dict[str, _Seen] = field(default_factory=dict)
    followed: dict[str, str] = field(default_factory=dict)
    _lines_at: float | None = field(default=None, init=False)

    def poll(self) -> bool:
        """Reads every marketplace's progress and pending report; True when something moved. Only the progress of a
        report seen pending during this command counts (an older item belongs to an earlier report)."""
        moved = False
        for marketplace_id in self.marketplace_ids:
            state = self.listings.sync_state(self.connection_id, marketplace_id)
            progress = self.listings.import_progress(self.connection_id, marketplace_id)
            if state.report_id is not None:
                self.followed[marketplace_id] = state.report_id
            now = _Seen(pending=state.report_id is not None)
            if progress is not None and progress.report_id == self.followed.get(marketplace_id):
                now.entries, now.total = progress.entries, progress.total
            moved |= now != self.seen.get(marketplace_id)
            self.seen[marketplace_id] = now
        return moved

    def counts(self) -> list[list[Any]]:
        """Per marketplace followed, what its last applied report did (the sync state's counts)."""
        rows: list[list[Any]] = []
        for marketplace_id in self.followed:
            counts = self.listings.sync_state(self.connection_id, marketplace_id).counts
            rows.append([country(marketplace_id)] + [counts.get(key, 0) for key in SUMMARY_KEYS])
        return rows

    def pending(self) -> bool:
        """Whether a report of the connection is still to be applied."""
        return any(seen.pending for seen in self.seen.values())

    def run(self, invoke: Callable[[], Any]) -> Any:
        """Invokes the run in a thread, following the imports until it returns and then until every report is
        applied; returns the run's result (raises what the run raised)."""
        outcome: dict[str, Any] = {}

        def target() -> None:
            try:
                outcome["result"] = invoke()
            except BaseException as exc:  # handed to the main thread
                outcome["error"] = exc

        worker = threading.Thread(target=target, name="sync-catalog", daemon=True)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=self.console, transient=True, disable=not self.show_bar) as bar:
            tasks = {m: bar.add_task(f"{country(m)} report entries", total=None) for m in self.marketplace_ids}
            worker.start()
            while worker.is_alive():
                self._tick(bar, tasks)
                worker.join(self.poll_seconds)
            if "error" in outcome:
                raise outcome["error"]
            self._tick(bar, tasks)
            if self.pending():
                self.console.print("Continuation jobs apply the rest; Ctrl-C stops waiting (the import goes on).")
                self._follow(bar, tasks)
        return outcome.get("result")

    def _follow(self, bar: Progress, tasks: dict[str, TaskID]) -> None:
        last_move = self.monotonic()
        try:
            while self.pending():
                time.sleep(self.poll_seconds)
                if self._tick(bar, tasks):
                    last_move = self.monotonic()
                elif self.monotonic() - last_move >= self.stall_seconds:
                    self.console.print(f"Nothing moved for {self.stall_seconds:.0f} s; stopped waiting.")
                    return
        except KeyboardInterrupt:
            self.console.print("Stopped waiting: the import goes on; `sellersync status` shows it.")

    def _tick(self, bar: Progress, tasks: dict[str, TaskID]) -> bool:
        moved = self.poll()
        for marketplace_id, task in tasks.items():
            seen = self.seen[marketplace_id]
            total = seen.total if seen.total is not None else (None if seen.pending else seen.entries)
            bar.update(task, completed=seen.entries, total=total)
        if not self.show_bar and moved:
            self._lines()
        return moved

    def _lines(self) -> None:
        now = self.monotonic()
        if self._lines_at is not None and now - self._lines_at < self.line_seconds:
            return
        self._lines_at = now
        for marketplace_id, seen in self.seen.items():
            if marketplace_id not in self.followed:
                continue  # no report of this command's run seen there
            of = f" of about {seen.total:,}" if seen.total is not None else ""
            state = "importing" if seen.pending else "applied"
            self.console.print(f"{country(marketplace_id)}: {seen.entries:,}{of} report entries ({state})")
