"""Listings Items API 2021-08-01: get, patch and search a seller's listings."""

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from shared.spapi.models.base import Money, SpApiModel

IncludedListingData = Literal[
    "summaries",
    "attributes",
    "issues",
    "offers",
    "fulfillmentAvailability",
    "procurement",
    "relationships",
    "productTypes",
]


class ItemImage(SpApiModel):
    """The main image of a listing."""

    link: str
    height: int
    width: int


class ItemSummary(SpApiModel):
    """A listing's summary in one marketplace."""

    marketplace_id: str
    product_type: str
    status: list[str]
    created_date: datetime
    last_updated_date: datetime
    asin: str | None = None
    condition_type: str | None = None
    fn_sku: str | None = None
    item_name: str | None = None
    main_image: ItemImage | None = None


class IssueExemption(SpApiModel):
    """Whether an issue's enforcement is waived."""

    status: str


class IssueEnforcements(SpApiModel):
    """What Amazon does about an issue."""

    actions: list[dict[str, Any]] = []
    exemption: IssueExemption | None = None


class Issue(SpApiModel):
    """A problem Amazon found with a listing or a submission."""

    code: str
    message: str
    severity: Literal["ERROR", "WARNING", "INFO"]
    attribute_names: list[str] = []
    categories: list[str] = []
    marketplace_ids: list[str] = []
    enforcements: IssueEnforcements | None = None


class Audience(SpApiModel):
    """Who an offer is for (ALL = B2C, B2B)."""

    value: str | None = None
    display_name: str | None = None


class ItemOffer(SpApiModel):
    """A listing's offer in one marketplace."""

    marketplace_id: str
    offer_type: Literal["B2C", "B2B"]
    price: Money
    audience: Audience | None = None


class FulfillmentAvailability(SpApiModel):
    """Quantity per fulfillment channel (DEFAULT = merchant-fulfilled)."""

    fulfillment_channel_code: str
    quantity: int | None = None


class VariationTheme(SpApiModel):
    """The attributes a variation family varies by."""

    attributes: list[str]
    theme: str


class ItemRelationship(SpApiModel):
    """A parent/child (variation) or package-hierarchy link."""

    type: Literal["VARIATION", "PACKAGE_HIERARCHY"]
    child_skus: list[str] = []
    parent_skus: list[str] = []
    variation_theme: VariationTheme | None = None


class ItemRelationships(SpApiModel):
    """A listing's relationships in one marketplace."""

    marketplace_id: str
    relationships: list[ItemRelationship]


class ItemProductType(SpApiModel):
    """A listing's product type in one marketplace."""

    marketplace_id: str
    product_type: str


class ListingsItem(SpApiModel):
    """A listing as getListingsItem and searchListingsItems return it (parts depend on includedData)."""

    sku: str
    summaries: list[ItemSummary] = []
    attributes: dict[str, Any] = {}
    issues: list[Issue] = []
    offers: list[ItemOffer] = []
    fulfillment_availability: list[FulfillmentAvailability] = []
    relationships: list[ItemRelationships] = []
    product_types: list[ItemProductType] = []


class ListingsPagination(SpApiModel):
    """Tokens to the neighbouring pages."""

    next_token: str | None = None
    previous_token: str | None = None


class SearchListingsItemsResponse(SpApiModel):
    """One page of searchListingsItems (at most 1,000 SKUs over all pages)."""

    number_of_results: int
    items: list[ListingsItem]
    pagination: ListingsPagination | None = None

    @property
    def next_token(self) -> str | None:
        """The token of the next page, None on the last page."""
        return self.pagination.next_token if self.pagination else None


class SearchListingsItemsQuery(SpApiModel):
    """The filters of searchListingsItems; persist them beside the page token."""

    marketplace_ids: list[str] = Field(min_length=1)
    included_data: list[IncludedListingData] = Field(default_factory=list)
    issue_locale: str | None = None
    identifiers: list[str] = Field(default_factory=list, max_length=20)
    identifiers_type: Literal["ASIN", "EAN", "FNSKU", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC"] | None = None
    variation_parent_sku: str | None = None
    created_after: AwareDatetime | None = None
    created_before: AwareDatetime | None = None
    last_updated_after: AwareDatetime | None = None
    last_updated_before: AwareDatetime | None = None
    with_status: list[Literal["BUYABLE", "DISCOVERABLE"]] = Field(default_factory=list)
    sort_by: Literal["sku", "createdDate", "lastUpdatedDate"] | None = None
    sort_order: Literal["ASC", "DESC"] | None = None
    page_size: int | None = Field(default=None, ge=1, le=20)


class PatchOperation(SpApiModel):
    """One JSON-patch-like change to a top-level attribute (`/attributes/<name>`)."""

    op: Literal["add", "replace", "merge", "delete"]
    path: str = Field(pattern=r"^/attributes/[^/]+$")
    value: list[dict[str, Any]] | None = None


class ListingsItemPatchRequest(SpApiModel):
    """Body of patchListingsItem."""

    product_type: str
    patches: list[PatchOperation] = Field(min_length=1)


class ListingsItemSubmissionResponse(SpApiModel):
    """The outcome of a put or patch (ACCEPTED means accepted for processing, not applied)."""

    sku: str
    status: Literal["ACCEPTED", "INVALID", "VALID"]
    submission_id: str
    issues: list[Issue] = []
