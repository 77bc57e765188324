"""What we keep per Amazon listing, per (connection, marketplace, SKU), and per catalog sync.

- `Listing`: the merged view of one SKU in one marketplace (shared/catalog/merge.py builds it from the All Listings
  Report and the Listings Items API). Parents of a variation family carry no offer (quantity and price None).
  `content_hash()` covers everything a consumer sees and none of the timestamps, so storing the same data again is
  recognised (shared/repositories/listings.py conditions its one write on it) and publishes nothing.
- `CatalogSyncState`: per (connection, marketplace), when the last complete report and the last delta
  (searchListingsItems lastUpdatedAfter cursor) ran, and the counts of the last run.

SKUs keep their exact characters: Amazon's seller SKUs are case-sensitive and up to 40 characters (the `Sku` type of
the inventory pipeline, reused so an imported SKU is one inventory input accepts).
"""

import hashlib
import json
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.models.currencies import is_iso_4217
from shared.models.inventory import Sku

ConnectionRef = Annotated[str, StringConstraints(min_length=1, max_length=100)]
MarketplaceRef = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,20}$")]
# Amazon caps what it shows of an item name far below this; the bound keeps items and events small.
Title = Annotated[str, StringConstraints(max_length=1000)]
# Listings Items `lead_time_to_ship_max_days`: 0-30, up to 120 for allow-listed sellers.
ListingHandlingDays = Annotated[int, Field(ge=0, le=120)]
ListingQuantity = Annotated[int, Field(ge=0, le=1_000_000_000)]
ListingPrice = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4)]
# A listing keeps at most this many issues (errors first), each message cut to MAX_ISSUE_MESSAGE characters: an item
# stays far below DynamoDB's 400 KB and an event below EventBridge's 256 KB (shared/catalog/events.py cuts further).
MAX_ISSUES = 50
MAX_ISSUE_MESSAGE = 1000


class ListingStatus(StrEnum):
    """Where a listing stands: BUYABLE and DISCOVERABLE as Amazon's summaries say, INACTIVE (neither), INCOMPLETE
    (the report's "Incomplete": Amazon lacks required data)."""

    BUYABLE = "BUYABLE"
    DISCOVERABLE = "DISCOVERABLE"
    INACTIVE = "INACTIVE"
    INCOMPLETE = "INCOMPLETE"


class FulfillmentChannel(StrEnum):
    """Who ships: the merchant (Amazon's channel code DEFAULT) or Amazon (AMAZON_NA, AMAZON_EU, ...)."""

    MERCHANT = "MERCHANT"
    AMAZON = "AMAZON"


Severity = Literal["ERROR", "WARNING", "INFO"]
_SEVERITY_RANK = {"ERROR": 0, "WARNING": 1, "INFO": 2}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListingIssue(_Frozen):
    """A problem Amazon reports on the listing."""

    code: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    severity: Severity
    message: Annotated[str, StringConstraints(max_length=MAX_ISSUE_MESSAGE)]


def bounded_issues(issues: list[ListingIssue]) -> list[ListingIssue]:
    """The issues a listing keeps: errors first (stable within a severity), at most MAX_ISSUES."""
    return sorted(issues, key=lambda issue: _SEVERITY_RANK[issue.severity])[:MAX_ISSUES]


def issue(code: str, severity: Severity, message: str) -> ListingIssue:
    """An issue with its message cut to what a listing keeps."""
    return ListingIssue(code=code[:100] or "UNKNOWN", severity=severity, message=message[:MAX_ISSUE_MESSAGE])


class Listing(_Frozen):
    """One SKU's listing in one marketplace, as merged from the report and the Listings Items API."""

    connection_id: ConnectionRef
    marketplace_id: MarketplaceRef
    sku: Sku
    asin: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{10}$")] | None = None
    title: Title | None = None
    status: ListingStatus
    fulfillment_channel: FulfillmentChannel = FulfillmentChannel.MERCHANT
    quantity: ListingQuantity | None = None
    price: ListingPrice | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    handling_days: ListingHandlingDays | None = None
    # A variation parent lists its children's theme and has no offer; a child names its parent (and the theme).
    is_parent: bool = False
    parent_sku: Sku | None = None
    variation_theme: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    issues: list[ListingIssue] = Field(default_factory=list, max_length=MAX_ISSUES)
    first_seen: AwareDatetime
    last_changed: AwareDatetime

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.price is None) != (self.currency is None):
            raise ValueError("price and currency go together")
        if self.currency is not None and not is_iso_4217(self.currency):
            raise ValueError(f"{self.currency!r} is not an ISO 4217 currency code")
        if self.is_parent and (self.quantity is not None or self.price is not None or self.parent_sku is not None):
            raise ValueError("a variation parent has no offer (quantity, price) and no parent")
        if self.parent_sku == self.sku:
            raise ValueError("a listing is not its own parent")
        return self

    def visible(self) -> dict[str, Any]:
        """Everything a consumer sees, as plain JSON values (no timestamps; the price as an exact decimal string)."""
        values = self.model_dump(mode="json", exclude={"first_seen", "last_changed", "price"})
        values["price"] = None if self.price is None else _decimal_text(self.price)
        return values

    def content_hash(self) -> str:
        """A digest of `visible()`: the same for the same data whatever the timestamps, new for any visible change."""
        canonical = json.dumps(self.visible(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def changed_fields(self, previous: "Listing") -> dict[str, Any]:
        """The visible fields whose value differs in `previous`, with the previous (old) values."""
        old, new = previous.visible(), self.visible()
        return {name: value for name, value in old.items() if new.get(name) != value}


def starting_quantity(listing: Listing) -> int | None:
    """Amazon's quantity that a merchant-fulfilled SKU's inventory state starts from (`seed_inventory_from_amazon`,
    shared/inventory/seed.py); None for Amazon-fulfilled listings (never pushed stock) and variation parents (no
    offer). Here, below both the catalog and inventory capabilities, so each can use it."""
    if listing.fulfillment_channel is FulfillmentChannel.AMAZON or listing.is_parent:
        return None
    return listing.quantity


def _decimal_text(value: Decimal) -> str:
    """The same text for equal amounts ("9.90" and "9.9"; DynamoDB keeps numbers normalised)."""
    return format(value.normalize(), "f")


class CatalogSyncState(_Frozen):
    """The catalog sync of one (connection, marketplace): cursors and the last run's counts; `version` orders writes."""

    connection_id: ConnectionRef
    marketplace_id: MarketplaceRef
    last_report_at: AwareDatetime | None = None
    last_delta_at: AwareDatetime | None = None
    # The searchListingsItems delta: every change up to this time is applied (the next one reads from a few minutes
    # before it); set from the first applied report's request time, None until then.
    delta_cursor: AwareDatetime | None = None
    # The All Listings Report requested and not yet imported (its id), and when it was requested.
    report_id: str | None = None
    report_requested_at: AwareDatetime | None = None
    counts: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    updated_at: AwareDatetime | None = None
    version: Annotated[int, Field(ge=0)] = 0
