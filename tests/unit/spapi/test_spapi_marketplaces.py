"""The marketplace table, lookups and endpoint resolution with overrides."""

import pytest

from shared.settings import FunctionSettings
from shared.spapi.marketplaces import (
    LWA_TOKEN_URL,
    MARKETPLACES,
    REGION_ENDPOINTS,
    Region,
    UnknownMarketplaceError,
    marketplace_by_country,
    marketplace_by_id,
    marketplaces_in_region,
    resolve_endpoints,
    spapi_base_url,
)


def test_the_table_holds_every_marketplace_once() -> None:
    assert len(MARKETPLACES) == 23
    assert len({m.id for m in MARKETPLACES}) == len({m.country_code for m in MARKETPLACES}) == 23
    assert [len(marketplaces_in_region(r)) for r in Region] == [4, 16, 3]
    assert all(m.seller_central_url.startswith("https://sellercentral") for m in MARKETPLACES)
    assert all(len(m.currency) == 3 and len(m.default_locale) == 5 for m in MARKETPLACES)


@pytest.mark.parametrize(
    ("marketplace_id", "country", "region", "currency"),
    [
        ("ATVPDKIKX0DER", "US", Region.NA, "USD"),
        ("A1F83G8C2ARO7P", "UK", Region.EU, "GBP"),
        ("A1PA6795UKMFR9", "DE", Region.EU, "EUR"),
        ("A21TJRUUN4KGV", "IN", Region.EU, "INR"),
        ("A1VC38T7YXB528", "JP", Region.FE, "JPY"),
    ],
)
def test_lookups(marketplace_id: str, country: str, region: Region, currency: str) -> None:
    marketplace = marketplace_by_id(marketplace_id)
    assert (marketplace.country_code, marketplace.region, marketplace.currency) == (country, region, currency)
    assert marketplace_by_country(country.lower()) is marketplace


def test_uk_is_found_by_amazons_code_and_by_iso_gb() -> None:
    uk = marketplace_by_country("GB")
    assert uk is marketplace_by_country("UK")
    assert (uk.id, uk.iso_country) == ("A1F83G8C2ARO7P", "GB")


def test_unknown_marketplaces_raise() -> None:
    with pytest.raises(UnknownMarketplaceError):
        marketplace_by_id("NOPE")
    with pytest.raises(UnknownMarketplaceError):
        marketplace_by_country("XX")


def test_region_hosts() -> None:
    assert spapi_base_url(Region.FE) == "https://sellingpartnerapi-fe.amazon.com"
    assert spapi_base_url(Region.NA, sandbox=True) == "https://sandbox.sellingpartnerapi-na.amazon.com"
    assert spapi_base_url(Region.EU, "http://127.0.0.1:4010/") == "http://127.0.0.1:4010"
    assert REGION_ENDPOINTS[Region.EU].aws_region == "eu-west-1"


def test_endpoints_without_overrides_come_from_the_table() -> None:
    endpoints = resolve_endpoints(marketplace_by_country("MX"))
    assert endpoints.spapi_url == "https://sellingpartnerapi-na.amazon.com"
    assert endpoints.lwa_token_url == LWA_TOKEN_URL
    assert endpoints.seller_central_url == "https://sellercentral.amazon.com.mx"


def test_settings_override_the_table_and_arguments_override_settings() -> None:
    settings = FunctionSettings.model_validate(
        {
            "POWERTOOLS_SERVICE_NAME": "t",
            "SPAPI_ENDPOINT_URL": "http://127.0.0.1:4010/",
            "LWA_TOKEN_URL": "http://127.0.0.1:4010/auth/o2/token",
            "SELLER_CENTRAL_URL": "http://127.0.0.1:4010/sc",
        }
    )
    de = marketplace_by_country("DE")
    from_settings = resolve_endpoints(de, settings)
    assert from_settings.spapi_url == "http://127.0.0.1:4010"
    assert from_settings.lwa_token_url == "http://127.0.0.1:4010/auth/o2/token"
    assert from_settings.seller_central_url == "http://127.0.0.1:4010/sc"
    explicit = resolve_endpoints(de, settings, spapi_url="https://sandbox.example")
    assert explicit.spapi_url == "https://sandbox.example"
    assert resolve_endpoints(de, sandbox=True).spapi_url == "https://sandbox.sellingpartnerapi-eu.amazon.com"
