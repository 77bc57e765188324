"""The hourly delta of one (connection, marketplace): the listings Amazon changed since the cursor, read with
searchListingsItems and applied as stored listings (shared/catalog/items.py), so a change shows within the hour
rather than at the next daily report.

Reads (LISTINGS-SHIPMENTS-CANCELLATIONS.md A2): `lastUpdatedAfter` = the cursor minus OVERLAP (Amazon moves an item's
`lastUpdatedDate` minutes after the change, so a change may show up dated before a cursor already passed),
`lastUpdatedBefore` = the run's start, `sortBy=lastUpdatedDate`, `sortOrder=ASC`, `pageSize=20`, includedData as the
report's re-reads (enrich.INCLUDED). Amazon pages through at most 1,000 items of one query while `numberOfResults`
gives the true total, so a window [after, before) whose first page says more than 1,000 is halved (on whole seconds,
Amazon's precision) until each part fits; the parts are walked in time order. The listings model does not say
whether the bounds include their second; Orders v0 documents its own as "after (or at)" and "before (or at)", so
`lastUpdatedAfter` is taken as inclusive (the sandbox's too), and a `lastUpdatedBefore` that includes its second only
shows an item in two windows, where it is applied once. A one-second window still over the cap is read as far as
Amazon lets (its first 1,000 items) and counted `delta_capped`: the sync then asks for a reconciliation report
(shared/catalog/sync.py), the only way to see the rest.

The cursor only moves past what is applied: to the newest `lastUpdatedDate` of the last applied page (items come
oldest first, so nothing older is left unread), and to a window's end once the window is walked. When the client runs
out of time (OutOfTimeError), or any other error stops the walk, DeltaInterruptedError carries the cursor reached;
the caller saves it and goes on later from there. An item read twice in one run (a window boundary, a page boundary
that moved) is applied once; items re-read across runs (the overlap) are refused by the repository's content hash
and publish nothing.

Known limit: Amazon's pages are positions in a sorted list, so an item whose change during the walk moves it out of
the window shifts later items back one place, and one of them may be passed over; the daily reconciliation reads
every listing again.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.catalog.enrich import BATCH, INCLUDED, ListingsApi
from shared.catalog.items import ItemsApplied, ListingWriter, apply_items
from shared.spapi.models.listings import ListingsItem, SearchListingsItemsQuery, SearchListingsItemsResponse

# Amazon dates lastUpdatedDate minutes after a change: each delta reads again from this long before its cursor.
OVERLAP = timedelta(minutes=5)
# searchListingsItems pages through at most this many items of one query.
SEARCH_CAP = 1000
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Window:
    """Changes dated at or after `after` and before `before`."""

    after: datetime
    before: datetime

    def halves(self) -> tuple["Window", "Window"] | None:
        """The window split at its middle whole second; None when it is one second wide (it cannot be narrowed)."""
        seconds = int((self.before - self.after) / SECOND)
        if seconds < 2:
            return None
        middle = self.after + SECOND * (seconds // 2)
        return Window(self.after, middle), Window(middle, self.before)


@dataclass
class DeltaCounts:
    """What one delta did: items read, windows walked and halved, windows over the cap, duplicates, and what applying
    the items did (its `api_reads`: the pages read)."""

    read: int = 0
    windows: int = 0
    halved: int = 0
    capped: int = 0
    duplicates: int = 0
    applied: ItemsApplied = field(default_factory=ItemsApplied)

    def as_counts(self) -> dict[str, int]:
        """The sync status counts, each `delta_`: apart from the report's (a run may apply both)."""
        counts = {"read": self.read, "windows": self.windows, "halved": self.halved, "capped": self.capped}
        counts |= {"duplicates": self.duplicates} | self.applied.as_counts()
        return {f"delta_{k}": v for k, v in counts.items() if k not in ("removed", "unreadable")}


@dataclass(frozen=True)
class DeltaResult:
    """A delta walked to its end: the cursor to save (the run's start) and the counts."""

    cursor: datetime
    counts: DeltaCounts


class DeltaInterruptedError(Exception):
    """The delta stopped (out of time, or another error in `__cause__`): `cursor` is how far it applied."""

    def __init__(self, cursor: datetime, counts: DeltaCounts, retry_after: float | None) -> None:
        super().__init__(f"delta stopped with the cursor at {cursor.isoformat()}")
        self.cursor = cursor
        self.counts = counts
        self.retry_after = retry_after


@dataclass(frozen=True)
class DeltaTarget:
    """Whose delta: the connection, its seller id at Amazon and the marketplace."""

    connection_id: str
    seller_id: str
    marketplace_id: str


def _floor(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def updated_at(item: ListingsItem, marketplace_id: str) -> datetime | None:
    """The item's lastUpdatedDate in the marketplace (its summaries)."""
    return next((s.last_updated_date for s in item.summaries if s.marketplace_id == marketplace_id), None)


def run_delta(
    api: ListingsApi,
    target: DeltaTarget,
    cursor: datetime,
    now: datetime,
    writer: ListingWriter,
    *,
    overlap: timedelta = OVERLAP,
) -> DeltaResult:
    """Reads and applies the changes of [cursor - overlap, now) (see the module doc).

    Raises DeltaInterruptedError (with the cursor reached) when the walk stops before its end.
    """
    walk = _Walk(api, target, writer, now, cursor)
    pending = [Window(_floor(cursor - overlap), _floor(now))]
    try:
        while pending:
            window = pending.pop()
            first = walk.page(window, None)
            halves = window.halves() if first.number_of_results > SEARCH_CAP else None
            if halves is not None:
                walk.counts.halved += 1
                pending.extend(reversed(halves))  # the older half on top: walked first
                continue
            walk.counts.capped += first.number_of_results > SEARCH_CAP
            walk.window(window, first)
    except Exception as exc:
        retry_after = getattr(exc, "retry_after", None)
        raise DeltaInterruptedError(walk.cursor, walk.counts, retry_after) from exc
    return DeltaResult(walk.cursor, walk.counts)


@dataclass
class _Walk:
    """One delta's reads and writes, the cursor reached and the items applied (SKU -> lastUpdatedDate)."""

    api: ListingsApi
    target: DeltaTarget
    writer: ListingWriter
    now: datetime
    cursor: datetime
    counts: DeltaCounts = field(default_factory=DeltaCounts)
    seen: dict[str, datetime | None] = field(default_factory=dict)

    def page(self, window: Window, token: str | None) -> SearchListingsItemsResponse:
        """One page of the window's changes, oldest first."""
        query = SearchListingsItemsQuery(
            marketplace_ids=[self.target.marketplace_id],
            included_data=list(INCLUDED),
            last_updated_after=window.after,
            last_updated_before=window.before,
            sort_by="lastUpdatedDate",
            sort_order="ASC",
            page_size=BATCH,
        )
        found = self.api.search_listings_items(self.target.seller_id, query, token)
        self.counts.applied.api_reads += 1
        return found

    def window(self, window: Window, first: SearchListingsItemsResponse) -> None:
        """Applies the window page by page from its first page; the cursor follows each page, then the window's end."""
        self.counts.windows += 1
        page, token = first, None
        while True:
            self.apply(page.items)
            if not page.next_token or page.next_token == token:
                break  # the last page (or a token that would serve the same page again)
            token = page.next_token
            page = self.page(window, token)
        self.cursor = max(self.cursor, window.before)

    def apply(self, items: Sequence[ListingsItem]) -> None:
        """Applies a page's items (each once per run) and moves the cursor to the newest of them."""
        marketplace_id = self.target.marketplace_id
        fresh: list[ListingsItem] = []
        for item in items:
            self.counts.read += 1
            updated = updated_at(item, marketplace_id)
            if item.sku in self.seen and self.seen[item.sku] == updated:
                self.counts.duplicates += 1
                continue
            self.seen[item.sku] = updated
            fresh.append(item)
        applied = apply_items(self.target.connection_id, marketplace_id, fresh, self.writer, self.now)
        self.counts.applied.add(applied)
        dates = [d for d in (updated_at(i, marketplace_id) for i in items) if d is not None]
        if dates:
            self.cursor = max(self.cursor, min(max(dates), _floor(self.now)))
