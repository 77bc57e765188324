"""The SKU map: identity by default, the fan-out as the exact inverse of `merchant_of`, and SkuMapRepository on
moto's in-process DynamoDB (conditional writes, identity never stored, gsi1 lookups, the cached reader's one Query)."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.models.sku_map import SkuMap
from shared.repositories.sku_map import CachedSkuMaps, MapWrite, SkuMapRepository
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws

NOW = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
CONN = "eu-A1B2C3D4E5"


def test_identity_by_default() -> None:
    empty = SkuMap()

    assert empty.merchant_of("MUG") == empty.feeder("MUG") == "MUG"
    assert empty.amazon_skus_for("MUG") == ("MUG",)
    assert not empty.is_mapped("MUG")


def test_one_merchant_sku_feeds_every_amazon_sku_mapped_to_it() -> None:
    mapped = SkuMap({"WIDGET-UK": "WIDGET", "WIDGET-DE": "WIDGET"})

    assert mapped.amazon_skus_for("WIDGET") == ("WIDGET-DE", "WIDGET-UK")
    assert mapped.merchant_of("WIDGET-UK") == mapped.feeder("WIDGET-UK") == "WIDGET"
    # The Amazon SKU WIDGET (if listed) keeps its name but no record reaches it: mapped to itself, it would.
    assert mapped.merchant_of("WIDGET") == "WIDGET" and mapped.feeder("WIDGET") is None


def test_an_explicit_identity_keeps_the_own_name_among_the_mapped_skus() -> None:
    mapped = SkuMap([("WIDGET-UK", "WIDGET"), ("WIDGET", "WIDGET")])

    assert mapped.amazon_skus_for("WIDGET") == ("WIDGET", "WIDGET-UK")
    assert mapped.feeder("WIDGET") == "WIDGET" and mapped.is_mapped("WIDGET")


def test_an_amazon_sku_mapped_elsewhere_no_longer_answers_to_its_own_name() -> None:
    mapped = SkuMap({"OLD-CODE": "NEW-CODE"})

    assert mapped.amazon_skus_for("OLD-CODE") == ()
    assert mapped.amazon_skus_for("NEW-CODE") == ("OLD-CODE",)
    assert mapped.feeder("NEW-CODE") is None


@given(
    st.dictionaries(st.sampled_from("ABCDEFG"), st.sampled_from("ABCDEFGXY"), max_size=7),
)
def test_fan_out_is_the_exact_inverse_of_feeder(mappings: dict[str, str]) -> None:
    mapped = SkuMap(mappings)
    names = set("ABCDEFGXY")

    for merchant in names:
        assert set(mapped.amazon_skus_for(merchant)) == {a for a in names if mapped.feeder(a) == merchant}


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    """moto's DynamoDB, in process; fake credentials only."""
    with in_process_aws():
        yield boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )


@pytest.fixture
def repo(dynamodb: Any) -> SkuMapRepository:
    return SkuMapRepository(create_table(dynamodb, "listings", gsi1=True), dynamodb)


def test_put_is_conditional_and_reports_the_previous_merchant_sku(repo: SkuMapRepository) -> None:
    assert repo.put(CONN, "WIDGET-UK", "WIDGET", NOW) == MapWrite(None, written=True)
    assert repo.put(CONN, "WIDGET-UK", "WIDGET", NOW) == MapWrite("WIDGET", written=False)
    assert repo.put(CONN, "WIDGET-UK", "GADGET", NOW) == MapWrite("WIDGET", written=True)

    stored = repo.get(CONN, "WIDGET-UK")
    assert stored is not None and stored.merchant_sku == "GADGET" and stored.updated_at == NOW


def test_mapping_to_itself_is_stored_as_an_explicit_identity(repo: SkuMapRepository) -> None:
    repo.put(CONN, "MUG-1", "MUG", NOW)

    assert repo.put(CONN, "MUG-1", "MUG-1", NOW) == MapWrite("MUG", written=True)
    assert repo.put(CONN, "MUG-1", "MUG-1", NOW) == MapWrite("MUG-1", written=False)
    assert repo.load(CONN).items() == [("MUG-1", "MUG-1")]


def test_remove_reports_once(repo: SkuMapRepository) -> None:
    repo.put(CONN, "A", "M", NOW)

    assert repo.remove(CONN, "A") == "M"
    assert repo.remove(CONN, "A") is None


def test_load_lookups_and_listing_per_connection(repo: SkuMapRepository) -> None:
    repo.put(CONN, "WIDGET-UK", "WIDGET", NOW)
    repo.put(CONN, "WIDGET-DE", "WIDGET", NOW)
    repo.put(CONN, "Mug ü", "MUG", NOW)
    repo.put("na-OTHER", "WIDGET-US", "WIDGET", NOW)

    loaded = repo.load(CONN)
    assert loaded.items() == [("Mug ü", "MUG"), ("WIDGET-DE", "WIDGET"), ("WIDGET-UK", "WIDGET")]
    assert sorted(repo.amazon_skus_mapped_to(CONN, "WIDGET")) == ["WIDGET-DE", "WIDGET-UK"]
    assert [m.amazon_sku for m in repo.list_mappings(CONN)] == ["Mug ü", "WIDGET-DE", "WIDGET-UK"]
    assert repo.load("na-NOBODY").items() == []


class CountingRepository:
    """SkuMapRepository.load, counted."""

    def __init__(self, repo: SkuMapRepository) -> None:
        self.repo = repo
        self.loads = 0

    def load(self, connection_id: str) -> SkuMap:
        self.loads += 1
        return self.repo.load(connection_id)


def test_cached_reader_queries_once_per_connection_within_its_ttl(repo: SkuMapRepository) -> None:
    repo.put(CONN, "A", "M", NOW)
    counting = CountingRepository(repo)
    clock = [100.0]
    maps = CachedSkuMaps(counting, ttl_seconds=60, monotonic=lambda: clock[0])

    for _ in range(50):
        assert maps.get(CONN).merchant_of("A") == "M"
    repo.put(CONN, "A", "N", NOW)
    assert maps.get(CONN).merchant_of("A") == "M"  # still within the TTL
    clock[0] += 60
    assert maps.get(CONN).merchant_of("A") == "N"
    assert counting.loads == 2
