"""The input path reads the stored catalog for its records' SKUs: an Amazon-fulfilled offer listed after the last
reconciliation is held from the merchant's first record; ListingsRepository.get_many on moto's in-process DynamoDB
(the batch's keys in BatchGetItems of 100, absent keys left out); without a catalog, as before."""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from shared.inventory.input import InputDeps, apply_records
from shared.inventory.listing_lookup import listings_of
from shared.inventory.seed import ListingFacts
from shared.models.listings import FulfillmentChannel, Listing, ListingStatus
from shared.repositories.listings import ListingsRepository
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws
from tests.unit.inventory.test_sku_fanout import UK, Buckets, Connections, Sink, record

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
DE = "A1PA6795UKMFR9"
CID = "eu-a1"


def listing(sku: str, marketplace_id: str = UK, **extra: Any) -> Listing:
    fields: dict[str, Any] = {"status": ListingStatus.BUYABLE, "first_seen": AT, "last_changed": AT} | extra
    return Listing(connection_id=CID, marketplace_id=marketplace_id, sku=sku, **fields)


FBA: dict[str, Any] = {"fulfillment_channel": FulfillmentChannel.AMAZON, "quantity": 5}


class Catalog:
    """ListingKeys in memory, counting the look-ups."""

    def __init__(self, listings: Iterable[Listing]) -> None:
        self.by_key = {(item.marketplace_id, item.sku): item for item in listings}
        self.asked: list[list[tuple[str, str]]] = []

    def get_many(self, connection_id: str, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Listing]:
        wanted = list(keys)
        self.asked.append(wanted)
        return {key: self.by_key[key] for key in wanted if key in self.by_key}


def run(records: list[Any], catalog: Catalog | None) -> Sink:
    sink = Sink()
    deps = InputDeps(Connections(), Buckets(), sink, sink, lambda: AT, sink, "bus", catalog=catalog)  # type: ignore[arg-type]
    apply_records(records, deps)
    return sink


def test_a_first_record_of_an_amazon_fulfilled_sku_sends_nothing_when_the_catalog_is_read() -> None:
    catalog = Catalog([listing("FBA-MUG", **FBA), listing("MFN-MUG", quantity=2)])

    sent = run([record("FBA-MUG", 7), record("MFN-MUG", 3)], catalog)

    assert [(c.sku, c.values.quantity) for c in sent.sent] == [("MFN-MUG", 3)]
    # One look-up for the message: both SKUs in the connection's marketplace.
    assert catalog.asked == [[(UK, "FBA-MUG"), (UK, "MFN-MUG")]]


def test_without_the_catalog_the_first_record_is_sent_as_before() -> None:
    sent = run([record("FBA-MUG", 7)], None)

    assert [(c.sku, c.values.quantity) for c in sent.sent] == [("FBA-MUG", 7)]


def test_a_sku_without_a_stored_listing_is_sent() -> None:
    sent = run([record("NEW", 4)], Catalog([]))

    assert [(c.sku, c.values.quantity) for c in sent.sent] == [("NEW", 4)]


def test_the_facts_per_sku_leave_out_parents_and_other_skus() -> None:
    catalog = Catalog([listing("P", is_parent=True), listing("C", DE, **FBA), listing("OTHER", **FBA)])

    facts = listings_of(catalog, CID, ["C", "P", "C"], [UK, DE])

    assert facts == {"C": {DE: ListingFacts(amazon_fulfilled=True)}, "P": {}}
    assert set(catalog.asked[0]) == {(DE, "C"), (DE, "P"), (UK, "C"), (UK, "P")}


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with in_process_aws():
        yield boto3.client("dynamodb", region_name="eu-west-1")


def test_get_many_reads_the_stored_listings_in_batches_of_100(dynamodb: Any) -> None:
    repository = ListingsRepository(create_table(dynamodb, "listings", gsi1=True), dynamodb)
    for n in range(150):
        repository.put_if_changed(listing(f"SKU-{n:03}", quantity=n))
    repository.put_if_changed(listing("SKU-000", DE, **FBA))
    calls: list[int] = []
    original = dynamodb.batch_get_item

    def counted(**kwargs: Any) -> Any:
        calls.append(sum(len(request["Keys"]) for request in kwargs["RequestItems"].values()))
        return original(**kwargs)

    dynamodb.batch_get_item = counted
    keys = [(UK, f"SKU-{n:03}") for n in range(0, 200, 2)] + [(DE, "SKU-000"), (DE, "SKU-001"), (UK, "SKU-000")]

    found = repository.get_many(CID, keys)

    assert calls == [100, 2]  # 102 distinct keys
    assert set(found) == {(UK, f"SKU-{n:03}") for n in range(0, 150, 2)} | {(DE, "SKU-000")}
    assert found[(UK, "SKU-004")].quantity == 4
    assert found[(DE, "SKU-000")].fulfillment_channel is FulfillmentChannel.AMAZON
    assert repository.get_many(CID, []) == {}
