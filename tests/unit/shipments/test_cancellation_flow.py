"""shared/shipments/cancellation_flow.py: requests queue a flush, flushes submit one feed or wait for the gate,
report reads settle and publish, or read again later."""

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from pydantic import BaseModel

from shared.repositories.cancellations import CancellationsRepository
from shared.shipments.cancellation_flow import (
    CancellationDeps,
    handle_cancellation_message,
    handle_cancellation_request,
)
from shared.shipments.handling import RequestRefusedError
from shared.shipments.messages import CancellationFlush, CancellationReport
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws
from tests.unit.shipments.cancel_support import CONN, Clock, FakeFeeds, Metrics, ask, order, report

A, B = "111-1111111-1111111", "222-2222222-2222222"


class World:
    """The deps of the flow with a recorded bus and queue."""

    def __init__(self, repo: CancellationsRepository, orders: dict[str, Any]) -> None:
        self.feeds, self.clock = FakeFeeds(), Clock()
        self.events: list[dict[str, Any]] = []
        self.sent: list[tuple[BaseModel, float]] = []
        self.paused: set[str] = set()
        connection = SimpleNamespace(
            connection_id=CONN, selling_partner_id="A1SELLER", pause_of=lambda scope: scope in self.paused or None
        )
        self.deps = CancellationDeps(
            repo=repo,
            get_order=orders.get,
            connection=lambda _: connection,  # type: ignore[arg-type,return-value]
            client_for=lambda _: self.feeds,
            publisher=SimpleNamespace(publish=self.events.extend),
            bus_name="bus",
            metrics=Metrics(),
            send=lambda message, delay: self.sent.append((message, delay)),
            clock=self.clock,
            window_seconds=60,
        )


@pytest.fixture
def repo() -> Iterator[CancellationsRepository]:
    with in_process_aws():
        client = boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        yield CancellationsRepository(create_table(client, "shipments", gsi1=True), client)


def test_a_request_queues_one_flush_and_a_redelivery_none(repo: CancellationsRepository) -> None:
    world = World(repo, {A: order(A)})
    handle_cancellation_request(ask(A), world.deps)
    handle_cancellation_request(ask(A), world.deps)
    assert world.sent == [(CancellationFlush(connection_id=CONN), 0)]


def test_a_refused_request_publishes_its_rejection_and_raises_for_the_dlq(repo: CancellationsRepository) -> None:
    world = World(repo, {A: order(A, status="SHIPPED", shipped=2)})
    with pytest.raises(RequestRefusedError, match="shipped"):
        handle_cancellation_request(ask(A), world.deps)
    assert [e["DetailType"] for e in world.events] == ["OrderCancellationRejected"] and world.sent == []


def test_a_flush_submits_one_feed_then_waits_for_the_gate_and_reads_the_report(repo: CancellationsRepository) -> None:
    world = World(repo, {A: order(A), B: order(B)})
    handle_cancellation_request(ask(A), world.deps)
    handle_cancellation_request(ask(B), world.deps)
    world.sent.clear()
    flush = CancellationFlush(connection_id=CONN)
    assert "submitted for 2 order(s)" in handle_cancellation_message(flush, world.deps)
    assert world.sent == [(CancellationReport(feed_id="feed-1", connection_id=CONN), 10)]
    # A second flush within the window is put back for when the gate opens; nothing is sent to Amazon.
    assert "gate closed" in handle_cancellation_message(flush, world.deps)
    assert world.sent[-1][0] == flush and 0 < world.sent[-1][1] <= 60 and len(world.feeds.created) == 1
    # The report: still processing -> read again later; done -> settled and published once.
    read = CancellationReport(feed_id="feed-1")
    assert "still processing" in handle_cancellation_message(read, world.deps)
    assert world.sent[-1] == (read.model_copy(update={"polls": 1}), 20)
    world.feeds.status, world.feeds.report = "DONE", report(2, {2: "cannot be cancelled"})
    assert handle_cancellation_message(read, world.deps).endswith("1 cancelled, 1 rejected")
    assert sorted(e["DetailType"] for e in world.events) == ["OrderCancellationRejected", "OrderCancelled"]
    assert handle_cancellation_message(read, world.deps).endswith("0 cancelled, 0 rejected")
    assert len(world.events) == 2


def test_a_report_of_a_feed_not_ours_is_ignored(repo: CancellationsRepository) -> None:
    world = World(repo, {})
    assert "not a cancellation feed of ours" in handle_cancellation_message(
        CancellationReport(feed_id="other"), world.deps
    )


def test_report_reads_back_off_up_to_the_window() -> None:
    from shared.shipments.cancellation_flow import report_delay

    assert [report_delay(polls, 60) for polls in range(5)] == [10, 20, 40, 60, 60]


def test_a_paused_connection_keeps_its_cancellations_pending_until_a_flush_after_the_resume(
    repo: CancellationsRepository,
) -> None:
    world = World(repo, {A: order(A)})
    world.paused.add("shipments")
    handle_cancellation_request(ask(A), world.deps)  # accepted while paused: recorded pending
    flush = CancellationFlush(connection_id=CONN)

    assert handle_cancellation_message(flush, world.deps).startswith("paused")
    assert world.feeds.created == [] and [r.order_id for r in repo.pending(CONN, 10)] == [A]

    world.paused.clear()  # resumed: `connections resume` queues this flush again
    assert "submitted for 1 order(s)" in handle_cancellation_message(flush, world.deps)
    assert len(world.feeds.created) == 1
