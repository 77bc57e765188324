"""The inventory table: per connection, the SKU states hashed into buckets (shared/inventory/state.py BUCKETS).

Item (pk `CONN#<connection_id>`, sk `BUCKET#<nnnn>`):
- `skus` (B): the bucket's `Bucket` (SKU -> SkuState) as gzip'd JSON: a bucket of 25 SKUs in two marketplaces is
  ~3 KB instead of ~20 KB of plain JSON, so a write costs a few WCU. `sellersync inventory status` shows it readably.
- `version` (N): incremented by every write; every write is conditional on the version it read (optimistic
  locking), so two writers of one bucket never both win and a loser re-reads and applies its change again.
- `sku_count` (N), `updated_at` (S): readable in the console.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from shared.clock import utc_now
from shared.models.inventory import Bucket
from shared.repositories.errors import RepositoryError
from shared.repositories.items import DEFAULT_BACKOFF, Backoff, batch_get

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# BatchGetItem takes at most 100 keys.
_BATCH_GET = 100
# Rounds of re-reading the buckets whose conditional write lost, before giving up (the message is retried).
MAX_ROUNDS = 8
# Concurrent conditional writes per call (boto3 clients are thread-safe).
WRITERS = 8


class InvalidBucketError(RepositoryError):
    """A bucket item that no longer parses (edited by hand): its SKUs cannot be updated until it is fixed."""


class BucketContentionError(RepositoryError):
    """Conditional bucket writes kept losing to other writers; the caller's message is retried later."""


@dataclass(frozen=True)
class StoredBucket:
    """A bucket as read, with the version its write must be conditional on (0: no item yet)."""

    bucket: Bucket
    version: int


def _key(connection_id: str, bucket_id: int) -> dict[str, Any]:
    return {"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": f"BUCKET#{bucket_id:04d}"}}


def _parse(connection_id: str, item: Mapping[str, Any]) -> tuple[int, StoredBucket]:
    bucket_id = int(item["sk"]["S"].removeprefix("BUCKET#"))
    try:
        bucket = Bucket.model_validate_json(gzip.decompress(item["skus"]["B"]))
    except (ValidationError, OSError, KeyError) as exc:
        raise InvalidBucketError(f"inventory bucket {bucket_id} of {connection_id} is invalid: {exc}") from None
    return bucket_id, StoredBucket(bucket, int(item["version"]["N"]))


class InventoryRepository:
    """Reads and conditionally writes SKU-state buckets (see the module doc)."""

    def __init__(
        self,
        table_name: str,
        dynamodb_client: DynamoDBClient,
        *,
        clock: Callable[[], datetime] = utc_now,
        backoff: Backoff = DEFAULT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._table = table_name
        self._client = dynamodb_client
        self._clock = clock
        self._backoff = backoff
        self._sleep = sleep

    def get_buckets(self, connection_id: str, bucket_ids: Iterable[int]) -> dict[int, StoredBucket]:
        """The buckets (strongly consistent); a bucket without an item is empty at version 0.

        Raises UnprocessedKeysError when DynamoDB keeps leaving keys unprocessed through the backoff's attempts.
        """
        wanted = sorted(set(bucket_ids))
        found: dict[int, StoredBucket] = {}
        for start in range(0, len(wanted), _BATCH_GET):
            keys = [_key(connection_id, b) for b in wanted[start : start + _BATCH_GET]]
            request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
            answer = batch_get(self._client, request, backoff=self._backoff, sleep=self._sleep)
            for item in answer.get(self._table, []):
                bucket_id, stored = _parse(connection_id, item)
                found[bucket_id] = stored
        return {b: found.get(b, StoredBucket(Bucket(), 0)) for b in wanted}

    def put_bucket(self, connection_id: str, bucket_id: int, bucket: Bucket, expected_version: int) -> bool:
        """Writes the bucket if it is still at `expected_version`; False when another writer came first."""
        item = {
            **_key(connection_id, bucket_id),
            "skus": {"B": gzip.compress(bucket.model_dump_json(exclude_none=True).encode(), compresslevel=6)},
            "version": {"N": str(expected_version + 1)},
            "sku_count": {"N": str(len(bucket.skus))},
            "updated_at": {"S": self._clock().isoformat()},
        }
        try:
            if expected_version == 0:
                self._client.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
            else:
                self._client.put_item(
                    TableName=self._table,
                    Item=item,
                    ConditionExpression="#version = :expected",
                    ExpressionAttributeNames={"#version": "version"},
                    ExpressionAttributeValues={":expected": {"N": str(expected_version)}},
                )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def update[R](
        self,
        connection_id: str,
        bucket_ids: Iterable[int],
        change: Callable[[int, Bucket], tuple[Bucket | None, R]],
    ) -> dict[int, R]:
        """Applies `change` to each bucket and writes the result conditionally; lost races re-read and re-apply.

        `change` must be pure (it may run several times per bucket): it returns the new bucket (None: nothing to
        write) and a result; the results of the applications that were written (or needed no write) are returned.
        Raises BucketContentionError after MAX_ROUNDS rounds of lost races.
        """
        pending = set(bucket_ids)
        results: dict[int, R] = {}
        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            for _ in range(MAX_ROUNDS):
                if not pending:
                    return results
                stored = self.get_buckets(connection_id, pending)
                applied = {b: change(b, s.bucket) for b, s in stored.items()}
                writes = [(b, new, stored[b].version) for b, (new, _) in applied.items() if new is not None]
                won = pool.map(lambda w: self.put_bucket(connection_id, *w), writes)
                outcomes = {b: ok for (b, _, _), ok in zip(writes, won, strict=True)}
                for bucket_id, (_, result) in applied.items():
                    if outcomes.get(bucket_id, True):
                        results[bucket_id] = result
                        pending.discard(bucket_id)
        if pending:
            raise BucketContentionError(f"inventory buckets of {connection_id}: {len(pending)} kept losing races")
        return results

    def iter_buckets(self, connection_id: str) -> Iterator[tuple[int, StoredBucket]]:
        """Every bucket of the connection that has an item, in bucket order (paged Query)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"CONN#{connection_id}"}},
        }
        while True:
            answer = self._client.query(**request)
            for item in answer.get("Items", []):
                yield _parse(connection_id, item)
            if "LastEvaluatedKey" not in answer:
                return
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
