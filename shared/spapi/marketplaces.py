"""Regions, their endpoints and every marketplace: the one table the rest of the code looks things up in.

Sources: REFERENCE.md section 1 (marketplace ids and Seller Central URLs; IE, BE, ZA, EG and SA hosts are still
unverified against Amazon's own table). Currencies are the marketplaces' ISO 4217 currencies; default locales follow
the `defaultLanguageCode` form of getMarketplaceParticipations (`en_US`) and are only used as issue/report locales.
"""

from dataclasses import dataclass
from enum import StrEnum

from shared.settings import FunctionSettings

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"


class Region(StrEnum):
    """An SP-API region; one seller authorization (refresh token) covers every marketplace of its region."""

    NA = "NA"
    EU = "EU"
    FE = "FE"


class UnknownMarketplaceError(LookupError):
    """No marketplace matches the id or country code."""


@dataclass(frozen=True)
class RegionEndpoints:
    """The SP-API hosts of one region."""

    production: str
    sandbox: str
    aws_region: str


REGION_ENDPOINTS: dict[Region, RegionEndpoints] = {
    Region.NA: RegionEndpoints(
        "https://sellingpartnerapi-na.amazon.com", "https://sandbox.sellingpartnerapi-na.amazon.com", "us-east-1"
    ),
    Region.EU: RegionEndpoints(
        "https://sellingpartnerapi-eu.amazon.com", "https://sandbox.sellingpartnerapi-eu.amazon.com", "eu-west-1"
    ),
    Region.FE: RegionEndpoints(
        "https://sellingpartnerapi-fe.amazon.com", "https://sandbox.sellingpartnerapi-fe.amazon.com", "us-west-2"
    ),
}


@dataclass(frozen=True)
class Marketplace:
    """One Amazon marketplace. `country_code` is Amazon's code (UK for Great Britain); `iso_country` is ISO 3166."""

    id: str
    country_code: str
    name: str
    region: Region
    seller_central_url: str
    currency: str
    default_locale: str

    @property
    def iso_country(self) -> str:
        """ISO 3166-1 alpha-2 code (GB for the UK marketplace, as addresses carry it)."""
        return "GB" if self.country_code == "UK" else self.country_code


_EUROPE = "https://sellercentral-europe.amazon.com"
MARKETPLACES: tuple[Marketplace, ...] = (
    Marketplace("A2EUQ1WTGCTBG2", "CA", "Canada", Region.NA, "https://sellercentral.amazon.ca", "CAD", "en_CA"),
    Marketplace("ATVPDKIKX0DER", "US", "United States", Region.NA, "https://sellercentral.amazon.com", "USD", "en_US"),
    Marketplace("A1AM78C64UM0Y8", "MX", "Mexico", Region.NA, "https://sellercentral.amazon.com.mx", "MXN", "es_MX"),
    Marketplace("A2Q3Y263D00KWC", "BR", "Brazil", Region.NA, "https://sellercentral.amazon.com.br", "BRL", "pt_BR"),
    Marketplace("A28R8C7NBKEWEA", "IE", "Ireland", Region.EU, "https://sellercentral.amazon.ie", "EUR", "en_IE"),
    Marketplace("A1RKKUPIHCS9HS", "ES", "Spain", Region.EU, _EUROPE, "EUR", "es_ES"),
    Marketplace("A1F83G8C2ARO7P", "UK", "United Kingdom", Region.EU, _EUROPE, "GBP", "en_GB"),
    Marketplace("A13V1IB3VIYZZH", "FR", "France", Region.EU, _EUROPE, "EUR", "fr_FR"),
    Marketplace("AMEN7PMS3EDWL", "BE", "Belgium", Region.EU, "https://sellercentral.amazon.com.be", "EUR", "fr_BE"),
    Marketplace("A1805IZSGTT6HS", "NL", "Netherlands", Region.EU, "https://sellercentral.amazon.nl", "EUR", "nl_NL"),
    Marketplace("A1PA6795UKMFR9", "DE", "Germany", Region.EU, _EUROPE, "EUR", "de_DE"),
    Marketplace("APJ6JRA9NG5V4", "IT", "Italy", Region.EU, _EUROPE, "EUR", "it_IT"),
    Marketplace("A2NODRKZP88ZB9", "SE", "Sweden", Region.EU, "https://sellercentral.amazon.se", "SEK", "sv_SE"),
    Marketplace("AE08WJ6YKNBMC", "ZA", "South Africa", Region.EU, "https://sellercentral.amazon.co.za", "ZAR", "en_ZA"),
    Marketplace("A1C3SOZRARQ6R3", "PL", "Poland", Region.EU, "https://sellercentral.amazon.pl", "PLN", "pl_PL"),
    Marketplace("ARBP9OOSHTCHU", "EG", "Egypt", Region.EU, "https://sellercentral.amazon.eg", "EGP", "ar_EG"),
    Marketplace("A33AVAJ2PDY3EV", "TR", "Turkey", Region.EU, "https://sellercentral.amazon.com.tr", "TRY", "tr_TR"),
    Marketplace("A17E79C6D8DWNP", "SA", "Saudi Arabia", Region.EU, "https://sellercentral.amazon.sa", "SAR", "ar_SA"),
    Marketplace(
        "A2VIGQ35RCS4UG", "AE", "United Arab Emirates", Region.EU, "https://sellercentral.amazon.ae", "AED", "en_AE"
    ),
    Marketplace("A21TJRUUN4KGV", "IN", "India", Region.EU, "https://sellercentral.amazon.in", "INR", "en_IN"),
    Marketplace("A19VAU5U5O7RUS", "SG", "Singapore", Region.FE, "https://sellercentral.amazon.sg", "SGD", "en_SG"),
    Marketplace("A39IBJ37TRP1C6", "AU", "Australia", Region.FE, "https://sellercentral.amazon.com.au", "AUD", "en_AU"),
    Marketplace("A1VC38T7YXB528", "JP", "Japan", Region.FE, "https://sellercentral.amazon.co.jp", "JPY", "ja_JP"),
)

_BY_ID = {m.id: m for m in MARKETPLACES}
_BY_COUNTRY = {m.country_code: m for m in MARKETPLACES}


def marketplace_by_id(marketplace_id: str) -> Marketplace:
    """The marketplace with this id; raises UnknownMarketplaceError."""
    try:
        return _BY_ID[marketplace_id]
    except KeyError:
        raise UnknownMarketplaceError(f"unknown marketplace id {marketplace_id!r}") from None


def marketplace_by_country(country_code: str) -> Marketplace:
    """The marketplace of a country code (Amazon's UK or ISO GB alike); raises UnknownMarketplaceError."""
    code = country_code.strip().upper()
    try:
        return _BY_COUNTRY["UK" if code == "GB" else code]
    except KeyError:
        raise UnknownMarketplaceError(f"unknown marketplace country {country_code!r}") from None


def marketplaces_in_region(region: Region) -> tuple[Marketplace, ...]:
    """Every marketplace of a region, in table order."""
    return tuple(m for m in MARKETPLACES if m.region is region)


@dataclass(frozen=True)
class Endpoints:
    """Where one connection's calls go: the SP-API base URL, the LWA token URL and the Seller Central URL."""

    spapi_url: str
    lwa_token_url: str
    seller_central_url: str


def resolve_endpoints(
    marketplace: Marketplace,
    settings: FunctionSettings | None = None,
    *,
    sandbox: bool = False,
    spapi_url: str | None = None,
    lwa_token_url: str | None = None,
    seller_central_url: str | None = None,
) -> Endpoints:
    """Endpoints for a seller's home marketplace: the region's host unless an override is given.

    Explicit arguments win over `settings` (SPAPI_ENDPOINT_URL, LWA_TOKEN_URL, SELLER_CENTRAL_URL), which win over
    the table; `sandbox=True` picks Amazon's static sandbox host of the region.
    """
    hosts = REGION_ENDPOINTS[marketplace.region]
    env = settings or _NoOverrides()
    return Endpoints(
        spapi_url=_first(spapi_url, env.spapi_endpoint_url) or (hosts.sandbox if sandbox else hosts.production),
        lwa_token_url=_first(lwa_token_url, env.lwa_token_url) or LWA_TOKEN_URL,
        seller_central_url=_first(seller_central_url, env.seller_central_url) or marketplace.seller_central_url,
    )


@dataclass(frozen=True)
class _NoOverrides:
    spapi_endpoint_url: str | None = None
    lwa_token_url: str | None = None
    seller_central_url: str | None = None


def spapi_base_url(region: Region, override: str | None = None, *, sandbox: bool = False) -> str:
    """The SP-API base URL of a region (without trailing slash), or the override."""
    if override:
        return override.rstrip("/")
    hosts = REGION_ENDPOINTS[region]
    return hosts.sandbox if sandbox else hosts.production


def _first(*values: str | None) -> str | None:
    return next((v.rstrip("/") for v in values if v), None)
