"""Terminal output: readable tables with rich, or JSON for machines."""

import dataclasses
import json
import re
import sys
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

# Not on a terminal (CI logs, pipes) rich would assume 80 columns and cut physical names short.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)
# C0 (but the newline multi-line cells use), DEL and C1: stored data (a SKU, Amazon's message) printed as it is could
# carry terminal escape sequences.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` without control characters (newlines kept)."""
    return _CONTROL.sub("", text)


def print_json(value: Any) -> None:
    """Prints dataclasses, dicts and lists as JSON on stdout."""

    def default(obj: Any) -> Any:
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return dataclasses.asdict(obj)
        return str(obj)

    print(json.dumps(value, default=default, indent=2))


def table(title: str, columns: list[str], rows: list[list[Any]], no_wrap: Collection[str] = ()) -> Table:
    """A rich table with the given columns and rows; the `no_wrap` columns (ids, times) are never wrapped."""
    out = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        out.add_column(column, no_wrap=column in no_wrap, overflow="fold")
    for row in rows:
        out.add_row(*[printable(str(cell)) for cell in row])
    return out


def mark(ok: bool) -> str:
    """A green check or a red cross."""
    return "[green]✓[/green]" if ok else "[red]✗[/red]"


def cell(value: Any) -> str:
    """A table cell showing stored data as it is: '-' for None, lists joined, maps as JSON, markup escaped, control
    characters stripped."""
    if value is None:
        text = "-"
    elif isinstance(value, datetime):
        text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    elif isinstance(value, list | tuple | set | frozenset):
        text = ", ".join(sorted(str(v) for v in value)) or "-"
    elif isinstance(value, dict):
        text = json.dumps(value, default=str, sort_keys=True) if value else "-"
    else:
        text = str(value)
    return escape(printable(text))
