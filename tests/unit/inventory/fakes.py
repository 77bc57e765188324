"""The inventory state table in memory, for the unit tests of input, the reconciliation and the fast lane
(InventoryRepository's `update`, `get_buckets`, `list_buckets` and a state by SKU)."""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from shared.inventory.state import bucket_of
from shared.models.connection import Connection
from shared.models.inventory import Bucket, SkuState
from shared.repositories.inventory import StoredBucket

UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"
AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def uk_de_connection() -> Connection:
    """An ACTIVE connection of seller A1 selling in UK and DE, authorized at AT."""
    return Connection.model_validate(
        {
            "selling_partner_id": "A1",
            "name": "shop",
            "region": "EU",
            "marketplace_ids": [UK, DE],
            "authorized_at": AT,
            "created_at": AT,
            "updated_at": AT,
        }
    )


class MemoryBuckets:
    """Buckets by id; `update` applies the change function as the repository does (None: nothing to write)."""

    def __init__(self) -> None:
        self.items: dict[int, Bucket] = {}
        self.writes: list[int] = []  # the bucket of each write, in order

    def update(self, connection_id: str, bucket_ids: Any, change: Any) -> dict[int, Any]:
        out = {}
        for b in bucket_ids:
            new, result = change(b, self.items.get(b, Bucket()))
            if new is not None:
                self.items[b] = new
                self.writes.append(b)
            out[b] = result
        return out

    def get_buckets(self, connection_id: str, bucket_ids: Iterable[int]) -> dict[int, StoredBucket]:
        return {b: StoredBucket(self.items.get(b, Bucket()), 1) for b in bucket_ids}

    def list_buckets(self, connection_id: str) -> Iterator[tuple[int, StoredBucket]]:
        return iter([(b, StoredBucket(bucket, 1)) for b, bucket in sorted(self.items.items())])

    def state(self, sku: str) -> SkuState | None:
        return self.items.get(bucket_of(sku), Bucket()).skus.get(sku)
