"""A fake searchListingsItems over a list of items (identifiers filter, pages, the 20-identifier cap), recording each
call, that can run out of time on a chosen call; and a builder of Listings Items API items."""

from dataclasses import dataclass, field
from typing import Any

from shared.spapi.errors import OutOfTimeError
from shared.spapi.models.listings import ListingsItem, SearchListingsItemsQuery, SearchListingsItemsResponse

UK = "A1F83G8C2ARO7P"


def item(
    sku: str,
    asin: str,
    *,
    title: str | None = None,
    quantity: int | None = 7,
    handling: int | None = 2,
    status: tuple[str, ...] = ("BUYABLE", "DISCOVERABLE"),
    parent: str | None = None,
    children: tuple[str, ...] = (),
    theme: str | None = None,
    channel_code: str = "DEFAULT",
    issues: tuple[str, ...] = (),
) -> ListingsItem:
    """An item as searchListingsItems returns it with summaries, attributes, issues, offers, fulfillmentAvailability
    and relationships in the UK."""
    summary = {"marketplaceId": UK, "asin": asin, "productType": "MUG", "status": list(status)}
    summary |= {"itemName": title or f"{sku} title", "createdDate": "2026-01-01T00:00:00Z"}
    summary["lastUpdatedDate"] = "2026-12-01T00:00:00Z"
    body: dict[str, Any] = {"sku": sku, "summaries": [summary], "attributes": {}, "relationships": []}
    if not children:
        availability: dict[str, Any] = {"fulfillment_channel_code": channel_code, "marketplace_id": UK}
        if handling is not None:
            availability["lead_time_to_ship_max_days"] = handling
        body["attributes"]["fulfillment_availability"] = [availability]
        body["fulfillmentAvailability"] = [{"fulfillmentChannelCode": channel_code, "quantity": quantity}]
        body["offers"] = [{"marketplaceId": UK, "offerType": "B2C", "price": {"currencyCode": "GBP", "amount": "12.5"}}]
    if parent or children:
        relationship: dict[str, Any] = {"type": "VARIATION", "variationTheme": {"theme": theme, "attributes": []}}
        relationship |= {"parentSkus": [parent]} if parent else {"childSkus": list(children)}
        body["relationships"] = [{"marketplaceId": UK, "relationships": [relationship]}]
    body["issues"] = [{"code": code, "message": f"{code} message", "severity": "WARNING"} for code in issues]
    return ListingsItem.model_validate(body)


@dataclass
class FakeListingsApi:
    """searchListingsItems by identifiers over `items`; `out_of_time_at` (1-based call number) raises OutOfTimeError."""

    items: list[ListingsItem] = field(default_factory=list)
    page_cap: int = 20
    out_of_time_at: int | None = None
    calls: list[tuple[str | None, list[str], str | None]] = field(default_factory=list)

    def search_listings_items(
        self, seller_id: str, query: SearchListingsItemsQuery, page_token: str | None = None
    ) -> SearchListingsItemsResponse:
        assert seller_id == "A1SELLER" and query.marketplace_ids == [UK]
        assert len(query.identifiers) <= 20 and query.page_size == 20
        assert {"summaries", "attributes", "offers", "fulfillmentAvailability", "relationships", "issues"} <= set(
            query.included_data
        )
        if self.out_of_time_at is not None and len(self.calls) + 1 == self.out_of_time_at:
            self.out_of_time_at = None
            raise OutOfTimeError("searchListingsItems", 1.5)
        self.calls.append((query.identifiers_type, list(query.identifiers), page_token))
        found = [i for i in self.items if self._key(i, query.identifiers_type) in query.identifiers]
        start = int(page_token or 0)
        size = min(self.page_cap, query.page_size or 10)
        token = str(start + size) if start + size < len(found) else None
        body = {"numberOfResults": len(found), "items": found[start : start + size], "pagination": {"nextToken": token}}
        return SearchListingsItemsResponse.model_validate(body)

    @staticmethod
    def _key(found: ListingsItem, identifiers_type: str | None) -> str | None:
        if identifiers_type == "SKU":
            return found.sku
        return found.summaries[0].asin if found.summaries else None
