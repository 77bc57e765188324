"""searchListingsItems by identifiers as the catalog import uses it (shared/catalog/enrich.py): by ASIN for report rows
whose SKU came back garbled, returning the exact SKU; at most 20 identifiers; pageSize 20 with every data set."""

from typing import Any
from urllib.parse import quote

from local.sandbox.marketplaces import DE
from tests.unit.sandbox.sandbox_harness import Harness

ITEMS = "/listings/2021-08-01/items"
INCLUDED = "summaries,attributes,issues,offers,fulfillmentAvailability,relationships"


def search(harness: Harness, seller_id: str, query: str) -> Any:
    return harness.call("GET", f"{ITEMS}/{seller_id}?marketplaceIds={DE}&{query}", harness.token(seller_id))


def test_an_asin_finds_the_listing_with_its_exact_sku_and_every_data_set(harness: Harness) -> None:
    seller_id = harness.seller("EU", 1)
    listing = harness.sandbox.state.sellers[seller_id].listings["MODA-MUG-ŁÓDŹ"]

    query = f"identifiers={listing.asin}&identifiersType=ASIN&pageSize=20&includedData={INCLUDED}"
    response = search(harness, seller_id, query)

    assert response.status_code == 200, response.json
    (found,) = response.json["items"]
    assert found["sku"] == "MODA-MUG-ŁÓDŹ" and found["summaries"][0]["itemName"] == "保温マグカップ 450ml"
    assert found["summaries"][0]["asin"] == listing.asin
    assert {"attributes", "issues", "offers", "fulfillmentAvailability", "relationships"} <= set(found)


def test_an_exact_non_cp1252_sku_is_found_by_sku(harness: Harness) -> None:
    seller_id = harness.seller("EU", 1)

    response = search(harness, seller_id, f"identifiers={quote('MODA-MUG-ŁÓDŹ')}&identifiersType=SKU")

    assert [item["sku"] for item in response.json["items"]] == ["MODA-MUG-ŁÓDŹ"]


def test_more_than_twenty_identifiers_are_refused(harness: Harness) -> None:
    seller_id = harness.seller("EU", 1)
    skus = [f"SKU-{n}" for n in range(21)]

    refused = search(harness, seller_id, f"identifiers={','.join(skus)}&identifiersType=SKU")
    taken = search(harness, seller_id, f"identifiers={','.join(skus[:20])}&identifiersType=SKU")

    assert (refused.status_code, taken.status_code) == (400, 200)
