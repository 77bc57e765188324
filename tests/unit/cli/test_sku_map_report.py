"""The pure parts of the SKU map commands: which listed merchant SKUs are mapped to themselves, and the two lists of
`listings unmapped` following `SkuMap.feeder` (the inverse of the input function's fan-out)."""

from datetime import UTC, datetime

from cli.sku_map_input import own_names_kept, parse_map_csv, unmapped_report
from shared.models.listings import Listing
from shared.models.sku_map import SkuMap

UK = "A1F83G8C2ARO7P"
AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def listing(sku: str, **fields: object) -> Listing:
    values = {"connection_id": "eu-a1", "marketplace_id": UK, "sku": sku, "status": "BUYABLE"}
    return Listing.model_validate(values | {"first_seen": AT, "last_changed": AT} | fields)


def test_own_names_are_kept_only_for_listed_merchant_skus_still_fed_by_their_name() -> None:
    sku_map = SkuMap({"X-1": "TAKEN", "SELF": "SELF"})
    pairs = [("A", "LISTED"), ("B", "UNLISTED"), ("C", "TAKEN"), ("D", "SELF"), ("E", "NAMED"), ("NAMED", "Z")]
    listed = {"LISTED", "TAKEN", "SELF", "NAMED"}

    assert own_names_kept(pairs, sku_map, listed.__contains__) == [("LISTED", "LISTED")]


def test_unmapped_follows_the_feeder_of_each_listing() -> None:
    # WIDGET-UK is fed by WIDGET; WIDGET (listed, unmapped) has SKUs mapped to its name, so nothing feeds it.
    sku_map = SkuMap({"WIDGET-UK": "WIDGET", "LAMP": "LAMP-2"})
    listings = {
        UK: [
            listing("WIDGET-UK"),
            listing("WIDGET"),
            listing("LAMP"),
            listing("MUG"),
            listing("PARENT", is_parent=True),
            listing("FBA", fulfillment_channel="AMAZON"),
        ]
    }

    report = unmapped_report(listings, ["WIDGET-UK", "MUG", "GHOST"], sku_map)

    assert [(r["amazon_sku"], r["merchant_sku"], r["mapped"]) for r in report["amazon_skus_without_source"]] == [
        ("WIDGET", None, False),
        ("LAMP", "LAMP-2", True),
    ]
    assert report["merchant_skus_without_listing"] == [{"merchant_sku": "GHOST", "amazon_skus": ["GHOST"]}]


def test_a_blank_line_is_skipped_and_the_header_is_read_in_any_case() -> None:
    parsed = parse_map_csv(["Amazon_SKU, Merchant_SKU\n", "\n", "A,M\n"])

    assert (parsed.rows, parsed.pairs, parsed.invalid) == (1, [("A", "M")], [])
