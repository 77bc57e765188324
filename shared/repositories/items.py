"""Plain Python values to DynamoDB attribute values and back, the way the console shows and edits them; and the
retry of a batch read's unprocessed keys."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from shared.repositories.errors import RepositoryError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def plain(value: Any) -> Any:
    """A value DynamoDB stores readably: ISO strings for datetimes, sorted lists for sets, None dropped from maps."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """An attribute-value map; None values are left out (an absent attribute is the console's 'unset')."""
    return {k: _SERIALIZER.serialize(plain(v)) for k, v in values.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values of an attribute-value map (numbers as Decimal, binaries as bytes)."""
    return {k: bytes(v["B"]) if "B" in v else _DESERIALIZER.deserialize(v) for k, v in item.items()}


def update_expression(
    values: Mapping[str, Any], *, if_not_exists: Collection[str] = ()
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """An UpdateExpression that SETs each non-None value and REMOVEs each None one; names and values to pass along.

    Attributes in `if_not_exists` are only set when the item does not hold them yet.
    """
    names: dict[str, str] = {}
    expression_values: dict[str, Any] = {}
    sets: list[str] = []
    removes: list[str] = []
    for index, (name, value) in enumerate(values.items()):
        names[f"#a{index}"] = name
        if value is None:
            removes.append(f"#a{index}")
            continue
        expression_values[f":v{index}"] = value
        target = f"if_not_exists(#a{index}, :v{index})" if name in if_not_exists else f":v{index}"
        sets.append(f"#a{index} = {target}")
    parts = ([f"SET {', '.join(sets)}"] if sets else []) + ([f"REMOVE {', '.join(removes)}"] if removes else [])
    return " ".join(parts), names, expression_values


class UnprocessedKeysError(RepositoryError):
    """DynamoDB left keys of a batch read unprocessed through every retry (the table is throttled)."""

    def __init__(self, tables: Collection[str], attempts: int) -> None:
        super().__init__(
            f"BatchGetItem still had unprocessed keys in {sorted(tables)} after {attempts} attempts; "
            "the table is throttled, retry later"
        )
        self.attempts = attempts


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter (AWS guidance for UnprocessedKeys): attempt n waits a random time in
    [0, min(cap, base * 2**n)] seconds; `attempts` bounds the calls, first one included."""

    attempts: int = 8
    base_seconds: float = 0.05
    cap_seconds: float = 2.0

    def delay(self, retry: int, uniform: Callable[[float, float], float]) -> float:
        """Seconds to wait before the `retry`-th retry (0-based)."""
        return uniform(0.0, min(self.cap_seconds, self.base_seconds * 2**retry))


DEFAULT_BACKOFF = Backoff()


def batch_get(
    client: DynamoDBClient,
    request: dict[str, Any],
    *,
    backoff: Backoff = DEFAULT_BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
    uniform: Callable[[float, float], float] = random.uniform,
) -> dict[str, list[dict[str, Any]]]:
    """Every item of a BatchGetItem request (at most 100 keys), by table.

    Unprocessed keys are asked for again after a backoff (`Backoff`); raises UnprocessedKeysError when some are still
    unprocessed after `backoff.attempts` calls.
    """
    found: dict[str, list[dict[str, Any]]] = {}
    for attempt in range(backoff.attempts):
        if attempt:
            sleep(backoff.delay(attempt - 1, uniform))
        answer = client.batch_get_item(RequestItems=request)
        for table, items in answer.get("Responses", {}).items():
            found.setdefault(table, []).extend(items)
        request = dict(answer.get("UnprocessedKeys") or {})
        if not request:
            return found
    raise UnprocessedKeysError(request, backoff.attempts)
