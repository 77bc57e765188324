"""AuditRepository on moto's in-process DynamoDB: the key design's queries, parts of a large feed, TTL, idempotency."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from shared.models.audit import RETENTION_DAYS, AuditAnswer, AuditEntry, AuditKind, AuditRecord
from shared.repositories.audit import ENTRIES_PER_ITEM, AuditRepository, record_key
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
UK = "A1F83G8C2ARO7P"


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    """moto's DynamoDB, in process; fake credentials only."""
    with in_process_aws():
        yield boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )


@pytest.fixture
def table(dynamodb: Any) -> str:
    """A fresh audit table (pk/sk, TTL expires_at, no gsi1, as infra lays it out)."""
    return create_table(dynamodb, "audit", ttl="expires_at")


def feed(ref: str, at: datetime, skus: list[str], connection: str = "c1") -> AuditRecord:
    return AuditRecord(
        connection_id=connection,
        kind=AuditKind.FEED,
        ref=ref,
        at=at,
        operation="createFeed",
        outcome="SUBMITTED",
        marketplace_id=UK,
        request_id=f"req-{ref}",
        entries=tuple(AuditEntry(sku=s, sent="quantity=1 handling_days=2") for s in skus),
    )


def shipment(order: str, at: datetime, connection: str = "c1") -> AuditRecord:
    return AuditRecord(
        connection_id=connection,
        kind=AuditKind.SHIPMENT,
        ref=f"{order}-pkg1",
        at=at,
        operation="confirmShipment",
        outcome="SENT",
        request_id="req-ship",
        entries=(AuditEntry(order_id=order, sent="UPS 1Z999 lines=1"),),
    )


def test_records_come_back_newest_first_within_since_and_per_connection(dynamodb: Any, table: str) -> None:
    repo = AuditRepository(table, dynamodb)
    repo.record(feed("f1", T0, ["A"]))
    repo.record(shipment("o1", T0 + timedelta(hours=1)))
    repo.record(feed("f2", T0 + timedelta(hours=2), ["B"]))
    repo.record(feed("other", T0 + timedelta(hours=3), ["A"], connection="c2"))

    found = repo.list_records("c1", T0 + timedelta(minutes=30))

    assert [r.ref for r in found] == ["f2", "o1-pkg1"]
    assert found[0].request_id == "req-f2" and found[0].entries[0].sku == "B"
    assert [r.ref for r in repo.list_records("c1", T0)] == ["f2", "o1-pkg1", "f1"]


def test_sku_and_order_find_only_the_records_that_touch_them(dynamodb: Any, table: str) -> None:
    repo = AuditRepository(table, dynamodb)
    repo.record(feed("f1", T0, ["A", "B"]))
    repo.record(feed("f2", T0 + timedelta(minutes=1), ["C"]))
    repo.record(shipment("o1", T0 + timedelta(minutes=2)))

    assert [r.ref for r in repo.list_records("c1", T0, sku="B")] == ["f1"]
    assert [r.ref for r in repo.list_records("c1", T0, order_id="o1")] == ["o1-pkg1"]
    assert repo.list_records("c1", T0, sku="Z") == []


def test_a_large_feed_is_stored_in_parts_and_read_back_whole(dynamodb: Any, table: str) -> None:
    repo = AuditRepository(table, dynamodb)
    skus = [f"SKU-{n:05d}" for n in range(2 * ENTRIES_PER_ITEM + 5)]
    repo.record(feed("big", T0, skus))

    items = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "AUDIT#c1"}},
    )["Items"]
    [found] = repo.list_records("c1", T0)

    assert len(items) == 3
    assert [e.sku for e in found.entries] == skus
    assert [r.ref for r in repo.list_records("c1", T0, sku=skus[-1])] == ["big"]


def test_every_item_expires_after_the_retention(dynamodb: Any, table: str) -> None:
    repo = AuditRepository(table, dynamodb)
    repo.record(feed("big", T0, [f"S{n}" for n in range(ENTRIES_PER_ITEM + 1)]))
    items = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "AUDIT#c1"}},
    )["Items"]

    expected = int((T0 + timedelta(days=RETENTION_DAYS)).timestamp())
    assert [int(i["expires_at"]["N"]) for i in items] == [expected, expected]


def answer(ref: str, answered_at: datetime, **fields: Any) -> AuditAnswer:
    """Amazon's answer to the feed `ref` of connection c1 sent at T0."""
    return AuditAnswer(
        connection_id="c1", kind=AuditKind.FEED, ref=ref, at=T0, outcome="DONE", answered_at=answered_at, **fields
    )


def test_recording_the_same_send_twice_keeps_one_record_and_its_answer(dynamodb: Any, table: str) -> None:
    repo = AuditRepository(table, dynamodb)
    record = feed("f1", T0, ["A", "B"])
    repo.record(record)
    answered = T0 + timedelta(minutes=5)
    repo.answer(answer("f1", answered, counts={"accepted": 1}, results={"B": "8541: bad"}))
    repo.record(record)  # a retried recording after the answer

    [found] = repo.list_records("c1", T0)

    assert found.outcome == "DONE"
    assert found.counts == {"accepted": 1}
    assert found.results == {"B": "8541: bad"}
    assert found.answered_at == T0 + timedelta(minutes=5)


def test_an_answer_for_a_send_never_recorded_writes_nothing(dynamodb: Any, table: str) -> None:
    repo = AuditRepository(table, dynamodb)
    repo.answer(answer("lost", T0))

    item = dynamodb.get_item(TableName=table, Key=record_key("c1", AuditKind.FEED, "lost", T0))
    assert "Item" not in item
    assert repo.list_records("c1", T0 - timedelta(days=1)) == []
