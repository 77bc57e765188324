"""DynamoDB's billing rules for the cost meter (cost_meter.py): item sizes, request units, and index writes.

Apart from the meter so the rules can be read (and tested) on their own: DynamoDB bills an item's write at its size in
1 KB units, a read in 4 KB units (halved when eventually consistent), and a global secondary index's write only where
the item is in the index (has its key attributes) before or after the write, as its developer guide says
("Provisioned throughput considerations for global secondary indexes").
"""

import base64
import math
from dataclasses import dataclass
from typing import Any

KB = 1024


def value_size(value: dict[str, Any]) -> int:
    """Bytes of one DynamoDB attribute value, by DynamoDB's item size rules."""
    ((kind, data),) = value.items()
    if kind == "S":
        return len(str(data).encode())
    if kind == "N":
        return (len(str(data).lstrip("-").replace(".", "").strip("0")) + 1) // 2 + 1
    if kind == "B":
        return len(base64.b64decode(data))
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: item}) for item in data)
    if kind == "L":
        return 3 + sum(1 + value_size(item) for item in data)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + value_size(v) for k, v in data.items())
    return 1  # BOOL, NULL


def item_size(item: dict[str, Any]) -> int:
    """Bytes of a DynamoDB item (attribute names + values)."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def write_units(size: int) -> float:
    """Write request units of one item write (1 KB each, at least 1)."""
    return float(max(1, math.ceil(size / KB)))


def read_units(size: int, consistent: bool) -> float:
    """Read request units of one read of `size` bytes (4 KB each; eventually consistent halves it)."""
    units = float(max(1, math.ceil(size / (4 * KB))))
    return units if consistent else units / 2


Item = dict[str, Any]


@dataclass(frozen=True)
class Index:
    """A global secondary index: its key attributes, and what it projects (`projected` None: ALL)."""

    keys: tuple[str, ...]
    projected: tuple[str, ...] | None

    def entry(self, item: Item | None) -> Item | None:
        """The index's copy of `item`, or None when the item lacks a key attribute (a sparse index skips it)."""
        if item is None or any(k not in item for k in self.keys):
            return None
        return item if self.projected is None else {k: v for k, v in item.items() if k in self.projected}


@dataclass(frozen=True)
class TableShape:
    """A table's primary key attributes and its global secondary indexes."""

    keys: tuple[str, ...]
    indexes: tuple[Index, ...]

    @classmethod
    def of(cls, properties: dict[str, Any]) -> "TableShape":
        """From an AWS::DynamoDB::Table's Properties in the template."""
        keys = tuple(str(k["AttributeName"]) for k in properties.get("KeySchema", []))
        indexes = []
        for gsi in properties.get("GlobalSecondaryIndexes", []):
            index_keys = tuple(str(k["AttributeName"]) for k in gsi["KeySchema"])
            projection = gsi.get("Projection", {})
            kind = projection.get("ProjectionType", "ALL")
            extra = tuple(projection.get("NonKeyAttributes", [])) if kind == "INCLUDE" else ()
            indexes.append(Index(index_keys, None if kind == "ALL" else keys + index_keys + extra))
        return cls(keys, tuple(indexes))

    def key_of(self, item: Item) -> Item:
        return {k: item[k] for k in self.keys if k in item}


def index_write_units(index: Index, before: Item | None, after: Item | None) -> float:
    """Write units a table write costs one index, by DynamoDB's rules: none when the item is in the index neither
    before nor after; one write to put it in or take it out; two when its index key changed (out, then in); one when
    only its projected attributes changed; none when its index entry is unchanged."""
    old, new = index.entry(before), index.entry(after)
    if old is None and new is None:
        return 0.0
    if old is None or new is None:
        return write_units(item_size(old or new or {}))
    if any(old[k] != new[k] for k in index.keys):
        return write_units(item_size(old)) + write_units(item_size(new))
    return 0.0 if old == new else write_units(item_size(new))
