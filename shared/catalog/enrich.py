"""The Listings Items API reads that fill what the All Listings Report lacks or garbles (issue 17, "First import").

The report has no handling days, no family columns and no issues, and it spells every character outside Cp1252 as
"?". So each batch of report rows is re-read with searchListingsItems (LISTINGS-SHIPMENTS-CANCELLATIONS.md A2 and
"Corrections" §3: identifiers at most 20 a call, pageSize 20) before it is written:
- rows whose SKU reads cleanly (a title alone may be garbled) by their SKUs (identifiersType SKU): the item gives
  handling days, parent SKU and variation theme, issues, status and the current offer and quantity (merge() prefers
  the API's values);
- garbled rows by their ASINs (identifiersType ASIN: the reported SKU is not the real one), each matched to the item
  whose exact SKU the report would spell as it did (merge.as_reported) and, when several do, whose ASIN is the row's.
  A garbled row no item matches stays unresolved (counted `garbled`, never written, never deleted). A clean SKU with
  a comma is read the same way (identifiers travel comma-separated), and written from the report if no item matches.

Amazon-fulfilled rows are read too, not only merchant-fulfilled ones: a family may mix channels (an FBA child's parent
SKU and theme exist only in the API), and issues and status (a suppressed FBA listing) matter to the merchant; the
cost is one call per 20 SKUs at 5 calls/s (about 100 SKUs/s per seller), a 200,000-SKU catalog's first import
spreading over continuation jobs (shared/catalog/sync.py), against a catalog whose families would otherwise be
incomplete whenever Amazon fulfils part of them.

The daily reconciliation reads less (`needs_read`): once the hourly delta keeps stored listings current, a row whose
SKU is stored and whose report-visible values (status, quantity, price, ASIN, title as the report spells it, channel)
agree with the stored listing is not re-read; new SKUs, garbled rows and rows that differ are. What such a skipped row
could miss is what only the API shows (issues, handling days, family): the delta and the listings notifications
carry those (docs/decisions.md, 2026-12-07).

Every call goes through the client's shared rate-limit buckets; near the Lambda's deadline the client raises
OutOfTimeError before sending, which the import turns into a continuation (shared/catalog/report_import.py).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from shared.catalog.merge import as_reported, channel, clean_title, report_status
from shared.catalog.report import ReportListing
from shared.models.listings import FulfillmentChannel, Listing, ListingStatus
from shared.spapi.models.listings import (
    IncludedListingData,
    ListingsItem,
    SearchListingsItemsQuery,
    SearchListingsItemsResponse,
)

# searchListingsItems takes at most 20 identifiers a call and returns at most 20 items a page.
BATCH = 20
INCLUDED: tuple[IncludedListingData, ...] = (
    "summaries",
    "attributes",
    "issues",
    "offers",
    "fulfillmentAvailability",
    "relationships",
)


class ListingsApi(Protocol):
    """The client method the reads use (SpApiClient.search_listings_items)."""

    def search_listings_items(  # noqa: D102
        self, seller_id: str, query: SearchListingsItemsQuery, page_token: str | None = None
    ) -> SearchListingsItemsResponse: ...


@dataclass
class ItemReader:
    """Reads one seller's items in one marketplace by identifiers, 20 a call, counting the calls (`reads`)."""

    api: ListingsApi
    seller_id: str
    marketplace_id: str
    reads: int = 0

    def read(self, identifiers_type: Literal["SKU", "ASIN"], identifiers: Sequence[str]) -> list[ListingsItem]:
        """Every item the identifiers name (duplicates asked once; an ASIN may name several SKUs: pages followed)."""
        unique = list(dict.fromkeys(identifiers))
        items: list[ListingsItem] = []
        for start in range(0, len(unique), BATCH):
            query = SearchListingsItemsQuery(
                marketplace_ids=[self.marketplace_id],
                included_data=list(INCLUDED),
                identifiers=unique[start : start + BATCH],
                identifiers_type=identifiers_type,
                page_size=BATCH,
            )
            token: str | None = None
            while True:
                page = self.api.search_listings_items(self.seller_id, query, token)
                self.reads += 1
                items.extend(page.items)
                if not page.next_token or page.next_token == token:
                    break  # the last page (or a token that would serve the same page again)
                token = page.next_token
        return items


def _asin(item: ListingsItem, marketplace_id: str) -> str | None:
    return next((s.asin for s in item.summaries if s.marketplace_id == marketplace_id and s.asin), None)


def match_garbled(row: ReportListing, items: Sequence[ListingsItem], marketplace_id: str) -> ListingsItem | None:
    """The item a row read by ASIN stands for: its exact SKU spelled by the report as the row's SKU and, if several
    are, the one with the row's ASIN; None when none is, or when the choice stays ambiguous."""
    candidates = {i.sku: i for i in items if row.seller_sku in as_reported(i.sku)}
    if len(candidates) > 1 and row.asin:
        candidates = {sku: i for sku, i in candidates.items() if _asin(i, marketplace_id) == row.asin}
    return next(iter(candidates.values())) if len(candidates) == 1 else None


def readable_by_sku(row: ReportListing) -> bool:
    """Whether the row can be read by its SKU: the SKU is as Amazon holds it (a row garbled only in its title is) and
    has no comma (identifiers travel comma-separated; such a SKU is read by its ASIN and matched exactly)."""
    exact = not row.garbled or not ("?" in row.seller_sku or "\ufffd" in row.seller_sku)
    return exact and "," not in row.seller_sku


def read_items(reader: ItemReader, rows: Sequence[ReportListing]) -> list[tuple[ReportListing, ListingsItem | None]]:
    """Each row with its API item (None: not found, or a garbled row not resolved), in the rows' order. All reads are
    made before anything is returned, so a caller that writes afterwards never stops halfway through a batch."""
    skus = [r.seller_sku for r in rows if readable_by_sku(r)]
    items_by_sku = {i.sku: i for i in reader.read("SKU", skus)} if skus else {}
    asins = [r.asin for r in rows if not readable_by_sku(r) and r.asin]
    by_asin = reader.read("ASIN", asins) if asins else []
    found: list[tuple[ReportListing, ListingsItem | None]] = []
    for row in rows:
        if readable_by_sku(row):
            found.append((row, items_by_sku.get(row.seller_sku)))
        else:
            found.append((row, match_garbled(row, by_asin, reader.marketplace_id) if row.asin else None))
    return found


# The stored statuses a report status word can stand for (merge.py: an Inactive row may be DISCOVERABLE or INCOMPLETE
# by the API's summaries and issues).
_REPORTED_AS = {
    ListingStatus.BUYABLE: {ListingStatus.BUYABLE},
    ListingStatus.INACTIVE: {ListingStatus.INACTIVE, ListingStatus.DISCOVERABLE, ListingStatus.INCOMPLETE},
    ListingStatus.INCOMPLETE: {ListingStatus.INCOMPLETE},
}


def report_agrees(row: ReportListing, stored: Listing) -> bool:
    """Whether every value the report shows of the row is what the stored listing would show. A column the report
    leaves empty agrees only where the report never fills it (no status column; the quantity of an Amazon-fulfilled
    listing or a parent; a parent's price)."""
    status = report_status(row.status)
    if status is not None and stored.status not in _REPORTED_AS[status]:
        return False
    found_channel = channel(row.fulfillment_channel)
    if found_channel is not None and found_channel is not stored.fulfillment_channel:
        return False
    if row.asin is not None and row.asin != stored.asin:
        return False
    title = clean_title(row.title)
    if title != stored.title and (title is None or stored.title is None or title not in as_reported(stored.title)):
        return False
    no_offer = stored.is_parent or stored.fulfillment_channel is FulfillmentChannel.AMAZON
    if row.quantity != stored.quantity and not (row.quantity is None and no_offer):
        return False
    return row.price == stored.price or (row.price is None and stored.is_parent)


def needs_read(row: ReportListing, stored: Listing | None) -> bool:
    """Whether the daily reconciliation re-reads the row: a new SKU, a garbled row, or one whose report values differ
    from the stored listing."""
    return stored is None or row.garbled or not report_agrees(row, stored)
