"""Merging the report row and the Listings Items API item into a Listing: precedence, status, channel, families."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from shared.catalog.merge import (
    GarbledRowError,
    as_reported,
    channel,
    handling_days,
    merge,
    missing_skus,
    report_status,
    summary_status,
)
from shared.models.listings import FulfillmentChannel, ListingStatus, issue, starting_quantity
from shared.spapi.models.listings import ListingsItem

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"


@dataclass(frozen=True)
class Row:
    """A report row as shared/catalog/report.py's ReportListing gives it (the attributes merge reads)."""

    seller_sku: str = "Mug-Blue"
    asin: str | None = "B000000001"
    title: str | None = "Blue mug"
    price: Decimal | None = Decimal("9.99")
    quantity: int | None = 5
    status: str | None = "Active"
    fulfillment_channel: str | None = "MERCHANT"
    garbled: bool = False


def api_item(sku: str = "Mug-Blue", **parts: Any) -> ListingsItem:
    """An item as searchListingsItems returns it (camelCase JSON), summaries for UK unless given."""
    body: dict[str, Any] = {
        "sku": sku,
        "summaries": [
            {
                "marketplaceId": UK,
                "asin": "B000000001",
                "productType": "MUG",
                "status": ["BUYABLE", "DISCOVERABLE"],
                "itemName": "Blue mug",
                "createdDate": "2026-01-01T00:00:00Z",
                "lastUpdatedDate": "2026-11-30T00:00:00Z",
            }
        ],
    }
    return ListingsItem.model_validate(body | parts)


def test_a_report_row_alone_makes_a_listing_priced_in_the_marketplace_currency() -> None:
    listing = merge("c1", DE, NOW, row=Row())

    assert (listing.sku, listing.asin, listing.title, listing.status) == (
        "Mug-Blue",
        "B000000001",
        "Blue mug",
        "BUYABLE",
    )
    assert (listing.quantity, listing.price, listing.currency) == (5, Decimal("9.99"), "EUR")
    assert listing.fulfillment_channel is FulfillmentChannel.MERCHANT
    assert listing.handling_days is None and listing.parent_sku is None
    assert listing.first_seen == listing.last_changed == NOW


def test_the_api_replaces_the_garbled_sku_and_title_with_the_exact_characters() -> None:
    row = Row(seller_sku="Tasse-?-Gr??e", title="Tasse ? Gr??e 250 ml", garbled=True)
    item = api_item(
        "Tasse-℃-Größe",
        summaries=[
            {**api_item().summaries[0].model_dump(by_alias=True, mode="json"), "itemName": "Tasse ℃ Größe 250 ml"}
        ],
    )

    listing = merge("c1", UK, NOW, row=row, item=item)

    assert (listing.sku, listing.title) == ("Tasse-℃-Größe", "Tasse ℃ Größe 250 ml")
    assert listing.price == Decimal("9.99") and listing.quantity == 5  # the report still fills the offer


def test_a_garbled_row_without_its_api_item_is_not_stored() -> None:
    with pytest.raises(GarbledRowError) as raised:
        merge("c1", UK, NOW, row=Row(seller_sku="Tasse-?", garbled=True))

    assert raised.value.seller_sku == "Tasse-?"


def test_a_garbled_title_the_api_does_not_give_is_dropped_rather_than_kept_wrong() -> None:
    summary = api_item().summaries[0].model_dump(by_alias=True, mode="json", exclude={"item_name"})
    listing = merge("c1", UK, NOW, row=Row(title="Tasse ? 250 ml", garbled=True), item=api_item(summaries=[summary]))

    assert listing.title is None


def test_the_api_wins_where_it_has_a_value_and_the_report_fills_the_rest() -> None:
    item = api_item(
        offers=[
            {"marketplaceId": UK, "offerType": "B2B", "price": {"amount": "7.00", "currencyCode": "GBP"}},
            {"marketplaceId": UK, "offerType": "B2C", "price": {"amount": "10.49", "currencyCode": "GBP"}},
        ],
        fulfillmentAvailability=[{"fulfillmentChannelCode": "DEFAULT", "quantity": 3}],
        issues=[
            {"code": "90220", "message": "bullet point missing", "severity": "WARNING", "marketplaceIds": [UK]},
            {"code": "8541", "message": "other marketplace", "severity": "ERROR", "marketplaceIds": [DE]},
        ],
    )
    stale_row = Row(price=Decimal("9.99"), quantity=5, title="Old title")

    listing = merge("c1", UK, NOW, row=stale_row, item=item)

    assert (listing.price, listing.currency, listing.quantity, listing.title) == (
        Decimal("10.49"),
        "GBP",
        3,
        "Blue mug",
    )
    assert listing.issues == [issue("90220", "WARNING", "bullet point missing")]
    assert merge("c1", UK, NOW, row=stale_row, item=api_item()).price == Decimal("9.99")  # no offers read


def test_handling_days_come_only_from_the_fulfillment_availability_attribute() -> None:
    no_lead_time = api_item(fulfillmentAvailability=[{"fulfillmentChannelCode": "DEFAULT", "quantity": 3}])
    with_attribute = api_item(
        attributes={
            "fulfillment_availability": [
                {"fulfillment_channel_code": "AMAZON_EU", "lead_time_to_ship_max_days": 9},
                {"fulfillment_channel_code": "DEFAULT", "quantity": 3, "lead_time_to_ship_max_days": 4},
            ]
        }
    )

    assert merge("c1", UK, NOW, item=no_lead_time).handling_days is None
    assert merge("c1", UK, NOW, item=with_attribute).handling_days == 4
    assert handling_days(api_item(attributes={"fulfillment_availability": [{"quantity": 1}]}), UK) is None


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Active", ListingStatus.BUYABLE),
        ("Inactive", ListingStatus.INACTIVE),
        ("Incomplete", ListingStatus.INCOMPLETE),
        (" active ", ListingStatus.BUYABLE),
        (None, None),
        ("Deprecated", None),
    ],
)
def test_report_status_words(word: str | None, status: ListingStatus | None) -> None:
    assert report_status(word) == status


@pytest.mark.parametrize(
    ("statuses", "errors", "expected"),
    [
        (["BUYABLE", "DISCOVERABLE"], False, ListingStatus.BUYABLE),
        (["DISCOVERABLE"], False, ListingStatus.DISCOVERABLE),
        ([], False, ListingStatus.INACTIVE),
        ([], True, ListingStatus.INCOMPLETE),
        (["BUYABLE"], True, ListingStatus.BUYABLE),
    ],
)
def test_summary_status(statuses: list[str], errors: bool, expected: ListingStatus) -> None:
    issues = [issue("8541", "ERROR", "missing")] if errors else []
    assert summary_status(statuses, issues) is expected


def test_a_report_status_missing_falls_back_to_inactive_and_the_reports_incomplete_survives_an_empty_summary() -> None:
    assert merge("c1", UK, NOW, row=Row(status=None)).status is ListingStatus.INACTIVE
    empty = api_item().summaries[0].model_dump(by_alias=True, mode="json") | {"status": []}
    incomplete = merge("c1", UK, NOW, row=Row(status="Incomplete"), item=api_item(summaries=[empty]))
    assert incomplete.status is ListingStatus.INCOMPLETE


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("DEFAULT", FulfillmentChannel.MERCHANT),
        ("MERCHANT", FulfillmentChannel.MERCHANT),
        ("AMAZON_EU", FulfillmentChannel.AMAZON),
        ("AMAZON_NA", FulfillmentChannel.AMAZON),
        ("AMAZON", FulfillmentChannel.AMAZON),
        ("", None),
        ("SOMETHING", None),
    ],
)
def test_channel_codes(code: str, expected: FulfillmentChannel | None) -> None:
    assert channel(code) == expected


def test_a_child_names_its_parent_and_theme_from_relationships() -> None:
    relationships = [
        {
            "marketplaceId": UK,
            "relationships": [
                {"type": "PACKAGE_HIERARCHY", "parentSkus": ["Box-Of-6"]},
                {
                    "type": "VARIATION",
                    "parentSkus": ["Mug"],
                    "variationTheme": {"theme": "COLOR", "attributes": ["color"]},
                },
            ],
        }
    ]
    listing = merge("c1", UK, NOW, item=api_item(relationships=relationships))

    assert (listing.is_parent, listing.parent_sku, listing.variation_theme) == (False, "Mug", "COLOR")


def test_a_parent_has_no_offer_even_when_the_report_gives_one() -> None:
    relationships = [
        {"marketplaceId": UK, "relationships": [{"type": "VARIATION", "childSkus": ["Mug-Red", "Mug-Blue"]}]}
    ]
    attributes = {"variation_theme": [{"name": "COLOR"}], "parentage_level": [{"value": "parent"}]}
    item = api_item("Mug", relationships=relationships, attributes=attributes)

    parent = merge("c1", UK, NOW, row=Row(seller_sku="Mug", quantity=0, price=Decimal("1.00")), item=item)

    assert parent.is_parent and parent.parent_sku is None and parent.variation_theme == "COLOR"
    assert (parent.quantity, parent.price, parent.currency) == (None, None, None)
    assert starting_quantity(parent) is None


def test_the_family_falls_back_to_the_listing_attributes() -> None:
    attributes = {
        "parentage_level": [{"marketplace_id": UK, "value": "child"}],
        "child_parent_sku_relationship": [{"child_relationship_type": "variation", "parent_sku": "Mug"}],
        "variation_theme": [{"name": "SIZE_NAME/COLOR_NAME"}],
    }
    child = merge("c1", UK, NOW, item=api_item(attributes=attributes))

    assert (child.is_parent, child.parent_sku, child.variation_theme) == (False, "Mug", "SIZE_NAME/COLOR_NAME")


def test_amazon_fulfilled_listings_have_no_starting_quantity_and_merchant_ones_start_from_amazons() -> None:
    fba = merge(
        "c1", UK, NOW, item=api_item(fulfillmentAvailability=[{"fulfillmentChannelCode": "AMAZON_EU", "quantity": 40}])
    )
    mfn = merge("c1", UK, NOW, row=Row(quantity=7))

    assert fba.fulfillment_channel is FulfillmentChannel.AMAZON and fba.quantity == 40
    assert starting_quantity(fba) is None
    assert starting_quantity(mfn) == 7
    assert starting_quantity(merge("c1", UK, NOW, row=Row(quantity=None))) is None


def test_nothing_to_merge_is_an_error() -> None:
    with pytest.raises(ValueError, match="report row or"):
        merge("c1", UK, NOW)


def test_titles_lose_control_characters_and_are_bounded() -> None:
    assert merge("c1", UK, NOW, row=Row(title="Blue\x1b[31m mug\n")).title == "Blue [31m mug"
    assert merge("c1", UK, NOW, row=Row(title="\x07")).title is None
    long_title = merge("c1", UK, NOW, row=Row(title="x" * 5000)).title
    assert long_title is not None and len(long_title) == 1000


def test_as_reported_gives_the_reports_cp1252_spelling_of_an_exact_sku() -> None:
    assert as_reported("Mug-Blue") == {"Mug-Blue"}
    assert as_reported("Größe-€") == {"Größe-€"}  # all in Cp1252: nothing replaced
    assert as_reported("Tasse-℃-Łódź") == {"Tasse-℃-Łódź", "Tasse-?-?ód?"}
    assert as_reported("Mug-😀") == {"Mug-😀", "Mug-?", "Mug-??"}


def test_missing_skus_are_those_the_report_does_not_list_even_garbled() -> None:
    stored = ["Mug-Blue", "Mug-Red", "Tasse-℃", "Łódź-1", "mug-blue"]
    reported = {"Mug-Blue", "Tasse-?", "New-SKU"}

    assert list(missing_skus(stored, reported)) == ["Mug-Red", "Łódź-1", "mug-blue"]
