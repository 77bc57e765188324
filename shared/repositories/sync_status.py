"""The connections table's sync status items: one per (connection, sync type), the outcome of its latest run.

Item (pk `CONN#<connection_id>`, sk `SYNC#<sync_type>`), plain attributes as the DynamoDB console shows them:
- `connection_id`, `sync_type` (S): the key parts again, for reading and filtering in the console.
- `state` (S): `OK`, `ERROR`, `SKIPPED` or `RUNNING` (a run under way, or one that died mid-way, e.g. a timeout).
- `last_run_at` (S, ISO 8601 UTC): when the latest run started.
- `last_success_at` (S): when the latest successful run started; kept when later runs fail or are skipped.
- `counts` (M of N): what the latest successful run did (e.g. `days_until_reauthorization`); kept like
  `last_success_at`.
- `details` (M of S): short texts of the latest successful run (the orders sync's window and watermark).
- `last_error` (S): the latest failure's message; kept while runs are skipped, removed by the next success.
- `reason` (S): why the latest run was skipped (only while `state` is `SKIPPED`).
- `duration_ms` (N): how long the latest finished run took.
- `consecutive_failures` (N): failed runs since the latest success (ADDed by each failure, set to 0 by a success, in
  the same conditional UpdateItem as the rest; skipped runs leave it as it is).
- `updated_at` (S): when the item was last written.

gsi1 keys are deliberately absent: gsi1 `DUE#<sync_type>` on these items is reserved for the orders scheduler.

Every write is one UpdateItem conditional on `last_run_at` not being later than the writing run's start, so a slow
or redelivered run that finishes late never overwrites the outcome of a newer one (there is no read-then-write).
A write that loses that race returns False.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from shared.clock import utc_now
from shared.models.sync import SyncState, SyncStatus
from shared.repositories.errors import InvalidStoredItemError
from shared.repositories.items import from_item, to_item, update_expression

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SYNC_PREFIX = "SYNC#"
# DynamoDB items hold up to 400 KB, but a status is read by people: keep messages to a screenful.
MAX_MESSAGE_CHARS = 2000
_NOT_NEWER = "attribute_not_exists(#run) OR #run <= :run"


def _key(connection_id: str, sync_type: str) -> dict[str, Any]:
    return {"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": f"{SYNC_PREFIX}{sync_type}"}}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class InvalidStoredSyncStatusError(InvalidStoredItemError):
    """A SYNC# item no longer validates (typically edited by hand in the console)."""

    item_kind = "sync status"


class SyncStatusRepository:
    """Records and reads the outcome of each connection's latest run per sync type (see the module doc)."""

    def __init__(
        self, table_name: str, dynamodb_client: DynamoDBClient, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._table = table_name
        self._client = dynamodb_client
        self._clock = clock

    def record_start(self, connection_id: str, sync_type: str, run_at: datetime) -> bool:
        """Marks a run as under way (RUNNING); the previous outcome's details stay until this run ends."""
        return self._write(connection_id, sync_type, run_at, {"state": SyncState.RUNNING}) is not None

    def record_success(
        self,
        connection_id: str,
        sync_type: str,
        run_at: datetime,
        counts: Mapping[str, int],
        duration_ms: int,
        details: Mapping[str, str] | None = None,
    ) -> bool:
        """OK: stores the counts, the details and `last_success_at`, clears the last error."""
        values = {
            "state": SyncState.OK,
            "last_success_at": _iso(run_at),
            "counts": dict(counts),
            "details": dict(details or {}),
            "duration_ms": duration_ms,
            "last_error": None,
            "reason": None,
            "consecutive_failures": 0,
        }
        return self._write(connection_id, sync_type, run_at, values) is not None

    def record_failure(
        self, connection_id: str, sync_type: str, run_at: datetime, error: str, duration_ms: int | None = None
    ) -> bool:
        """ERROR with its message; `last_success_at` and `counts` of the last success are kept."""
        return self.record_failed_run(connection_id, sync_type, run_at, error, duration_ms) is not None

    def record_failed_run(
        self, connection_id: str, sync_type: str, run_at: datetime, error: str, duration_ms: int | None = None
    ) -> int | None:
        """As `record_failure`; answers the failures in a row counting this one (None when a newer run's outcome is
        already recorded)."""
        values = {"state": SyncState.ERROR, "last_error": error[:MAX_MESSAGE_CHARS], "reason": None}
        written = self._write(connection_id, sync_type, run_at, values | {"duration_ms": duration_ms}, add_failure=True)
        return None if written is None else int(written.get("consecutive_failures", 0))

    def record_skipped(self, connection_id: str, sync_type: str, run_at: datetime, reason: str) -> bool:
        """SKIPPED with the reason; the last success and the last error are kept."""
        values = {"state": SyncState.SKIPPED, "reason": reason[:MAX_MESSAGE_CHARS], "duration_ms": None}
        return self._write(connection_id, sync_type, run_at, values) is not None

    def _write(
        self,
        connection_id: str,
        sync_type: str,
        run_at: datetime,
        values: Mapping[str, Any],
        *,
        add_failure: bool = False,
    ) -> dict[str, Any] | None:
        """One conditional UpdateItem; the attributes it wrote (plain values), or None when it lost the race."""
        item = {
            "connection_id": connection_id,
            "sync_type": sync_type,
            "last_run_at": _iso(run_at),
            **values,
            "updated_at": _iso(self._clock()),
        }
        expression, names, attribute_values = update_expression(item)
        names["#run"] = "last_run_at"
        attribute_values[":run"] = _iso(run_at)
        if add_failure:
            expression += " ADD #failures :one"
            names["#failures"], attribute_values[":one"] = "consecutive_failures", 1
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=_key(connection_id, sync_type),
                UpdateExpression=expression,
                ConditionExpression=_NOT_NEWER,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(attribute_values),
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return None
        return from_item(response.get("Attributes", {}))

    def get(self, connection_id: str, sync_type: str) -> SyncStatus | None:
        """The status of one sync type of a connection, or None before its first run."""
        response = self._client.get_item(TableName=self._table, Key=_key(connection_id, sync_type), ConsistentRead=True)
        return _status(connection_id, from_item(response["Item"])) if "Item" in response else None

    def list_for_connection(self, connection_id: str) -> list[SyncStatus]:
        """Every sync status of a connection, by sync type (a Query on its partition)."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_item({":pk": f"CONN#{connection_id}", ":prefix": SYNC_PREFIX}),
            ConsistentRead=True,
        )
        return [_status(connection_id, from_item(item)) for page in pages for item in page.get("Items", [])]


def _status(connection_id: str, item: Mapping[str, Any]) -> SyncStatus:
    fields = dict(item)
    fields.setdefault("sync_type", str(item["sk"]).removeprefix(SYNC_PREFIX))
    fields.setdefault("connection_id", connection_id)
    try:
        return SyncStatus.model_validate(fields)
    except ValidationError as exc:
        raise InvalidStoredSyncStatusError(connection_id, exc) from None
