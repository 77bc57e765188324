"""searchListingsItems by time window, as the hourly catalog delta reads it: lastUpdated and created windows (after
inclusive, before exclusive), sortBy / sortOrder, a patched listing's update time, and the 1,000-item page cap with
the true numberOfResults."""

import base64
from typing import Any

from local.sandbox.clock import iso
from local.sandbox.entities import Listing, Offer
from local.sandbox.marketplaces import UK
from tests.unit.sandbox.sandbox_harness import Harness
from tests.unit.sandbox.test_sandbox_listings import ITEMS, patch_item, quantity_patch


def search(harness: Harness, token: str, seller_id: str, **params: str) -> Any:
    query = "&".join(f"{k}={v}" for k, v in {"marketplaceIds": UK, **params}.items())
    response = harness.call("GET", f"{ITEMS}/{seller_id}?{query}", token)
    assert response.status_code == 200, response.json
    return response.json


def test_a_patched_listing_is_found_by_last_updated_after_and_not_before_its_change(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    changed_at = iso(harness.sandbox.now())
    assert patch_item(harness, token, seller_id, "OUT-MUG", [quantity_patch(4)]).json["status"] == "ACCEPTED"
    harness.advance(2)

    after = search(harness, token, seller_id, lastUpdatedAfter=changed_at, includedData="summaries,offers")
    before = search(harness, token, seller_id, lastUpdatedBefore=changed_at, pageSize="20")

    assert [item["sku"] for item in after["items"]] == ["OUT-MUG"] and after["numberOfResults"] == 1
    assert after["items"][0]["summaries"][0]["lastUpdatedDate"] == changed_at
    assert "OUT-MUG" not in {item["sku"] for item in before["items"]}
    listings = harness.sandbox.state.sellers[seller_id].listings
    assert before["numberOfResults"] == len([x for x in listings.values() if UK in x.offers]) - 1


def test_sort_by_last_updated_ascending_or_descending_by_default(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)

    ascending = search(harness, token, seller_id, sortBy="lastUpdatedDate", sortOrder="ASC", pageSize="20")
    harness.advance(1)
    default = search(harness, token, seller_id, pageSize="20")

    def dates(page: Any) -> list[str]:
        return [item["summaries"][0]["lastUpdatedDate"] for item in page["items"]]

    assert dates(ascending) == sorted(dates(ascending)) and dates(default) == sorted(dates(default), reverse=True)
    assert dates(ascending)[0] < dates(default)[0]


def test_created_window_filters_by_creation_time(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    listings = [x for x in harness.sandbox.state.sellers[seller_id].listings.values() if UK in x.offers]
    middle = sorted(x.created for x in listings)[len(listings) // 2]

    newer = search(harness, token, seller_id, createdAfter=iso(middle), pageSize="20")
    harness.advance(1)
    older = search(harness, token, seller_id, createdBefore=iso(middle), pageSize="20")

    assert newer["numberOfResults"] + older["numberOfResults"] == len(listings)
    assert all(item["summaries"][0]["createdDate"] >= iso(middle) for item in newer["items"])
    assert all(item["summaries"][0]["createdDate"] < iso(middle) for item in older["items"])


def test_pages_stop_at_1000_items_while_number_of_results_tells_the_true_total(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    seller = harness.sandbox.state.sellers[seller_id]
    now = harness.sandbox.now()
    for n in range(1050):
        sku = f"BULK-{n:04}"
        offer = Offer(UK, "GBP", price="5.00", quantity=1, handling_days=2)
        seller.listings[sku] = Listing(sku, f"B0BULK{n:04}", "PRODUCT", sku, now, now + n, offers={UK: offer})

    def page_at(offset: int) -> Any:
        page_token = base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()
        query = {"lastUpdatedAfter": iso(now), "sortOrder": "ASC", "pageSize": "20", "pageToken": page_token}
        return search(harness, token, seller_id, **query)

    last = page_at(980)
    assert last["numberOfResults"] == 1050 and len(last["items"]) == 20
    assert last["items"][-1]["sku"] == "BULK-0999" and "nextToken" not in last.get("pagination", {})
    harness.advance(1)
    assert page_at(1000)["items"] == []


def test_the_steering_call_changes_a_listing_now_and_refuses_what_it_cannot_change(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    harness.advance(30)
    changed = harness.steer(
        "PATCH", f"/_sandbox/sellers/{seller_id}/listings/OUT-MUG", json={"quantity": 3, "title": "New"}
    )
    listing = harness.sandbox.state.sellers[seller_id].listings["OUT-MUG"]
    assert (listing.offers[UK].quantity, listing.title) == (3, "New")
    assert changed["lastUpdated"] == iso(harness.sandbox.now()) == iso(listing.updated)
    assert harness.client.patch(f"/_sandbox/sellers/{seller_id}/listings/NOPE", json={"quantity": 1}).status_code == 404
    refused = harness.client.patch(f"/_sandbox/sellers/{seller_id}/listings/OUT-MUG", json={"quantity": -1})
    assert refused.status_code == 400 and listing.offers[UK].quantity == 3
