"""OrderCursorRepository against the embedded AWS: the connection's lease and the cursor saved under it."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.aws import LocalAws
from shared.repositories.order_cursor import (
    InvalidStoredCursorError,
    LeaseLostError,
    OrderCursorRepository,
    OrdersCursor,
)
from tests.dynamodb import create_table

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 24, 10, tzinfo=UTC)
LEASE = timedelta(minutes=16)
WINDOW = OrdersCursor(
    watermark=T0 - timedelta(hours=1),
    window_after=T0 - timedelta(hours=1, minutes=5),
    window_before=T0 - timedelta(minutes=2),
    next_token="token-1",
    window_started_at=T0,
    pages=3,
)


@pytest.fixture(scope="module")
def table(local_aws: LocalAws) -> str:
    """A fresh connections table (the cursor lives beside the connection's other items)."""
    return create_table(local_aws.client("dynamodb"), "connections", gsi1=True)


@pytest.fixture
def repo(local_aws: LocalAws, table: str) -> OrderCursorRepository:
    return OrderCursorRepository(table, local_aws.client("dynamodb"))


@pytest.fixture
def cid() -> str:
    return f"eu-a{uuid.uuid4().hex[:10]}"


def raw(local_aws: LocalAws, table: str, cid: str) -> dict[str, Any]:
    key = {"pk": {"S": f"CONN#{cid}"}, "sk": {"S": "CURSOR#orders"}}
    return dict(local_aws.client("dynamodb").get_item(TableName=table, Key=key).get("Item", {}))


def test_the_first_lease_creates_the_item_with_an_empty_cursor(
    repo: OrderCursorRepository, local_aws: LocalAws, table: str, cid: str
) -> None:
    assert repo.get(cid) is None

    assert repo.acquire(cid, "run-a", T0 + LEASE, T0) == OrdersCursor()

    assert raw(local_aws, table, cid) == {
        "pk": {"S": f"CONN#{cid}"},
        "sk": {"S": "CURSOR#orders"},
        "connection_id": {"S": cid},
        "lease_owner": {"S": "run-a"},
        "lease_until": {"S": (T0 + LEASE).isoformat()},
    }
    assert repo.get(cid) == OrdersCursor()


def test_a_held_lease_refuses_another_run_but_not_its_owner(repo: OrderCursorRepository, cid: str) -> None:
    repo.acquire(cid, "run-a", T0 + LEASE, T0)

    assert repo.acquire(cid, "run-b", T0 + timedelta(minutes=1) + LEASE, T0 + timedelta(minutes=1)) is None
    assert repo.acquire(cid, "run-b", T0 + LEASE * 2, T0 + LEASE) is None  # lease_until itself is still held
    assert repo.acquire(cid, "run-a", T0 + LEASE, T0 + timedelta(minutes=1)) == OrdersCursor()


@pytest.mark.parametrize(
    ("now", "taken"),
    [
        (T0 + LEASE - timedelta(microseconds=1), False),
        (T0 + LEASE + timedelta(microseconds=500_000), True),
        (T0 + LEASE + timedelta(seconds=1), True),
    ],
    ids=["a-microsecond-before", "half-a-second-after", "a-second-after"],
)
def test_an_expired_lease_is_taken_over(repo: OrderCursorRepository, cid: str, now: datetime, taken: bool) -> None:
    # Timestamps are compared as ISO strings: with and without microseconds, the order must still be time order
    repo.acquire(cid, "crashed", T0 + LEASE, T0)

    assert (repo.acquire(cid, "run-b", now + LEASE, now) is not None) is taken


def test_a_stolen_lease_stops_the_old_run_from_saving_or_releasing(repo: OrderCursorRepository, cid: str) -> None:
    repo.acquire(cid, "slow", T0 + LEASE, T0)
    later = T0 + LEASE + timedelta(seconds=1)
    repo.acquire(cid, "new", later + LEASE, later)

    with pytest.raises(LeaseLostError, match=cid):
        repo.save(cid, "slow", WINDOW)
    repo.release(cid, "slow")

    assert repo.get(cid) == OrdersCursor()
    assert repo.acquire(cid, "third", later + LEASE, later) is None  # still "new"'s


def test_saving_needs_the_lease(repo: OrderCursorRepository, cid: str) -> None:
    with pytest.raises(LeaseLostError):
        repo.save(cid, "nobody", WINDOW)
    assert repo.get(cid) is None  # no item was created by the refused save


def test_the_cursor_saved_under_the_lease_reads_back_and_comes_with_the_next_lease(
    repo: OrderCursorRepository, local_aws: LocalAws, table: str, cid: str
) -> None:
    repo.acquire(cid, "run-a", T0 + LEASE, T0)

    repo.save(cid, "run-a", WINDOW)

    assert repo.get(cid) == WINDOW
    item = raw(local_aws, table, cid)
    assert item["next_token"] == {"S": "token-1"} and item["pages"] == {"N": "3"}
    assert datetime.fromisoformat(item["window_before"]["S"]) == T0 - timedelta(minutes=2)
    repo.release(cid, "run-a")
    assert repo.acquire(cid, "run-b", T0 + LEASE, T0) == WINDOW


def test_closing_a_window_removes_its_fields(
    repo: OrderCursorRepository, local_aws: LocalAws, table: str, cid: str
) -> None:
    repo.acquire(cid, "run-a", T0 + LEASE, T0)
    repo.save(cid, "run-a", WINDOW)

    closed = OrdersCursor(watermark=T0 - timedelta(minutes=2))
    repo.save(cid, "run-a", closed)

    assert repo.get(cid) == closed
    item = raw(local_aws, table, cid)
    assert not {"window_after", "window_before", "next_token", "window_started_at"} & set(item)
    assert item["lease_owner"] == {"S": "run-a"}  # saving keeps the lease


def test_release_frees_the_lease_for_the_next_run(
    repo: OrderCursorRepository, local_aws: LocalAws, table: str, cid: str
) -> None:
    repo.acquire(cid, "run-a", T0 + LEASE, T0)
    repo.release(cid, "run-b")  # not the owner: nothing happens
    assert repo.acquire(cid, "run-b", T0 + LEASE, T0) is None

    repo.release(cid, "run-a")

    assert not {"lease_owner", "lease_until"} & set(raw(local_aws, table, cid))
    assert repo.acquire(cid, "run-b", T0 + LEASE, T0) == OrdersCursor()
    repo.release(f"eu-a{uuid.uuid4().hex[:10]}", "run-a")  # no item at all: harmless


def test_the_last_save_gives_the_lease_back_in_the_same_write(
    repo: OrderCursorRepository, local_aws: LocalAws, table: str, cid: str
) -> None:
    repo.acquire(cid, "run-a", T0 + LEASE, T0)
    repo.save(cid, "run-a", WINDOW)

    closed = OrdersCursor(watermark=T0 - timedelta(minutes=2))
    repo.save_and_release(cid, "run-a", closed)

    assert repo.get(cid) == closed
    item = raw(local_aws, table, cid)
    assert not {"window_after", "next_token", "lease_owner", "lease_until"} & set(item)
    repo.release(cid, "run-a")  # the claim's release: nothing left to do
    assert repo.acquire(cid, "run-b", T0 + LEASE, T0) == closed


def test_a_run_that_lost_its_lease_cannot_move_the_watermark_or_free_the_new_lease(
    repo: OrderCursorRepository, cid: str
) -> None:
    repo.acquire(cid, "slow", T0 + LEASE, T0)
    repo.save(cid, "slow", WINDOW)
    later = T0 + LEASE + timedelta(seconds=1)
    repo.acquire(cid, "new", later + LEASE, later)

    with pytest.raises(LeaseLostError, match=cid):
        repo.save_and_release(cid, "slow", OrdersCursor(watermark=T0))
    repo.release(cid, "slow")  # the claim's release after the failure: still conditional, still harmless

    assert repo.get(cid) == WINDOW
    assert repo.acquire(cid, "third", later + LEASE, later) is None  # still "new"'s


def test_a_cursor_edited_into_an_invalid_state_is_a_clear_error(
    repo: OrderCursorRepository, local_aws: LocalAws, table: str, cid: str
) -> None:
    item = {
        "pk": {"S": f"CONN#{cid}"},
        "sk": {"S": "CURSOR#orders"},
        "watermark": {"S": "yesterday"},
        "pages": {"N": "2"},
    }
    local_aws.client("dynamodb").put_item(TableName=table, Item=item)

    with pytest.raises(InvalidStoredCursorError, match="watermark") as caught:
        repo.get(cid)
    assert caught.value.connection_id == cid
    with pytest.raises(InvalidStoredCursorError):
        repo.acquire(cid, "run-a", T0 + LEASE, T0)
