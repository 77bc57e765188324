"""The audit table: every change sent to Amazon, per connection in time order, kept 90 days (docs/operations.md).

Key design (one item per send, plain attributes, readable in the DynamoDB console):
- pk `AUDIT#<connection_id>`, sk `<at>#<kind>#<ref>` (`at` ISO 8601 UTC with microseconds, so sk sorts by time):
  `connection_id`, `kind`, `ref`, `at`, `operation`, `outcome`, `marketplace_id`, `request_id`, `message`, `entries`
  (a list of maps {sku | order_id, sent}), `entry_count`, `parts`, and once Amazon answered later `answered_at`,
  `counts` and `results` (SKU or order -> Amazon's result where it was not plain success); `expires_at` (TTL, epoch
  seconds, `at` + 90 days).
- sk `<at>#<kind>#<ref>#PART#<nnn>`: the entries after the first ENTRIES_PER_ITEM, ENTRIES_PER_ITEM per item: a
  25,000-message feed is 25 items of ~80 KB, each well under DynamoDB's 400 KB item limit (the per-message summary is
  one short line, SKU and values; the feed document itself is never stored).
No index: `--sku` and `--order` read the connection's records in the `--since` window and keep those that touch the
SKU or order. An index item per touched SKU would multiply the writes of every feed by its messages (25,000 writes
for one feed) on the hot path, for a query an operator runs now and then (docs/decisions.md, 2026-12-07).

Recording is idempotent: the head item is put only if absent (a retried recording of the same send writes nothing),
and the parts, written first, carry the same content each time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shared.models.audit import RETENTION_DAYS, AuditAnswer, AuditEntry, AuditKind, AuditRecord
from shared.repositories.items import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ENTRIES_PER_ITEM = 1000
_PART = "#PART#"


def _pk(connection_id: str) -> str:
    return f"AUDIT#{connection_id}"


def time_key(at: datetime) -> str:
    """The sort-key form of a time: UTC, fixed width, so keys sort in time order."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_key(connection_id: str, kind: AuditKind, ref: str, at: datetime) -> dict[str, Any]:
    """The key of a record's head item."""
    return {"pk": {"S": _pk(connection_id)}, "sk": {"S": f"{time_key(at)}#{kind.value}#{ref}"}}


def _entry(entry: AuditEntry) -> dict[str, str]:
    return entry.model_dump(exclude_none=True)


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class AuditRepository:
    """Records sends once, adds Amazon's later answers, lists a connection's records (the AuditRecorder port)."""

    def __init__(self, table_name: str, dynamodb_client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = dynamodb_client

    def record(self, record: AuditRecord) -> None:
        """Stores a send: its extra parts first, then the head item if it is not there yet (see the module doc)."""
        key = record_key(record.connection_id, record.kind, record.ref, record.at)
        entries = [_entry(e) for e in record.entries]
        chunks = [entries[i : i + ENTRIES_PER_ITEM] for i in range(0, len(entries), ENTRIES_PER_ITEM)] or [[]]
        expires = int((record.at + timedelta(days=RETENTION_DAYS)).timestamp())
        for number, chunk in enumerate(chunks[1:], start=1):
            part = {"entries": chunk, "expires_at": expires}
            self._client.put_item(
                TableName=self._table,
                Item={"pk": key["pk"], "sk": {"S": f"{key['sk']['S']}{_PART}{number:03d}"}, **to_item(part)},
            )
        head = {
            "connection_id": record.connection_id,
            "kind": record.kind.value,
            "ref": record.ref,
            "at": record.at.astimezone(UTC).isoformat(),
            "operation": record.operation,
            "outcome": record.outcome,
            "marketplace_id": record.marketplace_id,
            "request_id": record.request_id,
            "message": record.message,
            "entries": chunks[0],
            "entry_count": len(entries),
            "parts": len(chunks),
            "expires_at": expires,
        }
        try:
            self._client.put_item(
                TableName=self._table,
                Item={**key, **to_item(head)},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise

    def answer(self, answer: AuditAnswer) -> None:
        """Adds Amazon's later answer to a recorded send (nothing when the send was never recorded)."""
        values = {
            ":outcome": answer.outcome,
            ":answered": answer.answered_at.astimezone(UTC).isoformat(),
            ":counts": dict(answer.counts),
            ":results": dict(answer.results),
        }
        try:
            self._client.update_item(
                TableName=self._table,
                Key=record_key(answer.connection_id, answer.kind, answer.ref, answer.at),
                UpdateExpression=(
                    "SET outcome = :outcome, answered_at = :answered, counts = :counts, results = :results"
                ),
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=to_item(values),
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise

    def list_records(
        self,
        connection_id: str,
        since: datetime,
        *,
        sku: str | None = None,
        order_id: str | None = None,
        limit: int | None = None,
    ) -> list[AuditRecord]:
        """The connection's records sent at or after `since`, newest first; only those touching `sku` / `order_id`
        when given; at most `limit`."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk >= :since",
            "ExpressionAttributeValues": {":pk": {"S": _pk(connection_id)}, ":since": {"S": time_key(since)}},
            "ScanIndexForward": False,
        }
        heads: dict[str, dict[str, Any]] = {}
        parts: dict[str, list[tuple[str, list[dict[str, str]]]]] = {}
        while True:
            answer = self._client.query(**request)
            for item in answer.get("Items", []):
                values = from_item(item)
                sk = str(values["sk"])
                if _PART in sk:
                    head_sk, _, number = sk.rpartition(_PART)
                    parts.setdefault(head_sk, []).append((number, values.get("entries", [])))
                else:
                    heads[sk] = values
            if "LastEvaluatedKey" not in answer:
                break
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        found: list[AuditRecord] = []
        for sk in sorted(heads, reverse=True):
            extra = [e for _, chunk in sorted(parts.get(sk, [])) for e in chunk]
            record = _record(heads[sk], extra)
            if record.touches(sku, order_id):
                found.append(record)
                if limit is not None and len(found) >= limit:
                    break
        return found


def _record(values: dict[str, Any], extra: list[dict[str, str]]) -> AuditRecord:
    return AuditRecord(
        connection_id=values["connection_id"],
        kind=AuditKind(values["kind"]),
        ref=values["ref"],
        at=datetime.fromisoformat(values["at"]),
        operation=values["operation"],
        outcome=values["outcome"],
        marketplace_id=values.get("marketplace_id"),
        request_id=values.get("request_id"),
        message=values.get("message"),
        entries=tuple(AuditEntry.model_validate(e) for e in [*values.get("entries", []), *extra]),
        answered_at=datetime.fromisoformat(values["answered_at"]) if values.get("answered_at") else None,
        counts={k: int(v) for k, v in values.get("counts", {}).items()},
        results=dict(values.get("results", {})),
    )
