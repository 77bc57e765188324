"""shared/repositories/items.py `batch_get`: unprocessed keys are asked for again after an exponential, jittered and
capped backoff, a bounded number of times, then a clear error; the inventory repository reads its buckets with it."""

from typing import Any

import pytest

from shared.repositories.inventory import InventoryRepository
from shared.repositories.items import Backoff, UnprocessedKeysError, batch_get

TABLE = "inventory"


def _key(n: int) -> dict[str, Any]:
    return {"pk": {"S": "CONN#eu-seller"}, "sk": {"S": f"BUCKET#{n:04d}"}}


class ThrottledDynamoDb:
    """A BatchGetItem that answers one key per call and leaves the rest unprocessed (never more than `limit` calls:
    a loop without a bound fails the test instead of hanging it)."""

    def __init__(self, *, processes: bool = True, limit: int = 50) -> None:
        self.calls: list[int] = []
        self._processes, self._limit = processes, limit

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803  (boto3's name)
        keys = RequestItems[TABLE]["Keys"]
        self.calls.append(len(keys))
        assert len(self.calls) <= self._limit, "BatchGetItem retried without bound"
        done, rest = (keys[:1], keys[1:]) if self._processes else ([], keys)
        answer: dict[str, Any] = {"Responses": {TABLE: list(done)}}
        if rest:
            answer["UnprocessedKeys"] = {TABLE: {**RequestItems[TABLE], "Keys": rest}}
        return answer


def _request(count: int) -> dict[str, Any]:
    return {TABLE: {"Keys": [_key(n) for n in range(count)], "ConsistentRead": True}}


def test_unprocessed_keys_are_retried_after_growing_jittered_capped_waits() -> None:
    client, slept = ThrottledDynamoDb(), list[float]()
    backoff = Backoff(attempts=6, base_seconds=0.1, cap_seconds=0.5)

    # The upper bound stands in for the jitter, so the waits show the exponential growth and the cap.
    found = batch_get(client, _request(5), backoff=backoff, sleep=slept.append, uniform=lambda low, high: high)  # type: ignore[arg-type]

    assert found == {TABLE: [_key(n) for n in range(5)]}
    assert client.calls == [5, 4, 3, 2, 1]
    assert slept == pytest.approx([0.1, 0.2, 0.4, 0.5])


def test_the_wait_is_drawn_between_zero_and_the_bound() -> None:
    bounds: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        bounds.append((low, high))
        return high / 2

    assert Backoff(base_seconds=0.05, cap_seconds=2.0).delay(3, uniform) == pytest.approx(0.2)
    assert bounds == [(0.0, pytest.approx(0.4))]


def test_keys_still_unprocessed_after_the_last_attempt_raise_a_clear_error() -> None:
    client, slept = ThrottledDynamoDb(processes=False), list[float]()

    with pytest.raises(UnprocessedKeysError, match=r"unprocessed keys in \['inventory'\] after 4 attempts"):
        batch_get(client, _request(3), backoff=Backoff(attempts=4), sleep=slept.append)  # type: ignore[arg-type]

    assert len(client.calls) == 4 and len(slept) == 3
    assert all(0 <= wait <= Backoff().cap_seconds for wait in slept)


def test_the_inventory_repository_backs_off_and_gives_up_instead_of_spinning() -> None:
    client, slept = ThrottledDynamoDb(processes=False), list[float]()
    repository = InventoryRepository(TABLE, client, sleep=slept.append)  # type: ignore[arg-type]

    with pytest.raises(UnprocessedKeysError):
        repository.get_buckets("eu-seller", [1, 2, 3])

    assert len(client.calls) == Backoff().attempts
    assert len(slept) == Backoff().attempts - 1 and sum(slept) > 0
