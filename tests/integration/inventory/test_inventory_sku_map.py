"""The SKU map through the real input handler (its runtime reading the map from the listings table) to Amazon: a
merchant SKU's record reaches every Amazon SKU mapped to it in every marketplace; a record under the name of an
Amazon SKU mapped elsewhere reaches nothing."""

from datetime import UTC, datetime

import pytest

from shared.env import Env
from shared.repositories.sku_map import SkuMapRepository
from tests.dynamodb import create_table
from tests.integration.inventory.conftest import DE, UK, World, clear_handler_caches


def test_a_merchant_sku_reaches_every_amazon_sku_mapped_to_it(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    dynamodb = world.aws.client("dynamodb")
    table = create_table(dynamodb, "listings", gsi1=True)
    monkeypatch.setenv(Env.LISTINGS_TABLE, table)
    clear_handler_caches()  # the next invocation builds its runtime with the listings table
    first, second = world.skus()[:2]
    sku_map = SkuMapRepository(table, dynamodb)
    now = datetime.now(UTC)
    sku_map.put(world.connection_id, first, "ERP-42", now)
    sku_map.put(world.connection_id, second, "ERP-42", now)

    # Given: the merchant's system sends its own SKU, and (stale) a zero under the first Amazon SKU's own name.
    report = world.send(world.record("ERP-42", 6), world.record(first, 0))
    world.pump()

    assert report == {"batchItemFailures": []}
    for marketplace_id in (UK, DE):
        assert world.listing(first, marketplace_id).quantity == 6
        assert world.listing(second, marketplace_id).quantity == 6
    assert world.state("ERP-42") is None  # no Amazon SKU of that name: nothing kept or sent under it
    first_state = world.state(first)
    assert first_state is not None and first_state.source.available == 6
