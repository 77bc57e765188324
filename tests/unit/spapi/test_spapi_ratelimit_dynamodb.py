"""The DynamoDB-shared limiter on a fake clock, against moto's in-process DynamoDB (no sockets)."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.spapi.errors import OutOfTimeError
from shared.spapi.ratelimit import RateLimit
from shared.spapi.ratelimit_dynamodb import DynamoDbRateLimiter
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws
from tests.unit.spapi.fakes import FakeClock

TABLE = "rate_limits"
LIMITS = {"op": RateLimit(rate=2.0, burst=3)}


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    """moto's DynamoDB, in process, with the table; fake credentials only."""
    with in_process_aws():
        client = boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        create_table(client, TABLE, sort_key=False, ttl="expires_at", unique=False)
        yield client


class CallCounter:
    """Counts the DynamoDB API calls a client makes."""

    def __init__(self, client: Any) -> None:
        self.calls: list[str] = []
        client.meta.events.register("before-call.dynamodb", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)


@pytest.fixture
def owner(request: pytest.FixtureRequest) -> str:
    """A bucket owner unique to the test, so tests sharing the module table do not meet."""
    return request.node.name


def limiter_on(dynamodb: Any, clock: FakeClock, **kwargs: Any) -> DynamoDbRateLimiter:
    """A limiter on the shared table and the fake clock."""
    return DynamoDbRateLimiter(TABLE, dynamodb, clock=clock, sleep=clock.sleep, limits=LIMITS, **kwargs)


def item(dynamodb: Any, key: str) -> dict[str, Any]:
    """The raw bucket item."""
    return dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": key}}, ConsistentRead=True)["Item"]


def test_burst_then_steady_rate_with_one_write_per_token(dynamodb: Any, clock: FakeClock, owner: str) -> None:
    limiter = limiter_on(dynamodb, clock)
    counter = CallCounter(dynamodb)
    for _ in range(3):
        limiter.acquire(owner, "op")
    assert clock.sleeps == []
    for _ in range(3):
        limiter.acquire(owner, "op")
    assert clock.sleeps == pytest.approx([0.5, 0.5, 0.5])
    # An uncontended take is one conditional UpdateItem: no read, and no call while the bucket is known empty
    assert counter.calls == ["UpdateItem"] * 6
    stored = item(dynamodb, f"{owner}#op")
    assert float(stored["tokens"]["N"]) == pytest.approx(0.0, abs=1e-5)
    assert int(stored["expires_at"]["N"]) >= clock.now + 1.5
    assert stored["version"]["N"] == "6"


def test_two_workers_share_one_bucket(dynamodb: Any, clock: FakeClock, owner: str) -> None:
    # Given two limiter instances (two Lambdas) on the same item
    first, second = limiter_on(dynamodb, clock), limiter_on(dynamodb, clock)
    first.acquire(owner, "op")
    first.acquire(owner, "op")
    counter = CallCounter(dynamodb)

    # When the second one, which has never seen the item, takes the last token and then one more
    second.acquire(owner, "op")
    second.acquire(owner, "op")

    # Then its first write lost (the item existed), the returned item taught it the state, and it had to wait
    assert counter.calls == ["UpdateItem"] * 3
    assert clock.sleeps == pytest.approx([0.5])


def test_drain_empties_the_bucket_for_every_worker(dynamodb: Any, clock: FakeClock, owner: str) -> None:
    first, second = limiter_on(dynamodb, clock), limiter_on(dynamodb, clock)
    second.acquire(owner, "op")
    first.drain(owner, "op")
    second.acquire(owner, "op")
    assert clock.sleeps == pytest.approx([0.5])


def test_never_waits_past_max_wait(dynamodb: Any, clock: FakeClock, owner: str) -> None:
    limiter = limiter_on(dynamodb, clock)
    limiter.drain(owner, "op")
    counter = CallCounter(dynamodb)
    with pytest.raises(OutOfTimeError) as caught:
        limiter.acquire(owner, "op", max_wait=0.2)
    assert caught.value.retry_after == pytest.approx(0.5)
    assert (clock.sleeps, counter.calls) == ([], [])


def test_the_time_scale_speeds_up_the_refill(dynamodb: Any, clock: FakeClock, owner: str) -> None:
    limiter = limiter_on(dynamodb, clock, time_scale=5.0)
    for _ in range(4):
        limiter.acquire(owner, "op")
    assert clock.sleeps == pytest.approx([0.1])


def test_wait_seconds_reads_the_bucket_and_writes_nothing(dynamodb: Any, clock: FakeClock, owner: str) -> None:
    limiter = limiter_on(dynamodb, clock)
    counter = CallCounter(dynamodb)
    # A bucket never used (no item) is full
    assert limiter.wait_seconds(owner, "op") == 0.0
    assert counter.calls == ["GetItem"]
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": f"{owner}#op"}})
    for _ in range(3):
        limiter.acquire(owner, "op")
    counter.calls.clear()

    # Another worker sees the emptied bucket through one consistent read, then answers from its memo
    other = limiter_on(dynamodb, clock)
    assert other.wait_seconds(owner, "op") == pytest.approx(0.5, abs=1e-5)
    clock.advance(0.2)
    assert other.wait_seconds(owner, "op") == pytest.approx(0.3, abs=1e-5)
    assert counter.calls == ["GetItem"]

    # Once the token is due, the next take starts from the state read: a single UpdateItem, no wait
    clock.advance(0.3)
    assert other.wait_seconds(owner, "op") == 0.0
    other.acquire(owner, "op")
    assert (clock.sleeps, counter.calls) == ([], ["GetItem", "GetItem", "UpdateItem"])
    assert item(dynamodb, f"{owner}#op")["version"]["N"] == "4"


def test_wait_seconds_follows_the_time_scale(dynamodb: Any, clock: FakeClock, owner: str) -> None:
    limiter = limiter_on(dynamodb, clock, time_scale=5.0)
    limiter.drain(owner, "op")
    assert limiter_on(dynamodb, clock, time_scale=5.0).wait_seconds(owner, "op") == pytest.approx(0.1, abs=1e-5)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.integers(min_value=0, max_value=2), st.floats(min_value=0.0, max_value=1.0), st.booleans()),
        min_size=1,
        max_size=25,
    ),
)
def test_workers_interleaved_in_any_order_stay_within_the_limit(
    dynamodb: Any, steps: list[tuple[int, float, bool]]
) -> None:
    # Given three limiter instances on one fake clock and one shared item
    clock = FakeClock()
    owner = f"prop-{id(steps)}-{clock.now}"
    dynamodb.delete_item(TableName=TABLE, Key={"pk": {"S": f"{owner}#op"}})
    workers = [limiter_on(dynamodb, clock) for _ in range(3)]
    start, taken = clock.now, 0
    for worker, pause, bounded in steps:
        clock.advance(pause)
        try:
            workers[worker].acquire(owner, "op", max_wait=0.0 if bounded else None)
        except OutOfTimeError:
            continue
        taken += 1
        # Then the tokens taken by all workers together fit in burst + rate * elapsed
        assert taken <= 3 + 2.0 * (clock.now - start) + 1e-5 * taken
