"""The demo's catalog step: each family as its tree with the children's starting quantities."""

from datetime import UTC, datetime
from typing import Any

from local.demo_catalog import _marketplace
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
