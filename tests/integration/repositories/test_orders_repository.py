"""OrdersRepository against the embedded AWS: version-conditional writes, the events outbox, a connection's orders."""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.aws import LocalAws
from shared.models.orders import ImportedOrder
from shared.repositories.orders import InvalidStoredOrderError, OrdersRepository, StoredOrder
from tests.dynamodb import create_table
from tests.unit.orders.amazon import amazon_item, imported

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 24, 10, tzinfo=UTC)
WRITTEN = T0 + timedelta(minutes=3)


@pytest.fixture(scope="module")
def table(local_aws: LocalAws) -> str:
    """A fresh orders table: pk/sk and gsi1, as infra/constructs/data.py builds it."""
    return create_table(local_aws.client("dynamodb"), "orders", gsi1=True)


@pytest.fixture
def repo(local_aws: LocalAws, table: str) -> OrdersRepository:
    return OrdersRepository(table, local_aws.client("dynamodb"), clock=lambda: WRITTEN)


@pytest.fixture
def cid() -> str:
    return f"eu-a{uuid.uuid4().hex[:10]}"


def order(cid: str, order_id: str = "028-0000001-0000001", minutes: int = 0, **fields: Any) -> ImportedOrder:
    """An order of the connection, as Amazon last updated it `minutes` after T0."""
    found = imported(order_id=order_id, updated=T0 + timedelta(minutes=minutes), **fields)
    return found.model_copy(update={"connection_id": cid})


def raw(local_aws: LocalAws, table: str, order_id: str) -> dict[str, Any]:
    key = {"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": "META"}}
    return dict(local_aws.client("dynamodb").get_item(TableName=table, Key=key)["Item"])


def test_a_new_order_is_one_readable_item_with_its_pending_events(
    repo: OrdersRepository, local_aws: LocalAws, table: str, cid: str
) -> None:
    first = order(cid)

    assert repo.put_version(first, ["OrderImported"], None)

    item = raw(local_aws, table, first.order_id)
    assert {k: v for k, v in item.items() if k != "order"} == {
        "pk": {"S": "ORDER#028-0000001-0000001"},
        "sk": {"S": "META"},
        "order_id": {"S": "028-0000001-0000001"},
        "connection_id": {"S": cid},
        "marketplace_id": {"S": "A1PA6795UKMFR9"},
        "status": {"S": "UNSHIPPED"},
        "purchase_date": {"S": "2026-11-24T09:00:00+00:00"},
        "version": {"S": "2026-11-24T10:00:00.000000Z#2.0.0"},
        "stored_at": {"S": WRITTEN.isoformat()},
        "gsi1pk": {"S": f"CONN#{cid}"},
        "gsi1sk": {"S": "2026-11-24T10:00:00.000000Z#2.0.0#028-0000001-0000001"},
        "pending_events": {"L": [{"S": "OrderImported"}]},
        "pending_since": {"S": WRITTEN.isoformat()},
    }
    assert json.loads(item["order"]["S"])["order_total"] == {"amount": "25.98", "currency": "EUR"}
    assert repo.get(first.order_id) == StoredOrder(first, ("OrderImported",), WRITTEN, None)


def test_an_unknown_order_reads_as_none(repo: OrdersRepository) -> None:
    assert repo.get(f"028-{uuid.uuid4().int % 10**7:07d}-0000000") is None


def test_a_new_order_is_written_only_once(repo: OrdersRepository, cid: str) -> None:
    first = order(cid, "028-0000002-0000002")
    assert repo.put_version(first, [], None)

    assert not repo.put_version(order(cid, "028-0000002-0000002", 5, status="SHIPPED"), [], None)
    stored = repo.get(first.order_id)
    assert stored is not None and stored.order == first


def test_a_newer_version_replaces_exactly_the_version_it_was_classified_against(
    repo: OrdersRepository, local_aws: LocalAws, table: str, cid: str
) -> None:
    v0 = order(cid, "028-0000003-0000003")
    v5 = order(cid, "028-0000003-0000003", 5, status="SHIPPED", items=[amazon_item(shipped=2)])
    v9 = order(cid, "028-0000003-0000003", 9, status="CANCELLED")
    repo.put_version(v0, ["OrderImported"], None)

    assert repo.put_version(v5, [], v0)
    assert not repo.put_version(v9, ["OrderCancelled"], v0)  # v0 is no longer stored

    assert repo.get(v0.order_id) == StoredOrder(v5, (), None, "UNSHIPPED")
    item = raw(local_aws, table, v0.order_id)
    assert "pending_events" not in item and "pending_since" not in item
    assert item["previous_status"] == {"S": "UNSHIPPED"}


def test_two_versions_within_one_second_are_told_apart_by_their_progress(repo: OrdersRepository, cid: str) -> None:
    unshipped = order(cid, "028-0000004-0000004")
    shipped = order(cid, "028-0000004-0000004", status="SHIPPED", items=[amazon_item(shipped=2)])
    repo.put_version(unshipped, [], None)

    assert repo.put_version(shipped, ["OrderChanged"], unshipped)
    assert not repo.put_version(order(cid, "028-0000004-0000004", status="CANCELLED"), [], unshipped)
    stored = repo.get(unshipped.order_id)
    assert stored is not None and stored.order == shipped


def test_clear_pending_only_clears_the_same_version(repo: OrdersRepository, cid: str) -> None:
    v0 = order(cid, "028-0000005-0000005")
    v5 = order(cid, "028-0000005-0000005", 5, status="SHIPPED")
    repo.put_version(v0, ["OrderImported"], None)
    repo.put_version(v5, ["OrderChanged"], v0)

    repo.clear_pending(v0)  # a slow writer of v0 confirming late: v5's events stay pending
    stored = repo.get(v0.order_id)
    assert stored is not None and (stored.pending_events, stored.pending_since) == (("OrderChanged",), WRITTEN)

    repo.clear_pending(v5)
    assert repo.get(v0.order_id) == StoredOrder(v5, (), None, "UNSHIPPED")
    repo.clear_pending(v5)  # again: harmless
    repo.clear_pending(order(cid, "028-9999999-9999999"))  # an order never stored: harmless


def test_a_connections_orders_come_latest_update_first_and_by_status(repo: OrdersRepository, cid: str) -> None:
    other = f"eu-a{uuid.uuid4().hex[:10]}"
    repo.put_version(order(cid, "028-0000010-0000001", 30), [], None)
    repo.put_version(order(cid, "028-0000010-0000002", 10, status="SHIPPED"), [], None)
    repo.put_version(order(cid, "028-0000010-0000003", 20), [], None)
    repo.put_version(order(other, "028-0000010-0000004", 40), [], None)

    assert [o.order_id for o in repo.list_for_connection(cid)] == [
        "028-0000010-0000001",
        "028-0000010-0000003",
        "028-0000010-0000002",
    ]
    assert [o.order_id for o in repo.list_for_connection(cid, status="UNSHIPPED")] == [
        "028-0000010-0000001",
        "028-0000010-0000003",
    ]
    assert [o.order_id for o in repo.list_for_connection(cid, status="SHIPPED")] == ["028-0000010-0000002"]
    assert [o.order_id for o in repo.list_for_connection(cid, limit=1)] == ["028-0000010-0000001"]
    assert repo.list_for_connection(f"eu-a{uuid.uuid4().hex[:10]}") == []


def test_a_newer_version_moves_up_the_connections_list(repo: OrdersRepository, cid: str) -> None:
    old = order(cid, "028-0000011-0000001")
    repo.put_version(old, [], None)
    repo.put_version(order(cid, "028-0000011-0000002", 5), [], None)

    repo.put_version(order(cid, "028-0000011-0000001", 10, status="SHIPPED"), [], old)

    assert [(o.order_id, o.status) for o in repo.list_for_connection(cid)] == [
        ("028-0000011-0000001", "SHIPPED"),
        ("028-0000011-0000002", "UNSHIPPED"),
    ]


@pytest.mark.parametrize(
    ("order_attribute", "reason"),
    [
        (None, "no `order` attribute"),
        ({"S": "{not json"}, "field(s) of `order` do not validate"),
        ({"S": json.dumps({"order_id": "x"})}, "field(s) of `order` do not validate"),
    ],
    ids=["missing", "not-json", "incomplete"],
)
def test_an_item_edited_into_an_invalid_state_is_a_clear_error(
    repo: OrdersRepository,
    local_aws: LocalAws,
    table: str,
    cid: str,
    order_attribute: dict[str, str] | None,
    reason: str,
) -> None:
    order_id = f"028-{uuid.uuid4().int % 10**7:07d}-0000000"
    item: dict[str, Any] = {
        "pk": {"S": f"ORDER#{order_id}"},
        "sk": {"S": "META"},
        "order_id": {"S": order_id},
        "gsi1pk": {"S": f"CONN#{cid}"},
        "gsi1sk": {"S": f"2026-11-24T10:00:00.000000Z#2.0.0#{order_id}"},
    }
    if order_attribute is not None:
        item["order"] = order_attribute
    local_aws.client("dynamodb").put_item(TableName=table, Item=item)

    with pytest.raises(InvalidStoredOrderError, match=re.escape(reason)) as caught:
        repo.get(order_id)
    assert caught.value.order_id == order_id and order_id in str(caught.value)
    with pytest.raises(InvalidStoredOrderError):
        repo.list_for_connection(cid)
