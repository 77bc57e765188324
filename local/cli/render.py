"""Terminal output: readable tables with rich, or JSON for machines."""

import dataclasses
import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

# Not on a terminal (CI logs, pipes) rich would assume 80 columns and cut physical names short.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)


def print_json(value: Any) -> None:
    """Prints dataclasses, dicts and lists as JSON on stdout."""

    def default(obj: Any) -> Any:
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return dataclasses.asdict(obj)
        return str(obj)

    print(json.dumps(value, default=default, indent=2))


def table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    """A rich table with the given columns and rows."""
    out = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        out.add_column(column)
    for row in rows:
        out.add_row(*[str(cell) for cell in row])
    return out


def mark(ok: bool) -> str:
    """A green check or a red cross."""
    return "[green]✓[/green]" if ok else "[red]✗[/red]"
