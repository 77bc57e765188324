"""Command groups imported when they run: `sellersync --help` lists them by name and help alone.

Importing every command module would import boto3, pydantic models, the repositories and the SP-API client before
typer could print a line; a command's module is imported only when that command (or its `--help`) runs.
"""

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any, ClassVar

import typer
import typer.main
from typer import _click  # typer's own click: the Command and Context types of its groups
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class LazyCommand:
    """A typer app or a command function, `attribute` of `module`, with the one-line help `--help` lists."""

    module: str
    attribute: str
    help: str

    def load(self, name: str) -> _click.Command:
        """Imports the module and builds its click command, named `name`."""
        value: Any = getattr(importlib.import_module(self.module), self.attribute)
        holder = typer.Typer(add_completion=False)  # completion is the top level's option, not each group's
        if not isinstance(value, typer.Typer):
            holder.command(name)(value)
            return typer.main.get_command(holder)
        holder.add_typer(value, name=name)
        group = typer.main.get_command(holder)
        assert isinstance(group, TyperGroup)
        return group.commands[name]


class LazyGroup(TyperGroup):
    """A TyperGroup that also holds `lazy_commands`, loaded on first use; help listings show their help text."""

    lazy_commands: ClassVar[Mapping[str, LazyCommand]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._listing = False
        self._loaded: dict[str, _click.Command] = {}

    def list_commands(self, ctx: _click.Context) -> list[str]:
        """The commands defined here, then the lazy ones."""
        return [*super().list_commands(ctx), *self.lazy_commands]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        """A lazy command is imported, unless only its line of the help listing is wanted."""
        found = super().get_command(ctx, cmd_name)
        lazy = self.lazy_commands.get(cmd_name)
        if found is not None or lazy is None:
            return found
        if self._listing:
            return TyperCommand(cmd_name, help=lazy.help)
        if cmd_name not in self._loaded:
            self._loaded[cmd_name] = lazy.load(cmd_name)
        return self._loaded[cmd_name]

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        """As TyperGroup's, suggesting the lazy commands' names too when a name is mistyped."""
        try:
            return super().resolve_command(ctx, args)
        except _click.exceptions.UsageError as exc:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args and self.suggest_commands else []
            if matches and "Did you mean" not in exc.message:
                suggestions = ", ".join(repr(m) for m in matches)
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {suggestions}?"
            raise

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """The help, listing the lazy commands without importing them."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
