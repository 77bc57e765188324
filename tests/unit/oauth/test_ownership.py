"""The callback's ownership checks on fakes: the seller proof by a Listings Items call, and what an invite may write."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest

from shared.models.connection import Connection, ConnectionStatus
from shared.models.oauth import StoredState
from shared.oauth.outcomes import OAuthFailure, Outcome
from shared.oauth.ownership import PROOF_SKU_PREFIX, prove_seller, write_mode
from shared.repositories.connections import ConnectionsRepository
from shared.spapi.errors import InvalidInputError, NotFoundError, ServerError, SpApiError, UnauthorizedError
from shared.spapi.marketplaces import Region
from shared.spapi.models.listings import IncludedListingData, ListingsItem
from shared.spapi.models.sellers import GetMarketplaceParticipationsResponse

NOW = datetime(2026, 12, 7, tzinfo=UTC)
SELLER, OTHER = "A1SELLERAAAA", "A2OTHERBBBB"


class FakeAmazon:
    """Answers getListingsItem with one scripted outcome and records what was asked."""

    def __init__(self, answer: Exception | None) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, list[str]]] = []

    def get_marketplace_participations(self) -> GetMarketplaceParticipationsResponse:
        raise AssertionError("not called by the proof")

    def get_listings_item(
        self,
        seller_id: str,
        sku: str,
        marketplace_ids: Sequence[str],
        included_data: Sequence[IncludedListingData] = (),
        issue_locale: str | None = None,
    ) -> ListingsItem:
        self.calls.append((seller_id, sku, list(marketplace_ids)))
        if self.answer is not None:
            raise self.answer
        return ListingsItem.model_validate({"sku": sku})


def _error(kind: type[SpApiError], status: int, code: str) -> SpApiError:
    return kind(status=status, code=code, message="…", operation="getListingsItem")


def test_a_404_for_an_impossible_sku_proves_the_seller() -> None:
    amazon = FakeAmazon(_error(NotFoundError, 404, "NOT_FOUND"))

    prove_seller(amazon, SELLER, "A1F83G8C2ARO7P")

    [(seller, sku, marketplaces)] = amazon.calls
    assert (seller, marketplaces) == (SELLER, ["A1F83G8C2ARO7P"])
    assert sku.startswith(PROOF_SKU_PREFIX) and len(sku) == len(PROOF_SKU_PREFIX) + 16
    prove_seller(amazon, SELLER, "A1F83G8C2ARO7P")
    assert amazon.calls[0][1] != amazon.calls[1][1]  # a fresh random SKU each time


def test_a_listing_found_also_means_the_token_reaches_this_sellers_listings() -> None:
    prove_seller(FakeAmazon(None), SELLER, "A1F83G8C2ARO7P")


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (_error(UnauthorizedError, 403, "Unauthorized"), Outcome.SELLER_NOT_PROVEN),
        (_error(InvalidInputError, 400, "InvalidInput"), Outcome.SELLER_NOT_PROVEN),
        (_error(ServerError, 503, "ServiceUnavailable"), Outcome.AMAZON_UNAVAILABLE),
        (_error(SpApiError, 409, "Conflict"), Outcome.AMAZON_REFUSED),
    ],
)
def test_anything_but_a_404_proves_nothing(answer: Exception, outcome: Outcome) -> None:
    with pytest.raises(OAuthFailure) as raised:
        prove_seller(FakeAmazon(answer), OTHER, "A1F83G8C2ARO7P")
    assert raised.value.outcome is outcome


class FakeConnections:
    def __init__(self, *existing: str) -> None:
        self.existing = set(existing)

    def get_connection(self, connection_id: str) -> Connection | None:
        if connection_id not in self.existing:
            return None
        seller = connection_id.split("-", 1)[1].upper()
        return Connection(
            selling_partner_id=seller,
            region=Region.EU,
            name="shop",
            marketplace_ids=(),
            status=ConnectionStatus.ACTIVE,
            authorized_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        )


def _state(connection_id: str | None = None) -> StoredState:
    return StoredState(
        invite_id="B" * 22,
        region=Region.EU,
        connection_id=connection_id,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=10),
    )


def _mode(connections: FakeConnections, state: StoredState, seller: str) -> str:
    return write_mode(cast(ConnectionsRepository, connections), state, seller)


def test_a_connect_link_creates_only() -> None:
    assert _mode(FakeConnections(), _state(), SELLER) == "create"
    with pytest.raises(OAuthFailure) as raised:
        _mode(FakeConnections(f"eu-{SELLER.lower()}"), _state(), SELLER)
    assert raised.value.outcome is Outcome.ALREADY_CONNECTED
    assert raised.value.facts == {"Connection": f"eu-{SELLER.lower()}"}


def test_a_reauthorization_link_renews_its_own_connection_only() -> None:
    mine = f"eu-{SELLER.lower()}"
    assert _mode(FakeConnections(mine), _state(mine), SELLER) == "renew"
    with pytest.raises(OAuthFailure) as raised:
        _mode(FakeConnections(mine, f"eu-{OTHER.lower()}"), _state(mine), OTHER)
    assert raised.value.outcome is Outcome.WRONG_ACCOUNT
    assert raised.value.facts == {}  # the page never names whose link it was
