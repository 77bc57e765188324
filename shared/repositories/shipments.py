"""The shipments table: per order, an aggregate of what our packages hold, each package, and its cancellation.

Items share the partition of their order, pk `ORDER#<connection_id>#<order_id>`:
- sk `ORDER`, the aggregate: `version` (N, every write of the order's packages conditions on it), `reserved` (M:
  order item id -> units in packages that are not rejected), `ids` (M: packageReferenceId -> reference, so two
  references of one order never share Amazon's number), `marketplace_id`, `updated_at`; gsi1pk `CONN#<connection_id>`,
  gsi1sk `<updated_at>#<order_id>` lists a connection's orders with shipment activity, newest first.
- sk `PACKAGE#<reference>`: the PackageRecord as JSON in `package`, with `state`, `content` (its fingerprint),
  `package_reference_id` and `version` readable in the console.
- sk `CANCEL`: the order's cancellation (written by shared/repositories/cancellations.py); read here for its `state`.

Recording a new or edited package is one transaction (aggregate and package both conditioned on the versions the
caller validated against, the cancellation checked not to be open), so two packages racing for an order's last units
never both land; the loser gets ConcurrentShipmentError and re-validates. State moves are conditional on the state and
content fingerprint read, so a redelivered message never rolls a package back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from shared.models.shipments import PackageRecord, PackageState
from shared.repositories.errors import RepositoryError
from shared.repositories.items import from_item, to_item, update_expression
from shared.repositories.shipment_writes import (
    CANCEL_SK,
    OPEN_CANCELLATION,
    ORDER_SK,
    PACKAGE_PREFIX,
    conditional_put,
    no_open_cancellation,
    order_pk,
    package_item,
    release,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

GSI1 = "gsi1"


class ConcurrentShipmentError(RepositoryError):
    """Another writer changed the order's packages (or opened a cancellation) since they were read: re-read and
    validate again."""

    def __init__(self, connection_id: str, order_id: str) -> None:
        super().__init__(f"shipments of order {order_id!r} ({connection_id!r}) changed concurrently; read them again")
        self.connection_id = connection_id
        self.order_id = order_id


class InvalidStoredPackageError(RepositoryError):
    """A package item no longer validates (typically edited by hand in the console)."""

    def __init__(self, order_id: str, reference: str, error: ValidationError) -> None:
        super().__init__(f"stored package {reference!r} of order {order_id!r} is invalid: {error.error_count()} errors")


@dataclass(frozen=True)
class StoredPackage:
    """A package and the version its item holds (the next write conditions on it)."""

    record: PackageRecord
    version: int


@dataclass(frozen=True)
class OrderShipments:
    """Everything the table holds for one order: aggregate version, packages by reference, cancellation state."""

    connection_id: str
    order_id: str
    version: int = 0
    reserved: Mapping[str, int] = field(default_factory=dict)
    ids: Mapping[str, str] = field(default_factory=dict)
    packages: Mapping[str, StoredPackage] = field(default_factory=dict)
    cancellation_state: str | None = None
    updated_at: datetime | None = None

    def package(self, reference: str) -> PackageRecord | None:
        """The package of this reference, or None."""
        stored = self.packages.get(reference)
        return stored.record if stored else None

    @property
    def cancellation_open(self) -> bool:
        """Whether a cancellation is pending, submitted or done (a rejected one is not open)."""
        return self.cancellation_state in OPEN_CANCELLATION


def reserved_units(packages: Mapping[str, PackageRecord]) -> dict[str, int]:
    """Units per order item in the packages that are not rejected."""
    reserved: dict[str, int] = {}
    for record in packages.values():
        if record.state is not PackageState.REJECTED:
            for line in record.lines:
                reserved[line.order_item_id] = reserved.get(line.order_item_id, 0) + line.quantity
    return reserved


class ShipmentsRepository:
    """Reads an order's shipment items and writes packages conditionally (see the module doc)."""

    def __init__(self, table_name: str, dynamodb_client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = dynamodb_client

    def load(self, connection_id: str, order_id: str) -> OrderShipments:
        """Aggregate, packages and cancellation state of one order (strongly consistent; empty when none)."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": order_pk(connection_id, order_id)}),
            ConsistentRead=True,
        )
        return _order_shipments(connection_id, order_id, (item for page in pages for item in page.get("Items", [])))

    def cancellation_state(self, connection_id: str, order_id: str) -> str | None:
        """The `state` of the order's cancellation item, or None when there is none."""
        key = {"pk": {"S": order_pk(connection_id, order_id)}, "sk": {"S": CANCEL_SK}}
        item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        return str(from_item(item).get("state")) if item and "state" in item else None

    def record_package(self, record: PackageRecord, existing: OrderShipments) -> OrderShipments:
        """Stores a new or edited package and the order's aggregate in one transaction, conditioned on `existing`.

        Raises ConcurrentShipmentError when the aggregate or the package changed since `existing` was read, or a
        cancellation was opened meanwhile. Returns the order's shipments as written.
        """
        previous = existing.packages.get(record.reference)
        package_version = previous.version + 1 if previous else 1
        packages = {ref: stored.record for ref, stored in existing.packages.items()} | {record.reference: record}
        ids = dict(existing.ids) | {record.package_reference_id: record.reference}
        version = existing.version + 1
        reserved = reserved_units(packages)
        pk = order_pk(record.connection_id, record.order_id)
        updated = record.updated_at.astimezone(UTC).isoformat()
        aggregate = {
            "pk": pk,
            "sk": ORDER_SK,
            "connection_id": record.connection_id,
            "order_id": record.order_id,
            "marketplace_id": record.marketplace_id,
            "version": version,
            "reserved": reserved,
            "ids": ids,
            "updated_at": updated,
            "gsi1pk": f"CONN#{record.connection_id}",
            "gsi1sk": f"{updated}#{record.order_id}",
        }
        items = [
            conditional_put(self._table, aggregate, existing.version if existing.version else None),
            conditional_put(self._table, package_item(record, package_version), previous.version if previous else None),
            no_open_cancellation(self._table, pk),
        ]
        self._transact(items, record)
        stored = dict(existing.packages) | {record.reference: StoredPackage(record, package_version)}
        return replace(
            existing, version=version, reserved=reserved, ids=ids, packages=stored, updated_at=record.updated_at
        )

    def transition(self, current: PackageRecord, updated: PackageRecord) -> bool:
        """Replaces a package by `updated` (another state, Amazon's answer) if the table still holds `current`'s state
        and content; False when it does not (an edit or another delivery moved it). A move to rejected also releases
        the package's units from the aggregate's `reserved`."""
        values = {
            "package": updated.model_dump_json(),
            "state": updated.state,
            "updated_at": updated.updated_at.astimezone(UTC).isoformat(),
        }
        sets, names, expression_values = update_expression(values)
        expression_values |= {":expected": current.state, ":content": current.content, ":one": 1}
        pk = order_pk(current.connection_id, current.order_id)
        update: dict[str, Any] = {
            "Update": {
                "TableName": self._table,
                "Key": to_item({"pk": pk, "sk": PACKAGE_PREFIX + current.reference}),
                "UpdateExpression": f"{sets}, version = version + :one",
                "ConditionExpression": "#state = :expected AND #content = :content",
                "ExpressionAttributeNames": names | {"#state": "state", "#content": "content"},
                "ExpressionAttributeValues": to_item(expression_values),
            }
        }
        items = [update]
        if updated.state is PackageState.REJECTED and current.state is not PackageState.REJECTED and current.lines:
            items.append(release(self._table, pk, current))
        try:
            if len(items) == 1:
                self._client.update_item(**update["Update"])
            else:
                self._client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except ClientError as exc:
            if _code(exc) in ("ConditionalCheckFailedException", "TransactionCanceledException") and _conditional(exc):
                return False
            raise
        return True

    def list_orders(self, connection_id: str, *, limit: int | None = None) -> list[OrderShipments]:
        """A connection's orders with shipment activity, most recent first (a Query on gsi1), each fully loaded."""
        found: list[OrderShipments] = []
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=GSI1,
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues=to_item({":pk": f"CONN#{connection_id}"}),
            ScanIndexForward=False,
        )
        for item in (item for page in pages for item in page.get("Items", [])):
            if limit is not None and len(found) >= limit:
                break
            found.append(self.load(connection_id, str(from_item(item)["order_id"])))
        return found

    def _transact(self, items: list[dict[str, Any]], record: PackageRecord) -> None:
        try:
            self._client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except ClientError as exc:
            if _code(exc) == "TransactionCanceledException" and _conditional(exc):
                raise ConcurrentShipmentError(record.connection_id, record.order_id) from None
            raise


def _order_shipments(connection_id: str, order_id: str, items: Iterable[Mapping[str, Any]]) -> OrderShipments:
    found: dict[str, Any] = {"connection_id": connection_id, "order_id": order_id, "packages": {}}
    for raw in items:
        item = from_item(raw)
        sk = str(item["sk"])
        if sk == ORDER_SK:
            found["version"] = int(item.get("version", 0))
            found["reserved"] = {str(k): int(v) for k, v in dict(item.get("reserved", {})).items()}
            found["ids"] = {str(k): str(v) for k, v in dict(item.get("ids", {})).items()}
            if item.get("updated_at"):
                found["updated_at"] = datetime.fromisoformat(str(item["updated_at"]))
        elif sk == CANCEL_SK:
            found["cancellation_state"] = str(item["state"]) if item.get("state") is not None else None
        elif sk.startswith(PACKAGE_PREFIX):
            reference = sk.removeprefix(PACKAGE_PREFIX)
            try:
                record = PackageRecord.model_validate_json(str(item["package"]))
            except ValidationError as exc:
                raise InvalidStoredPackageError(order_id, reference, exc) from None
            found["packages"][reference] = StoredPackage(record, int(item.get("version", 1)))
    return OrderShipments(**found)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _conditional(exc: ClientError) -> bool:
    """A failed condition (and nothing else) made the write fail."""
    if _code(exc) == "ConditionalCheckFailedException":
        return True
    reasons = exc.response.get("CancellationReasons", [])
    codes = {str(r.get("Code")) for r in reasons}
    return "ConditionalCheckFailed" in codes and codes <= {"None", "ConditionalCheckFailed"}
