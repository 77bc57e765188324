"""The items and transaction parts of the shipments table (shared/repositories/shipments.py has the layout): keys,
the package item, and the conditional writes a recorded package or a rejection is made of."""

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from shared.models.shipments import CancellationState, PackageRecord
from shared.repositories.items import to_item

ORDER_SK = "ORDER"
CANCEL_SK = "CANCEL"
PACKAGE_PREFIX = "PACKAGE#"
# Cancellation states that stop a package (a rejected cancellation leaves the order shippable).
OPEN_CANCELLATION = frozenset({CancellationState.PENDING, CancellationState.SUBMITTED, CancellationState.CANCELLED})


def order_pk(connection_id: str, order_id: str) -> str:
    """The partition of one order's shipment items."""
    return f"ORDER#{connection_id}#{order_id}"


def conditional_put(table: str, values: Mapping[str, Any], expected_version: int | None) -> dict[str, Any]:
    """A transaction Put of a versioned item: new (None) or still at `expected_version`."""
    if expected_version is None:
        return {"Put": {"TableName": table, "Item": to_item(values), "ConditionExpression": "attribute_not_exists(pk)"}}
    return {
        "Put": {
            "TableName": table,
            "Item": to_item(values),
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": to_item({":expected": expected_version}),
        }
    }


def no_open_cancellation(table: str, pk: str) -> dict[str, Any]:
    """A transaction check that the order has no open cancellation (none, or a rejected one)."""
    states = {f":s{i}": state for i, state in enumerate(sorted(OPEN_CANCELLATION))}
    return {
        "ConditionCheck": {
            "TableName": table,
            "Key": to_item({"pk": pk, "sk": CANCEL_SK}),
            "ConditionExpression": f"attribute_not_exists(pk) OR NOT (#state IN ({', '.join(states)}))",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": to_item(states),
        }
    }


def release(table: str, pk: str, package: PackageRecord) -> dict[str, Any]:
    """The aggregate update that gives a rejected package's units back."""
    names = {f"#i{i}": line.order_item_id for i, line in enumerate(package.lines)}
    values = {f":q{i}": line.quantity for i, line in enumerate(package.lines)} | {":one": 1}
    minus = ", ".join(f"reserved.#i{i} = reserved.#i{i} - :q{i}" for i in range(len(package.lines)))
    return {
        "Update": {
            "TableName": table,
            "Key": to_item({"pk": pk, "sk": ORDER_SK}),
            "UpdateExpression": f"SET {minus}, version = version + :one",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }
    }


def package_item(record: PackageRecord, version: int) -> dict[str, Any]:
    """A package's item: the record as JSON, and what the console shows."""
    return {
        "pk": order_pk(record.connection_id, record.order_id),
        "sk": PACKAGE_PREFIX + record.reference,
        "reference": record.reference,
        "package_reference_id": record.package_reference_id,
        "state": record.state,
        "content": record.content,
        "version": version,
        "updated_at": record.updated_at.astimezone(UTC).isoformat(),
        "package": record.model_dump_json(),
    }
