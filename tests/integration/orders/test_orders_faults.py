"""Amazon misbehaving: 429 storms and 500s, a revocation mid-run, a Lambda running out of time mid-window."""

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from shared.env import Env
from shared.models.connection import ConnectionStatus
from shared.repositories.orders import OrdersRepository
from shared.spapi.ratelimit_dynamodb import DynamoDbRateLimiter
from tests.integration.orders.conftest import World, clear_handler_caches

pytestmark = pytest.mark.integration


def _imported(world: World) -> Counter[str]:
    return Counter(order_id for kind, order_id in world.event_counts().elements() if kind == "OrderImported")


def _add_orders(world: World, count: int) -> None:
    for _ in range(count):
        world.inspector.add_order(world.seller.selling_partner_id, status="UNSHIPPED")
    world.advance(180)


@pytest.fixture
def fast_buckets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our shared buckets refill 200x faster, so a drained searchOrders bucket (180 s a token) costs ~1 s here."""
    monkeypatch.setenv(Env.SPAPI_TIME_SCALE, "200")


@pytest.mark.usefixtures("fast_buckets")
def test_a_storm_of_429s_and_500s_loses_and_doubles_nothing(world: World) -> None:
    _add_orders(world, 120)
    world.inspector.set_faults(throttle_share=0.3, error_share=0.2)
    try:
        runs = world.run_until_complete(limit=8)
    finally:
        world.inspector.set_faults(throttle_share=0.0, error_share=0.0)

    assert set(world.stored()) == world.expected()
    assert set(_imported(world)) == world.expected()
    assert set(_imported(world).values()) == {1}
    assert runs[-1]["counts"]["window_complete"] == 1


def test_a_revocation_mid_run_marks_the_connection_and_loses_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_orders(world, 250)
    original = OrdersRepository.put_version
    written: list[str] = []

    def revoke_after_first_page(self: OrdersRepository, order: Any, *args: Any, **kwargs: Any) -> bool:
        written.append(order.order_id)
        if len(written) == 50:
            world.inspector.revoke(world.seller.selling_partner_id)
        return original(self, order, *args, **kwargs)

    monkeypatch.setattr(OrdersRepository, "put_version", revoke_after_first_page)
    revoked = world.run()

    assert revoked["state"] == "ERROR" and "authorize the app again" in revoked["error"]
    connection = world.connections.get_connection(world.connection_id)
    assert connection is not None and connection.status is ConnectionStatus.NEEDS_REAUTHORIZATION
    cursor = world.cursors.get(world.connection_id)
    assert cursor is not None and cursor.next_token and cursor.watermark is None

    # The seller authorizes again: the run resumes the same window and nothing is missing or doubled.
    monkeypatch.setattr(OrdersRepository, "put_version", original)
    token = world.inspector.authorize(world.seller.selling_partner_id)
    reauthorized = connection.model_copy(
        update={"status": ConnectionStatus.ACTIVE, "authorized_at": connection.authorized_at + timedelta(hours=1)}
    )
    world.connections.put_connection(reauthorized, SecretStr(token))
    resumed = world.run()

    assert resumed["state"] == "OK" and resumed["counts"]["window_complete"] == 1, resumed
    assert set(world.stored()) == world.expected()
    assert set(_imported(world).values()) == {1}


def test_out_of_time_mid_window_enqueues_its_continuation_and_the_next_run_finishes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_orders(world, 250)
    limiter = DynamoDbRateLimiter(world.limits_table, world.aws.client("dynamodb"))
    original = OrdersRepository.put_version
    written: list[str] = []

    def drain_after_first_page(self: OrdersRepository, order: Any, *args: Any, **kwargs: Any) -> bool:
        written.append(order.order_id)
        if len(written) == 50:
            limiter.drain(world.connection_id, "searchOrders")  # the next page waits ~180 s for a token
        return original(self, order, *args, **kwargs)

    monkeypatch.setattr(OrdersRepository, "put_version", drain_after_first_page)
    partial = world.run(seconds_left=30)

    assert partial["state"] == "OK", partial
    assert partial["counts"]["window_complete"] == 0 and partial["counts"]["continued"] == 1
    sqs = world.aws.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=world.urls["work"], AttributeNames=["All"])["Attributes"]
    assert int(attributes["ApproximateNumberOfMessagesDelayed"]) == 1  # waits for searchOrders' next token
    cursor = world.cursors.get(world.connection_id)
    assert cursor is not None and cursor.next_token and cursor.pages == 1

    # The continuation runs once searchOrders has a token again (here: the bucket refilled by hand, in a new
    # container, as the delayed message would be picked up by).
    monkeypatch.setattr(OrdersRepository, "put_version", original)
    world.aws.client("dynamodb").delete_item(
        TableName=world.limits_table, Key={"pk": {"S": f"{world.connection_id}#searchOrders"}}
    )
    clear_handler_caches()
    finished = world.run()

    assert finished["counts"]["window_complete"] == 1
    assert set(world.stored()) == world.expected()
    assert set(_imported(world).values()) == {1}
