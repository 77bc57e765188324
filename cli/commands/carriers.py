"""`sellersync carriers check NAME`: what a warehouse's carrier name becomes at Amazon, and which rule decided.

The same `coerce_carrier` the shipments capability sends with (docs/shipments.md, "Carriers"), with the alias map of
a stored connection (`--connection`, read from the stack like `settings get`) or of a JSON file (`--alias-map`).
"""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.errors import UsageError, reporting
from cli.options import DEFAULT_STACK_NAME, JsonOpt, LocalOpt, StackOpt
from cli.render import cell, console, print_json, table

if TYPE_CHECKING:
    from shared.spapi.marketplaces import Marketplace

HELP = "Carrier names: what a warehouse's carrier name becomes at Amazon (CarrierCode, carrierName)."
app = typer.Typer(help=HELP, no_args_is_help=True)

RULES = {
    "alias_map": "the alias map ({source})",
    "builtin": "Seller Sync's built-in aliases (shared/shipments/data/carrier_aliases.toml)",
    "exact": "an accepted CarrierCode as written",
    "normalised": "an accepted CarrierCode once case, spaces, punctuation and accents are ignored",
    "other": "no accepted CarrierCode: sent as Other with the name as carrierName",
}
DEFAULT_COUNTRY = "US"


def marketplace_of(value: str) -> "Marketplace":
    """A marketplace from a country code (UK, GB, DE) or a marketplace id; UsageError when neither."""
    from shared.spapi.marketplaces import UnknownMarketplaceError, marketplace_by_country, marketplace_by_id

    for lookup in (marketplace_by_id, marketplace_by_country):
        try:
            return lookup(value.strip())
        except UnknownMarketplaceError:
            continue
    raise UsageError(f"unknown marketplace {value!r}: give a country code (UK, DE, US, ...) or a marketplace id")


def alias_map_from_file(path: Path) -> dict[str, str]:
    """A JSON object of warehouse name -> Amazon code, validated as the `carrier_alias_map` setting is."""
    from shared.models.settings import ConnectionSettings

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--alias-map {path}: not a readable JSON file ({exc})") from None
    if not isinstance(data, dict):
        raise UsageError(f"--alias-map {path}: must hold a JSON object of warehouse name -> Amazon carrier code")
    return dict(ConnectionSettings(carrier_alias_map=data).carrier_alias_map)


def connection_alias_map(connection_id: str, local: bool, stack_name: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """The connection's `carrier_alias_map` and its marketplaces, read from the stack's connections table."""
    from cli.target import resolve_target
    from cli.wiring import connections_repository
    from shared.repositories.errors import ConnectionNotFoundError

    repo = connections_repository(resolve_target(local, stack_name))
    connection = repo.get_connection(connection_id)
    if connection is None:
        raise ConnectionNotFoundError(connection_id)
    return dict(repo.get_settings(connection_id).carrier_alias_map), connection.marketplace_ids


def check_view(name: str, marketplace: "Marketplace", alias_map: dict[str, str], source: str | None) -> dict[str, Any]:
    """What `name` becomes in the marketplace with the alias map: the JSON of `--json`, the rows of the table."""
    from shared.shipments.carriers import coerce_carrier

    try:
        choice = coerce_carrier(name, marketplace.id, alias_map)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return {
        "name": name,
        "marketplace_id": marketplace.id,
        "country": marketplace.country_code,
        "carrier_code": choice.code,
        "carrier_name": choice.name,
        "rule": choice.rule,
        "because": RULES[choice.rule].format(source=source or "none given"),
        "alias_map_source": source,
        "alias_map_entries": len(alias_map),
    }


@app.command("check")
def check(
    name: Annotated[str, typer.Argument(help="The carrier as the warehouse names it, e.g. 'UPS Ground'.")],
    marketplace: Annotated[
        str | None,
        typer.Option(
            help="Country code (UK) or marketplace id (A1F83G8C2ARO7P); default: the connection's first "
            f"marketplace, else {DEFAULT_COUNTRY}.",
            show_default=False,
        ),
    ] = None,
    connection: Annotated[
        str | None, typer.Option(help="Use this connection's carrier_alias_map setting (read from the stack).")
    ] = None,
    alias_map: Annotated[
        Path | None,
        typer.Option(
            "--alias-map", help="Use this JSON file's {warehouse name: Amazon code} instead of a connection's."
        ),
    ] = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Show the CarrierCode (and carrierName) a carrier name is sent as, and which rule decided."""
    with reporting():
        if connection and alias_map:
            raise UsageError("give --connection or --alias-map, not both")
        aliases: dict[str, str] = {}
        source: str | None = None
        marketplace_ids: tuple[str, ...] = ()
        if connection:
            aliases, marketplace_ids = connection_alias_map(connection, local, stack_name)
            source = f"carrier_alias_map of {connection}"
        elif alias_map:
            aliases, source = alias_map_from_file(alias_map), str(alias_map)
        chosen = marketplace_of(marketplace) if marketplace else None
        if chosen is None:
            chosen = marketplace_of(marketplace_ids[0] if marketplace_ids else DEFAULT_COUNTRY)
        view = check_view(name, chosen, aliases, source)
    if as_json:
        print_json(view)
        return
    rows = [
        ["carrierCode", cell(view["carrier_code"])],
        ["carrierName", cell(view["carrier_name"])],
        ["rule", f"{view['rule']}: {cell(view['because'])}"],
    ]
    title = f"{cell(name)} in {view['country']} ({view['marketplace_id']})"
    console.print(table(title, ["sent as", "value"], rows, no_wrap={"sent as"}))
