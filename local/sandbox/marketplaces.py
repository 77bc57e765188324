"""Marketplaces the sandbox knows: IDs and regions from SP-API's Marketplace IDs table (REFERENCE.md section 1)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Marketplace:
    """One Amazon marketplace as getMarketplaceParticipations describes it."""

    id: str
    country_code: str
    name: str
    currency: str
    language: str
    domain: str
    region: str


MARKETPLACES: dict[str, Marketplace] = {
    m.id: m
    for m in (
        Marketplace("ATVPDKIKX0DER", "US", "Amazon.com", "USD", "en_US", "www.amazon.com", "NA"),
        Marketplace("A2EUQ1WTGCTBG2", "CA", "Amazon.ca", "CAD", "en_CA", "www.amazon.ca", "NA"),
        Marketplace("A1AM78C64UM0Y8", "MX", "Amazon.com.mx", "MXN", "es_MX", "www.amazon.com.mx", "NA"),
        Marketplace("A2Q3Y263D00KWC", "BR", "Amazon.com.br", "BRL", "pt_BR", "www.amazon.com.br", "NA"),
        # getMarketplaceParticipations reports the UK with its ISO code GB.
        Marketplace("A1F83G8C2ARO7P", "GB", "Amazon.co.uk", "GBP", "en_GB", "www.amazon.co.uk", "EU"),
        Marketplace("A1PA6795UKMFR9", "DE", "Amazon.de", "EUR", "de_DE", "www.amazon.de", "EU"),
        Marketplace("A13V1IB3VIYZZH", "FR", "Amazon.fr", "EUR", "fr_FR", "www.amazon.fr", "EU"),
        Marketplace("APJ6JRA9NG5V4", "IT", "Amazon.it", "EUR", "it_IT", "www.amazon.it", "EU"),
        Marketplace("A1RKKUPIHCS9HS", "ES", "Amazon.es", "EUR", "es_ES", "www.amazon.es", "EU"),
        Marketplace("A1805IZSGTT6HS", "NL", "Amazon.nl", "EUR", "nl_NL", "www.amazon.nl", "EU"),
        Marketplace("A2NODRKZP88ZB9", "SE", "Amazon.se", "SEK", "sv_SE", "www.amazon.se", "EU"),
        Marketplace("A1C3SOZRARQ6R3", "PL", "Amazon.pl", "PLN", "pl_PL", "www.amazon.pl", "EU"),
        Marketplace("A1VC38T7YXB528", "JP", "Amazon.co.jp", "JPY", "ja_JP", "www.amazon.co.jp", "FE"),
        Marketplace("A39IBJ37TRP1C6", "AU", "Amazon.com.au", "AUD", "en_AU", "www.amazon.com.au", "FE"),
        Marketplace("A19VAU5U5O7RUS", "SG", "Amazon.sg", "SGD", "en_SG", "www.amazon.sg", "FE"),
    )
}

REGIONS = ("NA", "EU", "FE")
# FBA fulfillment channel code per region, as listings report Amazon-fulfilled offers.
AFN_CHANNEL = {"NA": "AMAZON_NA", "EU": "AMAZON_EU", "FE": "AMAZON_FE"}
US = "ATVPDKIKX0DER"
CA = "A2EUQ1WTGCTBG2"
UK = "A1F83G8C2ARO7P"
DE = "A1PA6795UKMFR9"
FR = "A13V1IB3VIYZZH"
IT = "APJ6JRA9NG5V4"
ES = "A1RKKUPIHCS9HS"


def marketplace(marketplace_id: str) -> Marketplace:
    """The marketplace with this ID; raises KeyError for unknown IDs."""
    return MARKETPLACES[marketplace_id]
