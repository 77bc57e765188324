"""ShipmentsRepository on moto's in-process DynamoDB: one transaction per recorded package, conditional moves."""

from datetime import timedelta
from typing import Any

import pytest

from shared.models.shipments import PackageRecord, PackageState
from shared.repositories.shipments import ConcurrentShipmentError, OrderShipments, ShipmentsRepository, order_pk
from shared.shipments.validation import validate_shipment
from tests.unit.shipments.world import CID, NOW, ORDER_ID, coerce, shipment, stored_order

A, B = "11111111111111", "22222222222222"


def validated(existing: OrderShipments, reference: str = "PKG-1", **fields: Any) -> PackageRecord:
    record = validate_shipment(shipment(reference, **fields), stored_order(), existing, coerce, now=NOW)
    assert isinstance(record, PackageRecord), record
    return record


def raw(dynamodb: Any, table: str, sk: str) -> dict[str, Any]:
    key = {"pk": {"S": order_pk(CID, ORDER_ID)}, "sk": {"S": sk}}
    return dict(dynamodb.get_item(TableName=table, Key=key)["Item"])


def put_cancellation(dynamodb: Any, table: str, state: str) -> None:
    item = {"pk": {"S": order_pk(CID, ORDER_ID)}, "sk": {"S": "CANCEL"}, "state": {"S": state}}
    dynamodb.put_item(TableName=table, Item=item)


def test_a_new_package_is_recorded_with_the_order_aggregate(
    repo: ShipmentsRepository, dynamodb: Any, table: str
) -> None:
    record = validated(repo.load(CID, ORDER_ID), items=[("SKU-A", 1)])

    written = repo.record_package(record, repo.load(CID, ORDER_ID))
    loaded = repo.load(CID, ORDER_ID)

    assert loaded == written
    assert (loaded.version, dict(loaded.reserved), dict(loaded.ids)) == (
        1,
        {A: 1},
        {record.package_reference_id: "PKG-1"},
    )
    assert loaded.package("PKG-1") == record and loaded.packages["PKG-1"].version == 1
    aggregate = raw(dynamodb, table, "ORDER")
    assert aggregate["gsi1pk"] == {"S": f"CONN#{CID}"}
    assert aggregate["gsi1sk"]["S"].endswith(f"#{ORDER_ID}")
    item = raw(dynamodb, table, "PACKAGE#PKG-1")
    assert {k: item[k] for k in ("state", "content", "package_reference_id")} == {
        "state": {"S": "pending"},
        "content": {"S": record.content},
        "package_reference_id": {"S": record.package_reference_id},
    }
    assert [o.order_id for o in repo.list_orders(CID)] == [ORDER_ID]


def test_a_write_on_a_stale_read_loses(repo: ShipmentsRepository) -> None:
    empty = repo.load(CID, ORDER_ID)
    first, second = validated(empty, "PKG-1", items=[("SKU-A", 2)]), validated(empty, "PKG-2", items=[("SKU-A", 2)])

    repo.record_package(first, empty)
    with pytest.raises(ConcurrentShipmentError):
        repo.record_package(second, empty)

    assert set(repo.load(CID, ORDER_ID).packages) == {"PKG-1"}


def test_an_edit_replaces_the_package_and_recomputes_the_reserved_units(repo: ShipmentsRepository) -> None:
    repo.record_package(validated(repo.load(CID, ORDER_ID), items=[("SKU-A", 2)]), repo.load(CID, ORDER_ID))
    before = repo.load(CID, ORDER_ID)
    edit = validated(before, items=[("SKU-A", 1), ("SKU-B", 1)])

    repo.record_package(edit, before)
    after = repo.load(CID, ORDER_ID)

    assert after.version == 2 and after.packages["PKG-1"].version == 2
    assert dict(after.reserved) == {A: 1, B: 1}
    assert after.package("PKG-1") == edit
    with pytest.raises(ConcurrentShipmentError):  # the package's own version guards it too
        repo.record_package(edit, before)


@pytest.mark.parametrize("state", ["pending", "submitted", "cancelled"])
def test_an_open_cancellation_stops_the_transaction(
    repo: ShipmentsRepository, dynamodb: Any, table: str, state: str
) -> None:
    empty = repo.load(CID, ORDER_ID)
    put_cancellation(dynamodb, table, state)

    with pytest.raises(ConcurrentShipmentError):
        repo.record_package(validated(empty), empty)

    assert repo.cancellation_state(CID, ORDER_ID) == state
    assert repo.load(CID, ORDER_ID).cancellation_open and not repo.load(CID, ORDER_ID).packages


def test_a_rejected_cancellation_does_not(repo: ShipmentsRepository, dynamodb: Any, table: str) -> None:
    put_cancellation(dynamodb, table, "rejected")
    existing = repo.load(CID, ORDER_ID)

    repo.record_package(validated(existing), existing)

    assert not repo.load(CID, ORDER_ID).cancellation_open and "PKG-1" in repo.load(CID, ORDER_ID).packages
    assert repo.cancellation_state(CID, "026-0000000-0000000") is None


def test_moves_are_conditional_on_state_and_content(repo: ShipmentsRepository) -> None:
    pending = validated(repo.load(CID, ORDER_ID))
    repo.record_package(pending, repo.load(CID, ORDER_ID))
    sent = pending.model_copy(update={"state": PackageState.SENT, "sent_at": NOW})
    confirmed = sent.model_copy(update={"state": PackageState.CONFIRMED, "confirmed_at": NOW + timedelta(minutes=1)})

    assert repo.transition(pending, sent)
    assert repo.transition(sent, confirmed)
    # A redelivered answer for the pending package finds it moved on: nothing rolls back.
    assert not repo.transition(pending, sent)
    assert repo.load(CID, ORDER_ID).package("PKG-1") == confirmed
    other_content = confirmed.model_copy(update={"content": "0" * 16})
    assert not repo.transition(other_content, other_content.model_copy(update={"state": PackageState.UNVERIFIED}))
    assert repo.load(CID, ORDER_ID).packages["PKG-1"].version == 3


def test_a_rejection_releases_the_units(repo: ShipmentsRepository) -> None:
    repo.record_package(validated(repo.load(CID, ORDER_ID), "PKG-1", items=[("SKU-A", 1)]), repo.load(CID, ORDER_ID))
    existing = repo.load(CID, ORDER_ID)
    pending = validated(existing, "PKG-2", items=[("SKU-A", 1), ("SKU-B", 1)])
    repo.record_package(pending, existing)
    assert dict(repo.load(CID, ORDER_ID).reserved) == {A: 2, B: 1}
    rejected = pending.model_copy(update={"state": PackageState.REJECTED, "message": "InvalidInput: no"})

    assert repo.transition(pending, rejected)
    assert not repo.transition(pending, rejected)

    after = repo.load(CID, ORDER_ID)
    assert dict(after.reserved) == {A: 1, B: 0}
    assert after.version == 3
    assert after.package("PKG-2") == rejected
