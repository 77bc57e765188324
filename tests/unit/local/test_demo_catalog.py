"""The demo's catalog step: each family as its tree with the children's starting quantities."""

from datetime import UTC, datetime
from typing import Any

from cli.demo_shipments import print_catalog
from cli.render import console
from local.demo_catalog import CatalogImported, _marketplace
from shared.models.listings import FulfillmentChannel, Listing, ListingStatus

UK = "A1F83G8C2ARO7P"
AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def listing(sku: str, **extra: Any) -> Listing:
    fields: dict[str, Any] = {"status": ListingStatus.BUYABLE, "first_seen": AT, "last_changed": AT} | extra
    return Listing(connection_id="eu-1", marketplace_id=UK, sku=sku, **fields)


def test_families_show_each_childs_starting_quantity_and_standalone_skus_theirs() -> None:
    shown = _marketplace(
        [
            listing("MUG", quantity=3),
            listing("SHIRT", is_parent=True),
            listing("SHIRT-BLUE", quantity=5, parent_sku="SHIRT"),
            listing("SHIRT-RED", quantity=9, parent_sku="SHIRT", fulfillment_channel=FulfillmentChannel.AMAZON),
            listing("BOOK", quantity=40, fulfillment_channel=FulfillmentChannel.AMAZON),
        ],
        UK,
    )
    assert shown.families == {"SHIRT": ["SHIRT-BLUE (5)", "SHIRT-RED (never)"]}
    assert shown.starting == {"MUG": 3}  # the family's children are in the tree; BOOK is never pushed stock
    assert (shown.merchant, shown.amazon, shown.listings) == (3, 2, 5)


def test_the_demo_draws_each_family_as_a_tree_under_its_parent() -> None:
    shirt = [
        listing("SHIRT", is_parent=True),
        listing("SHIRT-BLUE", quantity=5, parent_sku="SHIRT"),
        listing("SHIRT-RED", quantity=9, parent_sku="SHIRT", fulfillment_channel=FulfillmentChannel.AMAZON),
    ]
    run = CatalogImported(marketplaces=[_marketplace(shirt, UK)], counts={"added": 3}, seconds=1.0)

    with console.capture() as captured:
        print_catalog(run)

    lines = captured.get().splitlines()
    parent = next(i for i, line in enumerate(lines) if line.strip().endswith("SHIRT") and "──" in line)
    children = [line for line in lines[parent + 1 :] if "SHIRT-" in line]
    assert ["SHIRT-BLUE (5)" in children[0], "SHIRT-RED (never)" in children[1]] == [True, True]
    # the children hang one level below the parent
    assert children[0].index("SHIRT-BLUE") > lines[parent].index("SHIRT")
