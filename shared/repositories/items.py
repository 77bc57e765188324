"""Plain Python values to DynamoDB attribute values and back, the way the console shows and edits them."""

from collections.abc import Collection, Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

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
