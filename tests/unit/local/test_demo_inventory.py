"""The demo's inventory step: which listings it picks, what it sends and how it judges what Amazon holds."""

from datetime import UTC, datetime
from decimal import Decimal

from local.demo_inventory import BUFFER, MINIMUM_PRICE, _holds, demo_records, demo_settings, pick_listings
from local.sandbox.inspector import ListingRow
from shared.inventory.rules import plan_for
from shared.models.inventory import InventoryRecord, OfferValues, SourceValue
from shared.models.settings import ConnectionSettings

UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"


def _listing(sku: str, marketplace_id: str, **fields: object) -> ListingRow:
    row = {
        "sku": sku,
        "asin": "B000000001",
        "marketplace_id": marketplace_id,
        "parent_sku": None,
        "is_parent": False,
        "fulfillment_channel": "DEFAULT",
        "quantity": 5,
        "handling_days": 2,
        "price": "10.00",
        "minimum_price": "8.00",
        "currency": "GBP" if marketplace_id == UK else "EUR",
    }
    return ListingRow.model_validate(row | fields)


def test_picks_merchant_fulfilled_children_listed_in_every_marketplace() -> None:
    listings = [
        *(_listing(sku, mp) for sku in ("D", "C", "B", "A") for mp in (UK, DE)),
        _listing("UK-ONLY", UK),
        *(_listing("FBA", mp, fulfillment_channel="AMAZON_EU") for mp in (UK, DE)),
        *(_listing("PARENT", mp, is_parent=True) for mp in (UK, DE)),
        *(_listing("E", mp) for mp in (UK, DE)),
    ]
    assert pick_listings(listings, [UK, DE]) == ["A", "B", "C", "D"]
    assert pick_listings(listings, [UK]) == ["A", "B", "C", "D"]


def test_the_records_are_valid_and_the_rules_give_the_demo_its_four_cases() -> None:
    settings = demo_settings(ConnectionSettings())
    details = demo_records("eu-1", ["PLENTY", "FEW", "NONE", "CHEAP"], "GBP", Decimal("17.16"))
    records = [InventoryRecord.model_validate(d) for d in details]
    now = datetime.now(UTC)

    def planned(record: InventoryRecord, marketplace_id: str) -> OfferValues:
        source = SourceValue(
            available=record.available,
            as_of=record.as_of,
            received_at=now,
            price=record.price,
            currency=record.currency,
            handling_days=record.handling_days,
        )
        return plan_for(source, settings, marketplace_id, record.sku, None).values

    plenty, few, none, cheap = records
    assert planned(plenty, UK) == OfferValues(
        quantity=40, handling_days=1, price=Decimal("17.16"), minimum_price=MINIMUM_PRICE, currency="GBP"
    )
    assert planned(plenty, DE) == OfferValues(quantity=40, handling_days=1)
    assert few.available < BUFFER and planned(few, UK).quantity == planned(few, DE).quantity == 0
    assert planned(none, UK).quantity == planned(none, DE).quantity == 0
    assert planned(cheap, UK).quantity == 0 and planned(cheap, DE).quantity == 15


def test_amazon_holds_the_values_only_when_every_sent_field_matches() -> None:
    priced = OfferValues(
        quantity=4, handling_days=2, price=Decimal("10.00"), minimum_price=Decimal("8.00"), currency="GBP"
    )
    assert _holds(priced, _listing("A", UK, quantity=4))
    assert not _holds(priced, _listing("A", UK, quantity=5))
    assert not _holds(priced, _listing("A", UK, quantity=4, price="10.50"))
    assert not _holds(priced, _listing("A", UK, quantity=4, minimum_price="7.00"))
    assert not _holds(priced, None)
    unpriced = OfferValues(quantity=4, handling_days=2)
    assert _holds(unpriced, _listing("A", DE, quantity=4, price="99.00"))
    assert not _holds(unpriced, _listing("A", DE, quantity=4, handling_days=3))
