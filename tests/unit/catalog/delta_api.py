"""A fake searchListingsItems by lastUpdatedAfter/Before, sorted by lastUpdatedDate, that pages through at most 1,000
items while numberOfResults tells the true total (as Amazon does), recording each query and able to run out of time
on a chosen call; and an in-memory listings store with the repository's conditional-write outcomes."""

import zlib
from dataclasses import dataclass, field
from datetime import datetime

from shared.models.listings import Listing
from shared.repositories.listings import Added, Changed, PutResult, Unchanged
from shared.spapi.errors import OutOfTimeError
from shared.spapi.models.listings import ListingsItem, SearchListingsItemsQuery, SearchListingsItemsResponse
from tests.unit.catalog.listings_api import item

CAP = 1000


def dated(sku: str, at: datetime, quantity: int = 7) -> ListingsItem:
    """An item (tests/unit/catalog/listings_api.py item) last updated at `at`."""
    found = item(sku, f"B0{zlib.crc32(sku.encode()) % 10**8:08}", quantity=quantity)
    summary = found.summaries[0].model_copy(update={"last_updated_date": at})
    return found.model_copy(update={"summaries": [summary]})


@dataclass
class FakeDeltaApi:
    """searchListingsItems over `items` by their lastUpdatedDate; `out_of_time_at`: the 1-based call that raises."""

    items: list[ListingsItem] = field(default_factory=list)
    out_of_time_at: int | None = None
    queries: list[tuple[datetime | None, datetime | None, str | None]] = field(default_factory=list)

    def search_listings_items(
        self, seller_id: str, query: SearchListingsItemsQuery, page_token: str | None = None
    ) -> SearchListingsItemsResponse:
        assert (query.sort_by, query.sort_order, query.page_size) == ("lastUpdatedDate", "ASC", 20)
        assert "summaries" in query.included_data and query.identifiers == []
        if self.out_of_time_at is not None and len(self.queries) + 1 == self.out_of_time_at:
            self.out_of_time_at = None
            raise OutOfTimeError("searchListingsItems", 2.0)
        self.queries.append((query.last_updated_after, query.last_updated_before, page_token))
        after, before = query.last_updated_after, query.last_updated_before
        found = [
            i
            for i in self.items
            if (after is None or i.summaries[0].last_updated_date >= after)
            and (before is None or i.summaries[0].last_updated_date < before)
        ]
        found.sort(key=lambda i: i.summaries[0].last_updated_date)
        start = int(page_token or 0)
        end = min(start + 20, CAP, len(found))
        token = str(end) if end < min(CAP, len(found)) else None
        body = {"numberOfResults": len(found), "items": found[start:end], "pagination": {"nextToken": token}}
        return SearchListingsItemsResponse.model_validate(body)

    def update(self, sku: str, at: datetime, quantity: int) -> None:
        """The listing changed at Amazon at `at`."""
        self.items = [i for i in self.items if i.sku != sku] + [dated(sku, at, quantity)]


@dataclass
class MemoryStore:
    """Listings by (connection, marketplace, SKU), written only when the content hash differs (as the repository)."""

    listings: dict[tuple[str, str, str], Listing] = field(default_factory=dict)
    writes: int = 0

    def put_if_changed(self, listing: Listing) -> PutResult:
        key = (listing.connection_id, listing.marketplace_id, listing.sku)
        stored = self.listings.get(key)
        if stored is not None and stored.content_hash() == listing.content_hash():
            return Unchanged(stored)
        self.writes += 1
        if stored is None:
            self.listings[key] = listing
            return Added(listing)
        self.listings[key] = listing.model_copy(update={"first_seen": stored.first_seen})
        return Changed(self.listings[key], stored)

    def remove(self, connection_id: str, marketplace_id: str, sku: str) -> Listing | None:
        self.writes += 1
        return self.listings.pop((connection_id, marketplace_id, sku), None)
