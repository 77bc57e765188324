"""The cancellations of the shipments table: per order, per connection's feed gate, per submitted feed.

The table (pk/sk strings, sparse gsi1) is shared with the packages (shared/repositories/shipments.py). Items here:
- Cancellation: pk `ORDER#<connection_id>#<order_id>`, sk `CANCEL`; the CancellationRecord fields, `version` (each
  write adds 1), `attempts` (feeds it went into) and `submission` (the claim token of the feed run that holds it).
  While pending, gsi1pk `CANCELS#PENDING#<connection_id>` and gsi1sk `<requested_at>#<order_id>` list it for the
  next feed; a claim moves it to gsi1pk `CANCELS#DONE#<connection_id>` (same gsi1sk), where `sellersync shipments
  status` lists the others.
- The per-connection feed gate and the submitted feeds: shared/repositories/cancellation_feeds.py.

The order aggregate (pk `ORDER#<connection_id>#<order_id>`, sk `ORDER`) is the packages repository's
(shared/repositories/shipments.py); a cancellation only reads its `reserved` (units per item in packages that are not
rejected) and `version` (N, which every package write and release adds 1 to), and writes a new request in one
transaction with a ConditionCheck that the aggregate is still at the version read (or still absent). A package
recorded concurrently and a cancellation therefore never both win: the packages repository checks, in its own
transaction, that the order has no open cancellation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from shared.models.shipments import CancellationRecord, CancellationState
from shared.repositories.cancellation_feeds import (
    CancellationFeedItems,
    Gate,
    SubmittedFeed,
    failed,
    key,
    stamp,
)
from shared.repositories.items import from_item, to_item

CANCEL, ORDER = "CANCEL", "ORDER"
GSI1 = "gsi1"
_RECORD_FIELDS = set(CancellationRecord.model_fields)


def _order_pk(connection_id: str, order_id: str) -> str:
    return f"ORDER#{connection_id}#{order_id}"


class RequestResult(StrEnum):
    """What recording a new cancellation request did: created; another request came first; or the order's packages
    changed since they were read (read them again)."""

    CREATED = "created"
    EXISTS = "exists"
    ORDER_CHANGED = "order_changed"


@dataclass(frozen=True)
class OrderPackages:
    """What the packages repository's order aggregate says: its `version` (0: no aggregate) and the units in packages
    that are not rejected (its `reserved`; more than 0: a package is pending or sent)."""

    version: int
    units: int


class CancellationsRepository(CancellationFeedItems):
    """Conditional reads and writes of cancellations, their feed gate and their feeds (see the module doc)."""

    def get(self, connection_id: str, order_id: str) -> CancellationRecord | None:
        """The order's cancellation, or None."""
        return self.get_versioned(connection_id, order_id)[0]

    def get_versioned(self, connection_id: str, order_id: str) -> tuple[CancellationRecord | None, int]:
        """The order's cancellation and its stored version ((None, 0): none)."""
        item = self._get(_order_pk(connection_id, order_id), CANCEL)
        return (_record(item), int(item.get("version", 0))) if item else (None, 0)

    def order_packages(self, connection_id: str, order_id: str) -> OrderPackages:
        """The order aggregate's `version` and the units its `reserved` holds (one GetItem; zeros without one)."""
        item = self._get(_order_pk(connection_id, order_id), ORDER)
        if not item:
            return OrderPackages(0, 0)
        reserved = item.get("reserved") or {}
        units = sum(int(v) for v in reserved.values()) if isinstance(reserved, Mapping) else 0
        return OrderPackages(int(item.get("version", 0)), units)

    def request(self, record: CancellationRecord, packages: OrderPackages, replaces_version: int = 0) -> RequestResult:
        """Records a pending cancellation unless one exists (or `replaces_version` of a rejected one is replaced),
        in one transaction with the check that the order aggregate is still at `packages.version`."""
        pk = _order_pk(record.connection_id, record.order_id)
        values = _values(record) | {
            "pk": pk,
            "sk": CANCEL,
            "version": replaces_version + 1,
            "attempts": 0,
            "gsi1pk": f"CANCELS#PENDING#{record.connection_id}",
            "gsi1sk": f"{stamp(record.requested_at)}#{record.order_id}",
        }
        put: Any = {
            "TableName": self._table,
            "Item": to_item(values),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        if replaces_version:
            put["ConditionExpression"] = "#state = :rejected AND version = :version"
            put["ExpressionAttributeNames"] = {"#state": "state"}
            put["ExpressionAttributeValues"] = to_item(
                {":rejected": CancellationState.REJECTED.value, ":version": replaces_version}
            )
        check: Any = {
            "TableName": self._table,
            "Key": key(pk, ORDER),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        if packages.version:
            check["ConditionExpression"] = "version = :version"
            check["ExpressionAttributeValues"] = to_item({":version": packages.version})
        try:
            self._client.transact_write_items(TransactItems=[{"ConditionCheck": check}, {"Put": put}])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return RequestResult.ORDER_CHANGED
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                return RequestResult.EXISTS
            raise
        return RequestResult.CREATED

    def pending(self, connection_id: str, limit: int) -> list[CancellationRecord]:
        """A connection's pending cancellations, oldest request first (gsi1: eventually consistent)."""
        return self._listed(f"CANCELS#PENDING#{connection_id}", limit)

    def listed(self, connection_id: str, limit: int) -> list[CancellationRecord]:
        """A connection's cancellations past pending (submitted, cancelled, rejected), oldest request first."""
        return self._listed(f"CANCELS#DONE#{connection_id}", limit)

    def _listed(self, gsi1pk: str, limit: int) -> list[CancellationRecord]:
        found: list[CancellationRecord] = []
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName=GSI1,
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues=to_item({":pk": gsi1pk}),
        )
        for page in pages:
            for item in page.get("Items", []):
                found.append(_record(from_item(item)))
                if len(found) >= limit:
                    return found
        return found

    def claim(self, record: CancellationRecord, token: str, now: datetime) -> CancellationRecord | None:
        """pending -> submitted for the feed run `token` (off the pending index); None if it is no longer pending."""
        return self._update(
            record,
            "SET #state = :submitted, submission = :token, updated_at = :now, attempts = attempts + :one, "
            "version = version + :one, gsi1pk = :done",
            "#state = :pending",
            {":submitted": CancellationState.SUBMITTED.value, ":token": token, ":now": stamp(now), ":one": 1}
            | {":pending": CancellationState.PENDING.value, ":done": f"CANCELS#DONE#{record.connection_id}"},
        )

    def release(self, connection_id: str, order_id: str, token: str, now: datetime) -> bool:
        """submitted -> pending again, if run `token` holds it and it went into no recorded feed."""
        record = self.get(connection_id, order_id)
        if record is None:
            return False
        released = self._update(
            record,
            "SET #state = :pending, updated_at = :now, version = version + :one, gsi1pk = :gpk, gsi1sk = :gsk "
            "REMOVE submission",
            "#state = :submitted AND submission = :token AND attribute_not_exists(feed_id)",
            {":pending": CancellationState.PENDING.value, ":now": stamp(now), ":one": 1, ":token": token}
            | {":submitted": CancellationState.SUBMITTED.value, ":gpk": f"CANCELS#PENDING#{connection_id}"}
            | {":gsk": f"{stamp(record.requested_at)}#{order_id}"},
        )
        return released is not None

    def mark_fed(self, record: CancellationRecord, token: str, feed_id: str, message_id: int, now: datetime) -> bool:
        """Notes which feed and MessageID carry a claimed cancellation (only for the run `token` that claimed it)."""
        updated = self._update(
            record,
            "SET feed_id = :feed, message_id = :message, updated_at = :now, version = version + :one",
            "#state = :submitted AND submission = :token",
            {":feed": feed_id, ":message": message_id, ":now": stamp(now), ":one": 1, ":token": token}
            | {":submitted": CancellationState.SUBMITTED.value},
        )
        return updated is not None

    def settle(
        self, record: CancellationRecord, feed_id: str, state: CancellationState, verdict: str, now: datetime
    ) -> CancellationRecord | None:
        """submitted in `feed_id` -> cancelled or rejected with Amazon's verdict; None if already settled."""
        return self._update(
            record,
            "SET #state = :state, verdict = :verdict, updated_at = :now, version = version + :one",
            "#state = :submitted AND feed_id = :feed",
            {":state": state.value, ":verdict": verdict[:1000], ":now": stamp(now), ":one": 1, ":feed": feed_id}
            | {":submitted": CancellationState.SUBMITTED.value},
        )

    def _update(
        self, record: CancellationRecord, expression: str, condition: str, values: dict[str, Any]
    ) -> CancellationRecord | None:
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=key(_order_pk(record.connection_id, record.order_id), CANCEL),
                UpdateExpression=expression,
                ConditionExpression=f"attribute_exists(pk) AND {condition}",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if failed(exc):
                return None
            raise
        return _record(from_item(response["Attributes"]))


def _values(record: CancellationRecord) -> dict[str, Any]:
    values = record.model_dump(mode="json")
    values["requested_at"] = stamp(record.requested_at)
    values["updated_at"] = stamp(record.updated_at)
    values["order_item_ids"] = list(record.order_item_ids)
    return values


def _record(item: Mapping[str, Any]) -> CancellationRecord:
    fields = {k: v for k, v in item.items() if k in _RECORD_FIELDS}
    if fields.get("message_id") is not None:
        fields["message_id"] = int(fields["message_id"])
    return CancellationRecord.model_validate(fields)


__all__ = ["CancellationsRepository", "Gate", "OrderPackages", "RequestResult", "SubmittedFeed", "stamp"]
