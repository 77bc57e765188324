"""Two workers (threads with their own limiter instances, as two Lambdas) share one bucket through DynamoDB."""

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from local.aws import LocalAws
from shared.spapi.ratelimit import RateLimit
from shared.spapi.ratelimit_dynamodb import DynamoDbRateLimiter
from tests.dynamodb import atomic_conditional_writes as serialized_writes
from tests.dynamodb import create_table

pytestmark = pytest.mark.integration

RATE, BURST = 10.0, 5
RUN_SECONDS = 1.5


@pytest.fixture(scope="module")
def rate_limits_table(local_aws: LocalAws) -> str:
    """A fresh rate-limits table in the embedded AWS: pk (S), TTL on expires_at."""
    return create_table(local_aws.client("dynamodb"), "rate_limits", sort_key=False, ttl="expires_at")


@pytest.fixture
def atomic_conditional_writes() -> Iterator[None]:
    """Makes moto's UpdateItem atomic, as DynamoDB's conditional writes are.

    moto server answers requests on concurrent threads and evaluates a ConditionExpression and applies the update
    without a lock, so two compare-and-set writes on one version can both land (seen in practice: 2 in ~35). That
    race is moto's, not DynamoDB's; serializing moto's backend update (condition check + write, one method) gives
    the test the guarantee the limiter relies on in AWS. The server runs in this process, so the patch reaches it.
    """
    with serialized_writes("update_item"):
        yield


@pytest.mark.usefixtures("atomic_conditional_writes")
def test_two_concurrent_workers_never_exceed_burst_plus_rate_times_elapsed(
    local_aws: LocalAws, rate_limits_table: str
) -> None:
    # Given two workers, each with its own limiter and DynamoDB client, on one (connection, operation) bucket
    limits = {"op": RateLimit(RATE, BURST)}
    taken: list[float] = []
    versions: list[int] = []
    lock = threading.Lock()
    start = time.time()

    def worker() -> None:
        limiter = DynamoDbRateLimiter(rate_limits_table, local_aws.client("dynamodb"), limits=limits)
        while time.time() - start < RUN_SECONDS:
            limiter.acquire("conn-shared", "op", max_wait=RUN_SECONDS)
            with lock:
                taken.append(time.time())
                versions.append(limiter._known["conn-shared#op"].version)  # type: ignore[union-attr]

    # When both take tokens as fast as they can
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then every take was its own write (one version each: the compare-and-set serialized them), at every moment the
    # tokens taken together fit in the bucket (each recorded just after its write), and the workers got the steady
    # rate, not only the burst
    assert sorted(versions) == list(range(1, len(taken) + 1))
    taken.sort()
    for count, moment in enumerate(taken, start=1):
        assert count <= BURST + RATE * (moment - start) + 1e-6 * count, (count, moment - start)
    assert len(taken) >= BURST + RATE * RUN_SECONDS * 0.6


def test_the_item_has_the_documented_shape(local_aws: LocalAws, rate_limits_table: str) -> None:
    limiter = DynamoDbRateLimiter(rate_limits_table, local_aws.client("dynamodb"))
    limiter.acquire("conn-shape", "getOrder")
    item: dict[str, Any] = local_aws.client("dynamodb").get_item(
        TableName=rate_limits_table, Key={"pk": {"S": "conn-shape#getOrder"}}, ConsistentRead=True
    )["Item"]
    assert set(item) == {"pk", "tokens", "updated_at", "expires_at", "version"}
    assert float(item["tokens"]["N"]) == pytest.approx(29.0)
    assert int(item["expires_at"]["N"]) > time.time()
