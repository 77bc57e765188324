"""ListingsRepository on moto's in-process DynamoDB: one conditional write per listing, removal, families, state."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.models.listings import CatalogSyncState, Listing, ListingStatus, issue
from shared.repositories.listings import (
    Added,
    Changed,
    ConcurrentCatalogStateError,
    ListingsRepository,
    Unchanged,
    listings_pk,
)
from tests.dynamodb import create_table

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    """moto's DynamoDB, in process; fake credentials only."""
    with mock_aws():
        yield boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )


@pytest.fixture
def table(dynamodb: Any) -> str:
    """A fresh listings table (pk/sk and gsi1, as infra lays the generic tables out)."""
    return create_table(dynamodb, "listings", gsi1=True)


class CountingClient:
    """The real client, counting the write calls it passes on."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.writes: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name in {"put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"}:
            self.writes.append(name)
        return attribute


@pytest.fixture
def client(dynamodb: Any) -> CountingClient:
    return CountingClient(dynamodb)


@pytest.fixture
def repo(client: CountingClient, table: str) -> ListingsRepository:
    return ListingsRepository(table, client)  # type: ignore[arg-type]


def listing(sku: str = "Mug-Blue", at: datetime = T0, **fields: Any) -> Listing:
    values: dict[str, Any] = {
        "connection_id": "c1",
        "marketplace_id": UK,
        "sku": sku,
        "asin": "B000000001",
        "title": "Blue mug ☕",
        "status": ListingStatus.BUYABLE,
        "quantity": 5,
        "price": Decimal("9.90"),
        "currency": "GBP",
        "handling_days": 2,
        "issues": [issue("90220", "WARNING", "missing bullet point")],
        "first_seen": at,
        "last_changed": at,
    }
    return Listing.model_validate(values | fields)


def test_a_new_listing_is_added_and_reads_back_equal(repo: ListingsRepository, client: CountingClient) -> None:
    result = repo.put_if_changed(listing())

    assert result == Added(listing())
    assert repo.get("c1", UK, "Mug-Blue") == listing()
    assert client.writes == ["update_item"]


def test_the_same_data_again_is_refused_by_the_condition_and_writes_nothing(
    repo: ListingsRepository, client: CountingClient, dynamodb: Any, table: str
) -> None:
    repo.put_if_changed(listing())
    before = dynamodb.get_item(TableName=table, Key={"pk": {"S": listings_pk("c1", UK)}, "sk": {"S": "SKU#Mug-Blue"}})

    later = listing(at=T0 + timedelta(hours=1), price=Decimal("9.9"))
    result = repo.put_if_changed(later)

    assert result == Unchanged(listing())
    after = dynamodb.get_item(TableName=table, Key={"pk": {"S": listings_pk("c1", UK)}, "sk": {"S": "SKU#Mug-Blue"}})
    assert after["Item"] == before["Item"]  # last_changed still the first time: the write did not happen
    assert client.writes == ["update_item", "update_item"]  # one attempt each, no second write after the refusal


def test_an_item_without_its_hash_is_rewritten(repo: ListingsRepository, dynamodb: Any, table: str) -> None:
    repo.put_if_changed(listing())
    key = {"pk": {"S": listings_pk("c1", UK)}, "sk": {"S": "SKU#Mug-Blue"}}
    dynamodb.update_item(TableName=table, Key=key, UpdateExpression="REMOVE content_hash")

    assert repo.put_if_changed(listing()) == Changed(listing(), listing())
    assert isinstance(repo.put_if_changed(listing()), Unchanged)


def test_a_change_returns_the_previous_listing_and_keeps_first_seen(repo: ListingsRepository) -> None:
    repo.put_if_changed(listing())
    later = T0 + timedelta(days=1)

    result = repo.put_if_changed(listing(at=later, quantity=0, status=ListingStatus.INACTIVE))

    expected = listing(at=later, quantity=0, status=ListingStatus.INACTIVE).model_copy(update={"first_seen": T0})
    assert result == Changed(expected, listing())
    stored = repo.get("c1", UK, "Mug-Blue")
    assert stored == expected
    assert stored is not None and stored.first_seen == T0 and stored.last_changed == later


def test_cleared_fields_are_removed_from_the_item(repo: ListingsRepository, dynamodb: Any, table: str) -> None:
    repo.put_if_changed(listing())
    result = repo.put_if_changed(listing(handling_days=None, issues=[], title=None))

    assert isinstance(result, Changed)
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": listings_pk("c1", UK)}, "sk": {"S": "SKU#Mug-Blue"}})
    assert {"handling_days", "title"}.isdisjoint(item["Item"])
    assert repo.get("c1", UK, "Mug-Blue") == listing(handling_days=None, issues=[], title=None)


def test_skus_are_case_sensitive_and_keep_their_characters(repo: ListingsRepository) -> None:
    for sku in ("mug-blue", "Mug-Blue", "Zäh-Ł℃ #1"):
        assert isinstance(repo.put_if_changed(listing(sku)), Added)

    assert sorted(repo.skus("c1", UK)) == sorted(["mug-blue", "Mug-Blue", "Zäh-Ł℃ #1"])
    stored = repo.get("c1", UK, "Zäh-Ł℃ #1")
    assert stored is not None and stored.sku == "Zäh-Ł℃ #1"
    assert repo.get("c1", UK, "MUG-BLUE") is None


def test_marketplaces_and_connections_are_separate_catalogs(repo: ListingsRepository) -> None:
    repo.put_if_changed(listing("A"))
    repo.put_if_changed(listing("B", marketplace_id=DE, currency="EUR"))
    repo.put_if_changed(listing("C", connection_id="c2"))

    assert list(repo.skus("c1", UK)) == ["A"]
    assert list(repo.skus("c1", DE)) == ["B"]
    assert [x.sku for x in repo.list("c2", UK)] == ["C"]


def test_remove_returns_the_stored_listing_once(repo: ListingsRepository) -> None:
    repo.put_if_changed(listing())

    assert repo.remove("c1", UK, "Mug-Blue") == listing()
    assert repo.remove("c1", UK, "Mug-Blue") is None
    assert repo.get("c1", UK, "Mug-Blue") is None
    assert isinstance(repo.put_if_changed(listing()), Added)


def test_families_are_listed_by_their_parent(repo: ListingsRepository) -> None:
    parent = listing("Mug", is_parent=True, quantity=None, price=None, currency=None, variation_theme="COLOR")
    repo.put_if_changed(parent)
    for sku in ("Mug-Red", "Mug-Blue"):
        repo.put_if_changed(listing(sku, parent_sku="Mug", variation_theme="COLOR"))
    repo.put_if_changed(listing("Plate"))
    repo.put_if_changed(listing("Mug-Other-Market", marketplace_id=DE, currency="EUR", parent_sku="Mug"))

    assert [x.sku for x in repo.list("c1", UK, family="Mug")] == ["Mug-Blue", "Mug-Red"]
    assert list(repo.list("c1", UK, family="Plate")) == []

    repo.put_if_changed(listing("Mug-Red"))  # left the family
    assert [x.sku for x in repo.list("c1", UK, family="Mug")] == ["Mug-Blue"]


def test_list_filters_by_status_and_stops_at_the_limit(repo: ListingsRepository) -> None:
    for n in range(6):
        repo.put_if_changed(listing(f"S{n}", status=ListingStatus.INACTIVE if n % 2 else ListingStatus.BUYABLE))
    repo.save_sync_state(CatalogSyncState(connection_id="c1", marketplace_id=UK))

    assert [x.sku for x in repo.list("c1", UK)] == [f"S{n}" for n in range(6)]  # the STATE item is not a listing
    assert [x.sku for x in repo.list("c1", UK, status=ListingStatus.INACTIVE)] == ["S1", "S3", "S5"]
    assert [x.sku for x in repo.list("c1", UK, status=ListingStatus.BUYABLE, limit=2)] == ["S0", "S2"]
    assert list(repo.list("c1", UK, limit=0)) == []


def test_skus_page_through_a_catalog_larger_than_a_query_page(repo: ListingsRepository) -> None:
    # ~3 KB items: 400 of them exceed one 1 MB query page.
    skus = {f"SKU-{n:04d}" for n in range(400)}
    for sku in skus:
        repo.put_if_changed(listing(sku, issues=[issue("C", "WARNING", "w" * 1000)] * 3))

    assert set(repo.skus("c1", UK)) == skus
    assert sum(1 for _ in repo.list("c1", UK)) == 400


def test_sync_state_is_written_over_the_version_it_was_read_at(repo: ListingsRepository) -> None:
    fresh = repo.sync_state("c1", UK)
    assert fresh == CatalogSyncState(connection_id="c1", marketplace_id=UK)

    first = repo.save_sync_state(fresh.model_copy(update={"last_report_at": T0, "counts": {"added": 3}}))
    assert first.version == 1
    assert repo.sync_state("c1", UK) == first

    repo.save_sync_state(first.model_copy(update={"last_delta_at": T0 + timedelta(hours=1)}))
    with pytest.raises(ConcurrentCatalogStateError):
        repo.save_sync_state(first.model_copy(update={"last_delta_at": T0}))  # a stale copy
    with pytest.raises(ConcurrentCatalogStateError):
        repo.save_sync_state(fresh)  # a second first write
    stored = repo.sync_state("c1", UK)
    assert stored.version == 2 and stored.last_delta_at == T0 + timedelta(hours=1) and stored.counts == {"added": 3}
