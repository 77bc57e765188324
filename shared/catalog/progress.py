"""How far a report import got, written where `sellersync sync catalog` can follow it (its progress bar).

The import notes its report entries done after every batch; ProgressWriter writes them to the pair's `PROGRESS` item
(ListingsRepository.save_progress: one small conditional UpdateItem that never moves a report's progress back) when
EVERY_SECONDS have passed or EVERY_ENTRIES entries were done since the last write, whichever comes first, and once
at the end. The number of entries expected is known only from the previous report (its rows and unreadable rows: a
catalog changes little in a day) or, for a continuation, from the progress its first job wrote; the first import has
none, and the bar shows a count without a total.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from shared.models.listings import CatalogSyncState
from shared.repositories.listings_import import ImportProgress

EVERY_SECONDS = 10.0
EVERY_ENTRIES = 1000


class ProgressStore(Protocol):
    """The progress methods of ListingsRepository."""

    def save_progress(self, progress: ImportProgress) -> bool: ...  # noqa: D102

    def import_progress(self, connection_id: str, marketplace_id: str) -> ImportProgress | None: ...  # noqa: D102


@dataclass
class ProgressWriter:
    """Writes one report import's progress, throttled (see the module doc); `writes` counts the writes made."""

    store: ProgressStore
    connection_id: str
    marketplace_id: str
    report_id: str
    total: int | None
    clock: Callable[[], datetime]
    monotonic: Callable[[], float] = time.monotonic
    every_seconds: float = EVERY_SECONDS
    every_entries: int = EVERY_ENTRIES
    writes: int = 0
    _entries: int | None = field(default=None, init=False)
    _at: float = field(default=0.0, init=False)

    def note(self, entries: int, *, final: bool = False) -> None:
        """`entries` report entries are done (`final`: all of them); written if due."""
        now = self.monotonic()
        if entries == self._entries and not final:
            return
        due = (
            final
            or self._entries is None
            or now - self._at >= self.every_seconds
            or entries - self._entries >= self.every_entries
        )
        if not due:
            return
        total = entries if final else self.total
        if total is not None and total < entries:
            total = None  # the report is larger than the last one: the total is not known after all
        found = ImportProgress(self.connection_id, self.marketplace_id, self.report_id, entries, total, self.clock())
        self.store.save_progress(found)
        self.writes += 1
        self._entries, self._at = entries, now


def expected_entries(store: ProgressStore, state: CatalogSyncState, resumed: bool) -> int | None:
    """The entries the pending report probably has: the previous report's rows and problems (`state.counts` until
    this report is applied), or for a resumed import the total its first job wrote; None when not known."""
    if resumed:
        found = store.import_progress(state.connection_id, state.marketplace_id)
        return found.total if found is not None and found.report_id == state.report_id else None
    return (state.counts.get("rows", 0) + state.counts.get("problems", 0)) or None
