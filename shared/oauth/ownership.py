"""Whose authorization it is, and which connection it may write: the callback's checks before anything is stored.

Amazon's redirect names the seller (`selling_partner_id`), but the browser carries it, so a link holder can rewrite
it. Nothing Amazon returns for a fresh token names its seller (getMarketplaceParticipations has no seller id), so
the callback proves it instead: a Listings Items call on `/listings/2021-08-01/items/{sellerId}/{sku}` for a SKU
that cannot exist. Amazon looks the SKU up only in the listings of the token's own seller and answers 404 NOT_FOUND;
for another seller's id it refuses (403 Unauthorized "Access to requested resource is denied."). Anything but a 404
(or a 200) proves nothing, so it stores nothing (docs/decisions.md, 2026-12-07).

Then the invite decides what may be written: a connect link creates a new connection only; a re-authorization link
(`connection_id` set) renews that connection only, and only for its own seller.
"""

import secrets
from collections.abc import Callable, Sequence
from typing import Protocol

from pydantic import SecretStr

from shared.models.connection import connection_id_for
from shared.models.oauth import StoredState
from shared.oauth.outcomes import OAuthFailure, Outcome
from shared.repositories.connections import ConnectionsRepository, WriteMode
from shared.repositories.errors import InvalidStoredConnectionError
from shared.spapi.errors import (
    InvalidInputError,
    LwaError,
    NotFoundError,
    RetryableError,
    SpApiError,
    UnauthorizedError,
)
from shared.spapi.marketplaces import Marketplace, Region
from shared.spapi.models.listings import IncludedListingData, ListingsItem
from shared.spapi.models.sellers import GetMarketplaceParticipationsResponse

# A SKU no seller holds: a fixed prefix and 64 random bits, in the characters every SKU path accepts.
PROOF_SKU_PREFIX = "sellersync-ownership-check-"


class SellerApi(Protocol):
    """The two SP-API calls the callback makes with the fresh access token (SpApiClient has both)."""

    def get_marketplace_participations(self) -> GetMarketplaceParticipationsResponse: ...

    def get_listings_item(
        self,
        seller_id: str,
        sku: str,
        marketplace_ids: Sequence[str],
        included_data: Sequence[IncludedListingData] = (),
        issue_locale: str | None = None,
    ) -> ListingsItem: ...


SellerApiFactory = Callable[[Region, str, SecretStr], SellerApi]

_AMAZON_ERRORS: dict[type[Exception], Outcome] = {
    RetryableError: Outcome.AMAZON_UNAVAILABLE,
    SpApiError: Outcome.AMAZON_REFUSED,
    LwaError: Outcome.AMAZON_REFUSED,
}


def _amazon_failure(exc: Exception, operation: str) -> OAuthFailure:
    outcome = next(o for kind, o in _AMAZON_ERRORS.items() if isinstance(exc, kind))
    return OAuthFailure(outcome, f"{operation}: {exc}")


def read_participations(api: SellerApi) -> GetMarketplaceParticipationsResponse:
    """getMarketplaceParticipations; Amazon failing becomes AMAZON_UNAVAILABLE or AMAZON_REFUSED."""
    try:
        return api.get_marketplace_participations()
    except (RetryableError, SpApiError, LwaError) as exc:
        raise _amazon_failure(exc, "getMarketplaceParticipations") from None


def proof_marketplace(marketplaces: Sequence[Marketplace], state: StoredState) -> str:
    """The marketplace the proof call names: the seller's first one in the region, else the consent's home one."""
    return marketplaces[0].id if marketplaces else state.home_marketplace.id


def prove_seller(api: SellerApi, seller: str, marketplace_id: str) -> None:
    """Raises OAuthFailure(SELLER_NOT_PROVEN) unless Amazon answers for `seller`'s own listings with this token."""
    sku = f"{PROOF_SKU_PREFIX}{secrets.token_hex(8)}"
    try:
        api.get_listings_item(seller, sku, [marketplace_id])
    except NotFoundError:
        return  # Amazon searched this seller's listings for the SKU: the token is this seller's
    except (UnauthorizedError, InvalidInputError) as exc:
        raise OAuthFailure(
            Outcome.SELLER_NOT_PROVEN, f"getListingsItem for {seller}: HTTP {exc.status} {exc.code}"
        ) from None
    except (RetryableError, SpApiError, LwaError) as exc:
        raise _amazon_failure(exc, "getListingsItem") from None


def write_mode(connections: ConnectionsRepository, state: StoredState, seller: str) -> WriteMode:
    """How the proven seller's authorization may be stored under this invite; raises OAuthFailure when not at all.

    A connect link ("create"): refused with ALREADY_CONNECTED when the seller has a connection in the region.
    A re-authorization link ("renew"): refused with WRONG_ACCOUNT unless the seller is that connection's.
    """
    cid = connection_id_for(seller, state.region)
    if state.connection_id is not None:
        if state.connection_id != cid:
            raise OAuthFailure(Outcome.WRONG_ACCOUNT, f"link renews {state.connection_id}, consented as {seller}")
        return "renew"
    try:
        exists = connections.get_connection(cid) is not None
    except InvalidStoredConnectionError:
        exists = True
    if exists:
        raise already_connected(cid)
    return "create"


def already_connected(connection_id: str) -> OAuthFailure:
    """The refusal of a connect link by a seller who is connected already (the page names their connection)."""
    return OAuthFailure(
        Outcome.ALREADY_CONNECTED,
        f"{connection_id} exists; a connect link only creates connections",
        facts={"Connection": connection_id},
    )
