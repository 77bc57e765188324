"""DynamoDB helpers shared by the tests: tables with the stack's key design, and atomic moto writes."""

import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

from moto.dynamodb.models import DynamoDBBackend


def create_table(
    dynamodb: Any, name: str, *, sort_key: bool = True, gsi1: bool = False, ttl: str | None = None, unique: bool = True
) -> str:
    """Creates a table as infra/constructs/data.py lays it out (pk [+ sk] strings, optional gsi1 and TTL)."""
    table = f"{name}-{uuid.uuid4().hex[:8]}" if unique else name
    keys = ["pk", "sk"] if sort_key else ["pk"]
    params: dict[str, Any] = {
        "TableName": table,
        "KeySchema": [{"AttributeName": k, "KeyType": t} for k, t in zip(keys, ("HASH", "RANGE"), strict=False)],
        "AttributeDefinitions": [
            {"AttributeName": a, "AttributeType": "S"} for a in keys + (["gsi1pk", "gsi1sk"] if gsi1 else [])
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if gsi1:
        params["GlobalSecondaryIndexes"] = [
            {
                "IndexName": "gsi1",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ]
    dynamodb.create_table(**params)
    if ttl:
        dynamodb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl})
    return table


@contextmanager
def atomic_conditional_writes(*methods: str) -> Iterator[None]:
    """Serializes moto's backend write methods, making conditional writes atomic as DynamoDB's are.

    moto server answers requests on concurrent threads and checks a ConditionExpression and writes without a lock, so
    two compare-and-set writes on one item can both land (seen: 2 in ~35). The race is moto's, not DynamoDB's; the
    server runs in this process, so patching its backend reaches it.
    """
    lock = threading.Lock()

    def locked(original: Any) -> Any:
        def method(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return original(self, *args, **kwargs)

        return method

    with ExitStack() as stack:
        for name in methods:
            stack.enter_context(mock.patch.object(DynamoDBBackend, name, locked(getattr(DynamoDBBackend, name))))
        yield
