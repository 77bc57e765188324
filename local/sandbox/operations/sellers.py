"""Sellers API: getMarketplaceParticipations."""

from local.sandbox.api import ApiResponse, Ctx, operation
from local.sandbox.marketplaces import marketplace


@operation("sellers", "getMarketplaceParticipations")
def get_marketplace_participations(ctx: Ctx) -> ApiResponse:
    """The marketplaces the calling seller sells in (its region only: authorizations are regional)."""
    seller = ctx.require_seller()
    payload = []
    for marketplace_id in seller.marketplace_ids:
        market = marketplace(marketplace_id)
        payload.append(
            {
                "marketplace": {
                    "id": market.id,
                    "name": market.name,
                    "countryCode": market.country_code,
                    "defaultCurrencyCode": market.currency,
                    "defaultLanguageCode": market.language,
                    "domainName": market.domain,
                },
                "storeName": seller.store_name,
                "participation": {"isParticipating": True, "hasSuspendedListings": False},
            }
        )
    return ApiResponse(200, {"payload": payload})
