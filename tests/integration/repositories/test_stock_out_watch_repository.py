"""StockOutWatchRepository against the embedded AWS: the stock-out log by minute and the repairs per feed, beside a
feed's own items."""

from datetime import UTC, datetime, timedelta

import pytest

from local.aws import LocalAws
from shared.models.inventory import Change, OfferValues
from shared.repositories.feeds import FeedRecord, FeedsRepository
from shared.repositories.stock_out_watch import StockOutWatchRepository
from tests.dynamodb import create_table

pytestmark = pytest.mark.integration

T0 = datetime(2026, 12, 7, 7, 0, 30, tzinfo=UTC)
UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"


@pytest.fixture
def table(local_aws: LocalAws) -> str:
    return create_table(local_aws.client("dynamodb"), "feeds", gsi1=True)


@pytest.fixture
def repo(local_aws: LocalAws, table: str) -> StockOutWatchRepository:
    return StockOutWatchRepository(table, local_aws.client("dynamodb"))


def test_the_log_answers_the_stock_outs_of_the_minutes_asked_for_in_one_connection_and_marketplace(
    repo: StockOutWatchRepository,
) -> None:
    repo.add_stock_outs("conn-1", UK, T0 - timedelta(minutes=20), ["OLD"])
    repo.add_stock_outs("conn-1", UK, T0, ["A", "B"])
    repo.add_stock_outs("conn-1", UK, T0 + timedelta(seconds=10), ["B", "C"])  # same minute: the set grows
    repo.add_stock_outs("conn-1", UK, T0 + timedelta(minutes=3), ["D"])
    repo.add_stock_outs("conn-1", DE, T0, ["DE-ONLY"])
    repo.add_stock_outs("conn-2", UK, T0, ["OTHER-CONNECTION"])
    repo.add_stock_outs("conn-1", UK, T0, [])  # nothing written
    found = repo.stock_outs_between("conn-1", UK, T0 - timedelta(minutes=1), T0 + timedelta(minutes=5))
    assert found == {"A", "B", "C", "D"}
    assert repo.stock_outs_between("conn-1", UK, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)) == set()


def test_repairs_are_marked_once_per_feed_and_leave_the_feed_readable(
    local_aws: LocalAws, table: str, repo: StockOutWatchRepository
) -> None:
    feeds = FeedsRepository(table, local_aws.client("dynamodb"))
    change = Change(sku="A", rev=1, values=OfferValues(quantity=3, handling_days=2))
    feeds.put_submitted(FeedRecord("feed-1", "conn-1", UK, "SUBMITTED", T0, message_count=1), [change])
    assert repo.get_repaired("feed-1") == frozenset()
    repo.mark_repaired("feed-1", ["A#2"])
    repo.mark_repaired("feed-1", ["A#2", "B#5"])  # a duplicated check marks again: no duplicate entry
    assert repo.get_repaired("feed-1") == {"A#2", "B#5"}
    assert repo.get_repaired("feed-2") == frozenset()
    stored = feeds.get("feed-1")
    assert stored is not None and stored[1] == [change]  # FeedsRepository.get ignores the REPAIRED item
