"""Cancellation requests checked against the stored order: the logic on the real repository against moto's in-process
DynamoDB (the feed and the verdicts: test_cancellation_feed.py; against the sandbox: tests/integration/shipments)."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.models.orders import ImportedOrder
from shared.models.shipments import CancellationState, CancelReason
from shared.repositories.cancellations import CancellationsRepository, RequestResult
from shared.shipments.cancellation_metrics import CancellationMetric
from shared.shipments.cancellations import Accepted, Refusal, RefusalCode, request_cancellation
from tests.dynamodb import create_table
from tests.unit.shipments.cancel_support import CONN, UK, Clock, Metrics, ask, order, put_aggregate


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    """moto's DynamoDB, in process; fake credentials only."""
    with mock_aws():
        yield boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )


@pytest.fixture
def table(dynamodb: Any) -> str:
    """The shipments table: pk/sk and the sparse gsi1."""
    return create_table(dynamodb, "shipments", gsi1=True)


@pytest.fixture
def repo(dynamodb: Any, table: str) -> CancellationsRepository:
    """The repository on that table."""
    return CancellationsRepository(table, dynamodb)


def refused(result: Accepted | Refusal) -> RefusalCode:
    assert isinstance(result, Refusal), result
    return result.code


def test_a_valid_request_is_recorded_pending_with_every_item_and_listed_for_the_next_feed(
    repo: CancellationsRepository,
) -> None:
    metrics = Metrics()
    result = request_cancellation(ask(), order(), repo, Clock(), metrics=metrics)

    assert isinstance(result, Accepted) and not result.unchanged
    stored = repo.get(CONN, "111-1111111-1111111")
    assert stored is not None and stored.state == CancellationState.PENDING
    assert stored.reason == CancelReason.NO_INVENTORY and stored.marketplace_id == UK
    assert stored.order_item_ids == ("10000000000000", "10000000000001")
    assert [r.order_id for r in repo.pending(CONN, 10)] == ["111-1111111-1111111"]
    assert metrics.count(CancellationMetric.CANCELLATIONS_REQUESTED) == 1


def test_a_redelivered_request_is_unchanged_and_writes_no_second_cancellation(repo: CancellationsRepository) -> None:
    clock = Clock()
    metrics = Metrics()
    first = request_cancellation(ask(), order(), repo, clock, metrics=metrics)
    clock.advance(30)
    again = request_cancellation(ask(reason="NoInventory"), order(), repo, clock, metrics=metrics)

    assert isinstance(again, Accepted) and again.unchanged
    assert isinstance(first, Accepted) and again.record == first.record
    assert len(repo.pending(CONN, 10)) == 1
    assert repo.get_versioned(CONN, "111-1111111-1111111")[1] == 1
    assert metrics.count(CancellationMetric.CANCELLATIONS_REQUESTED) == 1
    # Another reason for an order already being cancelled is refused, not silently merged.
    assert refused(request_cancellation(ask(reason="GeneralAdjustment"), order(), repo, clock)) == (
        RefusalCode.ALREADY_REQUESTED
    )


@pytest.mark.parametrize(
    ("stored", "asked", "code"),
    [
        (None, {}, RefusalCode.NOT_IMPORTED),
        (order(fulfilled_by="AMAZON"), {}, RefusalCode.NOT_MERCHANT_FULFILLED),
        (order(status="CANCELLED"), {}, RefusalCode.ALREADY_CANCELLED),
        (order(status="SHIPPED"), {}, RefusalCode.SHIPPED),
        (order(status="PARTIALLY_SHIPPED"), {}, RefusalCode.SHIPPED),
        (order(shipped=1), {}, RefusalCode.SHIPPED),
        (order(status="PENDING"), {}, RefusalCode.NOT_CANCELLABLE),
        (order(), {"items": ["10000000000000"]}, RefusalCode.PARTIAL),
        (order(), {"items": ["SKU-0", "SKU-1", "NOPE"]}, RefusalCode.UNKNOWN_ITEMS),
        (order(), {"reason": "BuyerCanceled"}, RefusalCode.BUYER_DID_NOT_ASK),
    ],
    ids=[
        "not-imported",
        "fba",
        "cancelled",
        "shipped",
        "partially-shipped",
        "units-shipped",
        "pending",
        "partial",
        "unknown-item",
        "buyer-did-not-ask",
    ],
)
def test_refusals_name_the_reason_record_nothing_and_say_so_on_the_bus(
    repo: CancellationsRepository, stored: ImportedOrder | None, asked: dict[str, Any], code: RefusalCode
) -> None:
    metrics = Metrics()
    result = request_cancellation(ask(**asked), stored, repo, Clock(), metrics=metrics)

    assert refused(result) == code
    assert repo.get(CONN, "111-1111111-1111111") is None
    assert metrics.count(CancellationMetric.CANCELLATIONS_REFUSED) == 1
    assert isinstance(result, Refusal)
    entry = result.event_entry("bus")
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (
        "sellersync.shipments",
        "OrderCancellationRejected",
        "bus",
    )
    assert result.message in entry["Detail"]


def test_buyer_canceled_without_the_buyers_request_suggests_another_reason(repo: CancellationsRepository) -> None:
    result = request_cancellation(ask(reason="BuyerCanceled"), order(), repo, Clock())
    assert isinstance(result, Refusal)
    assert "count against the seller" in result.message and "NoInventory" in result.message


def test_an_order_of_another_connection_counts_as_not_imported(repo: CancellationsRepository) -> None:
    foreign = order().model_copy(update={"connection_id": "conn-2"})
    assert refused(request_cancellation(ask(), foreign, repo, Clock())) == RefusalCode.NOT_IMPORTED


def test_a_buyer_requested_cancellation_with_buyer_canceled_and_every_item_named_is_accepted(
    repo: CancellationsRepository,
) -> None:
    result = request_cancellation(
        ask(reason="buyer requested", items=["SKU-1", "10000000000000"]), order(buyer_requested=True), repo, Clock()
    )
    assert isinstance(result, Accepted) and result.record.reason == CancelReason.BUYER_CANCELED


def test_an_order_with_an_active_package_is_refused_by_the_read_and_by_the_transaction(
    repo: CancellationsRepository, dynamodb: Any, table: str
) -> None:
    put_aggregate(dynamodb, table, "111-1111111-1111111", packages_active=1, reserved={"10000000000000": 1})
    assert refused(request_cancellation(ask(), order(), repo, Clock())) == RefusalCode.PACKAGE_ACTIVE

    # Only the reserved units say so (an aggregate without the count): still refused.
    put_aggregate(dynamodb, table, "444-4444444-4444444", reserved={"10000000000000": 2})
    assert refused(request_cancellation(ask("444-4444444-4444444"), order("444-4444444-4444444"), repo, Clock())) == (
        RefusalCode.PACKAGE_ACTIVE
    )

    # A package recorded between our read and our write: the ConditionCheck refuses the write itself.
    accepted = request_cancellation(ask("333-3333333-3333333"), order("333-3333333-3333333"), repo, Clock())
    assert isinstance(accepted, Accepted)
    racing = accepted.record.model_copy(update={"order_id": "222-2222222-2222222"})
    put_aggregate(dynamodb, table, "222-2222222-2222222", packages_active=2)
    assert repo.request(racing) == RequestResult.PACKAGES_ACTIVE
    assert repo.get(CONN, "222-2222222-2222222") is None

    # Every package rejected (the count back to 0): the cancellation goes through, once.
    put_aggregate(dynamodb, table, "222-2222222-2222222", packages_active=0, reserved={})
    assert repo.request(racing) == RequestResult.CREATED
    assert repo.request(racing) == RequestResult.EXISTS


def test_a_rejected_cancellation_can_be_requested_again(repo: CancellationsRepository) -> None:
    clock = Clock()
    first = request_cancellation(ask(), order(), repo, clock)
    assert isinstance(first, Accepted)
    claimed = repo.claim(first.record, "run-1", clock())
    assert claimed is not None and repo.mark_fed(claimed, "run-1", "feed-1", 1, clock())
    stored = repo.get(CONN, claimed.order_id)
    assert stored is not None
    assert repo.settle(stored, "feed-1", CancellationState.REJECTED, "refused", clock()) is not None

    clock.advance(600)
    again = request_cancellation(ask(reason="GeneralAdjustment"), order(), repo, clock)

    assert isinstance(again, Accepted) and not again.unchanged
    renewed = repo.get(CONN, claimed.order_id)
    assert renewed is not None and renewed.state == CancellationState.PENDING
    assert renewed.reason == CancelReason.GENERAL_ADJUSTMENT and renewed.feed_id is None
    assert [r.order_id for r in repo.pending(CONN, 10)] == [claimed.order_id]
