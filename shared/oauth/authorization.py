"""Storing a seller's authorization: shared by the OAuth callback and `sellersync connections add` (private apps).

Both end the same way: the marketplaces the seller takes part in (getMarketplaceParticipations, once per region), then
one connection per (selling partner id, region) holding the encrypted refresh token. A re-authorization of the same
seller and region lands on the same connection, replaces the token, makes it ACTIVE again and keeps its settings.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import SecretStr

from shared.models.connection import Connection, ConnectionStatus, connection_id_for
from shared.repositories.connections import ConnectionsRepository, WriteMode
from shared.repositories.errors import InvalidStoredConnectionError
from shared.spapi.marketplaces import Marketplace, Region, UnknownMarketplaceError, marketplace_by_id
from shared.spapi.models.sellers import GetMarketplaceParticipationsResponse


@dataclass(frozen=True)
class StoredAuthorization:
    """The connection as stored, and whether it existed before (a re-authorization)."""

    connection: Connection
    reauthorized: bool


def participating_marketplaces(region: Region, response: GetMarketplaceParticipationsResponse) -> list[Marketplace]:
    """The marketplaces of `region` the seller takes part in, in Amazon's order.

    Amazon also lists marketplaces outside our table (non-retail ones such as Amazon.com.au's B2B or test stores):
    those, and any of another region, are left out rather than failing the connection.
    """
    found: list[Marketplace] = []
    for entry in response.payload:
        if not entry.participation.is_participating:
            continue
        try:
            marketplace = marketplace_by_id(entry.marketplace.id)
        except UnknownMarketplaceError:
            continue
        if marketplace.region is region and marketplace not in found:
            found.append(marketplace)
    return found


def store_authorization(
    connections: ConnectionsRepository,
    *,
    selling_partner_id: str,
    region: Region,
    refresh_token: SecretStr,
    marketplaces: list[Marketplace],
    name: str | None,
    clock: Callable[[], datetime],
    mode: WriteMode = "upsert",
) -> StoredAuthorization:
    """Creates the connection or re-authorizes it (token replaced, ACTIVE again, settings kept).

    `mode` as in ConnectionsRepository.put_connection: the OAuth callback creates or renews, never both.
    """
    try:
        existing = connections.get_connection(connection_id_for(selling_partner_id, region))
        known = existing is not None
    except InvalidStoredConnectionError:
        # A META item broken by a console edit: the new authorization rewrites it (settings stay as they are).
        existing, known = None, True
    now = clock()
    connection = Connection(
        selling_partner_id=selling_partner_id,
        region=region,
        name=name or (existing.name if existing else f"{selling_partner_id} ({region.value})"),
        marketplace_ids=tuple(m.id for m in marketplaces),
        status=ConnectionStatus.ACTIVE,
        authorized_at=now,
        created_at=existing.created_at if existing else now,
        updated_at=now,
    )
    connections.put_connection(connection, refresh_token, mode)
    return StoredAuthorization(connection=connection, reauthorized=known or mode == "renew")
