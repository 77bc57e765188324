"""`sellersync connect-link`: a signed, single-use link that starts a seller's OAuth consent."""

import re
from datetime import timedelta
from typing import Annotated

import typer
from pydantic import ValidationError

from cli.errors import UsageError, reporting, validation_message
from cli.options import DEFAULT_STACK_NAME, JsonOpt, LocalOpt, StackOpt
from cli.render import cell, console, print_json, table
from cli.target import Target, resolve_target
from cli.wiring import connections_repository, invite_key, states_repository
from infra.outputs import Output
from shared.models.oauth import Invite
from shared.oauth.links import create_connect_link
from shared.spapi.marketplaces import Region

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """`90m`, `12h`, `7d`, `2w` as a timedelta; raises UsageError."""
    found = _DURATION.match(text.lower())
    if found is None:
        raise UsageError(f"--expires-in {text!r}: give a number and a unit (s, m, h, d or w), e.g. 7d")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def make_link(
    target: Target,
    region: Region,
    name: str | None,
    country: str | None,
    lifetime: timedelta,
    reauthorize: str | None = None,
) -> tuple[str, Invite]:
    """Records the invite and signs its link; raises UsageError for a lifetime or country the invite refuses."""
    states, key, api_url = states_repository(target), invite_key(target), target.output(Output.API_URL)
    try:
        return create_connect_link(
            states,
            key,
            api_url,
            region=region,
            name=name,
            country=country and country.upper(),
            lifetime=lifetime,
            reauthorize=reauthorize,
        )
    except ValidationError as exc:
        raise UsageError(validation_message(exc)) from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def link_region(target: Target, region: Region | None, reauthorize: str | None) -> Region:
    """The link's region: the connection's when re-authorizing (raises ConnectionNotFoundError), else --region."""
    if reauthorize is None:
        if region is None:
            raise UsageError("give --region (a new connection) or --reauthorize CONNECTION_ID (renew one)")
        return region
    from shared.repositories.errors import ConnectionNotFoundError

    connection = connections_repository(target).get_connection(reauthorize)
    if connection is None:
        raise ConnectionNotFoundError(reauthorize)
    if region is not None and region is not connection.region:
        raise UsageError(f"connection {reauthorize} is in region {connection.region.value}, not {region.value}")
    return connection.region


def connect_link(
    region: Annotated[
        Region | None, typer.Option(case_sensitive=False, help="The seller's SP-API region (a new connection).")
    ] = None,
    reauthorize: Annotated[
        str | None,
        typer.Option(
            metavar="CONNECTION_ID",
            help="Renew this connection instead: the link works only for the connection's own seller.",
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Name of the connection it creates, e.g. 'UK shop'.")] = None,
    country: Annotated[
        str | None, typer.Option(help="Country whose Seller Central the seller consents on (default: the region's).")
    ] = None,
    expires_in: Annotated[str, typer.Option(help="Lifetime: s, m, h, d or w; at most 30 days.")] = "7d",
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Create a link for a seller: a new connection, or (--reauthorize) renewing one; works once."""
    with reporting():
        lifetime = parse_duration(expires_in)
        target = resolve_target(local, stack_name)
        chosen = link_region(target, region, reauthorize)
        url, invite = make_link(target, chosen, name, country, lifetime, reauthorize)
    if as_json:
        print_json({"url": url, **invite.model_dump(mode="json")})
        return
    rows = [
        ["invite id", invite.invite_id],
        ["region", invite.region.value],
        ["renews", cell(invite.connection_id)],
        ["name", cell(invite.name)],
        ["country", cell(invite.country)],
        ["expires", cell(invite.expires_at)],
    ]
    console.print(table("Connect link", ["field", "value"], rows))
    console.print(url, soft_wrap=True, markup=False, highlight=False)
    purpose = (
        f"It re-authorizes connection {invite.connection_id} and only works for that connection's seller"
        if invite.connection_id
        else "It connects a new Amazon account (an account already connected needs --reauthorize)"
    )
    console.print(
        f"Send this link to the seller. It opens Amazon's consent page and works once, until {cell(invite.expires_at)}."
    )
    console.print(f"{purpose}.")
