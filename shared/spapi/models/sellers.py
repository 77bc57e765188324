"""Sellers API v1: the marketplaces a seller takes part in."""

from shared.spapi.models.base import Error, SpApiModel


class MarketplaceInfo(SpApiModel):
    """A marketplace as Amazon describes it (countryCode is ISO: GB for the UK)."""

    id: str
    name: str
    country_code: str
    default_currency_code: str
    default_language_code: str
    domain_name: str


class Participation(SpApiModel):
    """Whether the seller sells there."""

    is_participating: bool
    has_suspended_listings: bool


class MarketplaceParticipation(SpApiModel):
    """One marketplace of the seller's region and the seller's standing in it."""

    marketplace: MarketplaceInfo
    participation: Participation
    store_name: str


class GetMarketplaceParticipationsResponse(SpApiModel):
    """getMarketplaceParticipations' answer."""

    payload: list[MarketplaceParticipation] = []
    errors: list[Error] = []
