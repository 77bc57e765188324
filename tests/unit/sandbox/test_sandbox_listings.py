"""Listings Items API and the merchant listings report."""

import gzip
from typing import Any
from urllib.parse import urlsplit

from local.sandbox.marketplaces import DE, UK
from tests.unit.sandbox.sandbox_harness import Harness

ITEMS = "/listings/2021-08-01/items"
ALL_DATA = "summaries,attributes,issues,offers,fulfillmentAvailability,relationships,productTypes"


def get_item(harness: Harness, token: str, seller_id: str, sku: str, **params: str) -> Any:
    query = "&".join(f"{k}={v}" for k, v in {"marketplaceIds": UK, **params}.items())
    return harness.call("GET", f"{ITEMS}/{seller_id}/{sku}?{query}", token)


def patch_item(harness: Harness, token: str, seller_id: str, sku: str, patches: list[Any], query: str = "") -> Any:
    body = {"productType": "PRODUCT", "patches": patches}
    return harness.call("PATCH", f"{ITEMS}/{seller_id}/{sku}?marketplaceIds={UK}{query}", token, json=body)


def quantity_patch(quantity: int, handling: int = 2) -> dict[str, Any]:
    value = {"fulfillment_channel_code": "DEFAULT", "quantity": quantity, "lead_time_to_ship_max_days": handling}
    return {"op": "replace", "path": "/attributes/fulfillment_availability", "value": [value]}


def test_get_listings_item_defaults_to_summaries(harness: Harness) -> None:
    seller_id = harness.seller("EU")

    response = get_item(harness, harness.token(seller_id), seller_id, "OUT-MUG")

    assert response.status_code == 200
    assert set(response.json) == {"sku", "summaries"}
    assert response.json["summaries"][0]["marketplaceId"] == UK


def test_get_listings_item_with_every_data_set_shows_the_variation_family(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)

    child = get_item(harness, token, seller_id, "OUT-TEE-BLA-M", includedData=ALL_DATA).json
    parent = get_item(harness, token, seller_id, "OUT-TEE", includedData=ALL_DATA).json

    assert child["relationships"][0]["relationships"][0]["parentSkus"] == ["OUT-TEE"]
    assert "OUT-TEE-BLA-M" in parent["relationships"][0]["relationships"][0]["childSkus"]
    assert child["attributes"]["parentage_level"][0]["value"] == "child"
    assert child["fulfillmentAvailability"][0]["fulfillmentChannelCode"] == "DEFAULT"


def test_unknown_sku_is_404_and_foreign_marketplace_is_400(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)

    assert get_item(harness, token, seller_id, "NOPE").status_code == 404
    assert get_item(harness, token, seller_id, "OUT-MUG", marketplaceIds="ATVPDKIKX0DER").status_code == 400
    assert harness.call("GET", f"{ITEMS}/{seller_id}/OUT-MUG", token).status_code == 400


def test_another_sellers_id_is_refused_as_amazon_does_and_only_the_own_id_reaches_the_sku(harness: Harness) -> None:
    # Given two sellers of one region, the first one's token
    own, other = harness.seller("EU", 0), harness.seller("EU", 1)
    token = harness.token(own)
    denied = {"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied.", "details": ""}]}

    # Then the other seller's id is refused whether or not the SKU exists, and whatever the marketplace
    for sku in ("OUT-MUG", "sellersync-ownership-check-0123456789abcdef"):
        refused = get_item(harness, token, other, sku)
        assert (refused.status_code, refused.json) == (403, denied)
        assert refused.headers["x-amzn-ErrorType"] == "AccessDeniedException"
        assert "x-amzn-RateLimit-Limit" not in refused.headers
    assert get_item(harness, token, other, "OUT-MUG", marketplaceIds="ATVPDKIKX0DER").status_code == 403
    assert harness.call("GET", f"{ITEMS}/{other}?marketplaceIds={UK}", token).status_code == 403
    # And the own id reaches the lookup: a SKU nobody holds is 404 NOT_FOUND
    missing = get_item(harness, token, own, "sellersync-ownership-check-0123456789abcdef")
    assert missing.status_code == 404 and missing.json["errors"][0]["code"] == "NOT_FOUND"


def test_patch_changes_quantity_and_handling_time(harness: Harness) -> None:
    seller_id = harness.seller("EU")

    response = patch_item(harness, harness.token(seller_id), seller_id, "OUT-MUG", [quantity_patch(12, 5)])

    assert response.json["status"] == "ACCEPTED"
    offer = harness.sandbox.state.sellers[seller_id].listings["OUT-MUG"].offers[UK]
    assert (offer.quantity, offer.handling_days) == (12, 5)


def test_validation_preview_checks_without_changing(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    before = harness.sandbox.state.sellers[seller_id].listings["OUT-MUG"].offers[UK].quantity

    response = patch_item(
        harness, harness.token(seller_id), seller_id, "OUT-MUG", [quantity_patch(99)], "&mode=VALIDATION_PREVIEW"
    )

    assert response.json["status"] == "VALID"
    assert harness.sandbox.state.sellers[seller_id].listings["OUT-MUG"].offers[UK].quantity == before


def test_invalid_patches_are_reported_as_issues(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)

    negative = patch_item(harness, token, seller_id, "OUT-MUG", [quantity_patch(-3)]).json
    unknown = patch_item(harness, token, seller_id, "NOPE", [quantity_patch(3)]).json
    no_patches = harness.call(
        "PATCH", f"{ITEMS}/{seller_id}/OUT-MUG?marketplaceIds={UK}", token, json={"productType": "X"}
    )

    assert negative["status"] == "INVALID" and negative["issues"][0]["severity"] == "ERROR"
    assert unknown["status"] == "INVALID"
    assert no_patches.status_code == 400 and no_patches.json["errors"][0]["code"] == "InvalidInput"


def test_search_pages_through_listings_and_filters_variations(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    base = f"{ITEMS}/{seller_id}?marketplaceIds={UK},{DE}&pageSize=4"

    skus: list[str] = []
    page = harness.call("GET", base, token).json
    while True:
        skus += [item["sku"] for item in page["items"]]
        next_token = page.get("pagination", {}).get("nextToken")
        if not next_token:
            break
        harness.advance(1)  # searchListingsItems allows 5 per second, burst 5
        page = harness.call("GET", f"{base}&pageToken={next_token}", token).json
    harness.advance(1)
    children = harness.call("GET", f"{base}&variationParentSku=OUT-BOTTLE", token).json

    assert sorted(skus) == sorted(harness.sandbox.state.sellers[seller_id].listings)
    assert {item["sku"] for item in children["items"]} == {"OUT-BOTTLE-RED", "OUT-BOTTLE-BLUE", "OUT-BOTTLE-GREEN"}
    assert harness.call("GET", f"{base.replace('pageSize=4', 'pageSize=21')}", token).status_code == 400


def test_search_by_sku_identifiers(harness: Harness) -> None:
    seller_id = harness.seller("EU")

    query = f"marketplaceIds={UK}&identifiers=OUT-MUG,OUT-MAT&identifiersType=SKU&includedData=offers"
    found = harness.call("GET", f"{ITEMS}/{seller_id}?{query}", harness.token(seller_id)).json

    assert {item["sku"] for item in found["items"]} == {"OUT-MUG", "OUT-MAT"}


def test_listings_report_is_a_tsv_of_current_state(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    token = harness.token(seller_id)
    patch_item(harness, token, seller_id, "OUT-MUG", [quantity_patch(42)])
    body = {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [UK]}
    report_id = harness.call("POST", "/reports/2021-06-30/reports", token, json=body).json["reportId"]

    harness.advance(46)
    report = harness.call("GET", f"/reports/2021-06-30/reports/{report_id}", token).json
    document = harness.call("GET", f"/reports/2021-06-30/documents/{report['reportDocumentId']}", token).json
    url = urlsplit(document["url"])
    text = gzip.decompress(harness.client.get(f"{url.path}?{url.query}").get_data()).decode("cp1252")

    assert report["processingStatus"] == "DONE" and document["compressionAlgorithm"] == "GZIP"
    header, *rows = [line.split("\t") for line in text.splitlines()]
    assert header[:6] == ["item-name", "item-description", "listing-id", "seller-sku", "price", "quantity"]
    mug = next(dict(zip(header, row, strict=True)) for row in rows if row[3] == "OUT-MUG")
    assert (mug["quantity"], mug["status"], mug["fulfilment-channel"]) == ("42", "Active", "DEFAULT")
    assert len(rows) == len(harness.sandbox.state.sellers[seller_id].listings)


def test_unmodelled_report_types_end_fatal(harness: Harness) -> None:
    token = harness.token(harness.seller("EU"))
    body = {"reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL", "marketplaceIds": [UK]}
    report_id = harness.call("POST", "/reports/2021-06-30/reports", token, json=body).json["reportId"]

    harness.advance(46)

    assert harness.call("GET", f"/reports/2021-06-30/reports/{report_id}", token).json["processingStatus"] == "FATAL"
