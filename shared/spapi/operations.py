"""Request builders, one per operation: pure functions from typed arguments to an ApiRequest."""

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from shared.spapi.lwa import NOTIFICATIONS_SCOPE, ROTATION_SCOPE
from shared.spapi.models.base import SpApiModel
from shared.spapi.models.feeds import CreateFeedDocumentRequest, CreateFeedRequest
from shared.spapi.models.listings import IncludedListingData, ListingsItemPatchRequest, SearchListingsItemsQuery
from shared.spapi.models.notifications import CreateDestinationRequest, CreateSubscriptionRequest
from shared.spapi.models.orders import IncludedOrderData, SearchOrdersQuery
from shared.spapi.models.reports import CreateReportRequest
from shared.spapi.models.shipments import ConfirmShipmentRequest
from shared.spapi.wire import ApiRequest, csv, iso_datetime

ORDERS = "/orders/2026-01-01"
FEEDS = "/feeds/2021-06-30"
REPORTS = "/reports/2021-06-30"
LISTINGS = "/listings/2021-08-01"
NOTIFICATIONS = "/notifications/v1"
APPLICATIONS = "/applications/2023-11-30"
JSON_LISTINGS_FEED = "JSON_LISTINGS_FEED"
# Seller-initiated cancellations (StatusCode Failure): the XML order acknowledgement feed (REFERENCE.md section 7).
ORDER_ACKNOWLEDGEMENT_FEED = "POST_ORDER_ACKNOWLEDGEMENT_DATA"


def segment(value: str) -> str:
    """A path parameter, percent-encoded (SKUs may hold '/', spaces or '#')."""
    return quote(value, safe="")


def query_params(model: SpApiModel) -> dict[str, str]:
    """A query model as Amazon's query string values: camelCase names, csv arrays, ISO dates; empty ones left out."""
    params: dict[str, str] = {}
    for name, value in model.model_dump(by_alias=True, exclude_none=True).items():
        if isinstance(value, list):
            if value:
                params[name] = csv([str(v) for v in value])
        elif isinstance(value, datetime):
            params[name] = iso_datetime(value)
        else:
            params[name] = str(value)
    return params


def search_orders(query: SearchOrdersQuery, pagination_token: str | None = None) -> ApiRequest:
    """GET searchOrders (v2026); the token continues a previous page of the same query."""
    params = query_params(query)
    if pagination_token:
        params["paginationToken"] = pagination_token
    return ApiRequest("searchOrders", "GET", f"{ORDERS}/orders", params)


def get_order(order_id: str, included_data: Sequence[IncludedOrderData] = ()) -> ApiRequest:
    """GET getOrder (v2026)."""
    params = {"includedData": csv(list(included_data))} if included_data else {}
    return ApiRequest("getOrder", "GET", f"{ORDERS}/orders/{segment(order_id)}", params)


def confirm_shipment(order_id: str, body: ConfirmShipmentRequest) -> ApiRequest:
    """POST confirmShipment (v0); idempotent per packageReferenceId."""
    path = f"/orders/v0/orders/{segment(order_id)}/shipmentConfirmation"
    return ApiRequest("confirmShipment", "POST", path, body=body.to_body())


def get_marketplace_participations() -> ApiRequest:
    """GET getMarketplaceParticipations."""
    return ApiRequest("getMarketplaceParticipations", "GET", "/sellers/v1/marketplaceParticipations")


def create_feed_document(content_type: str) -> ApiRequest:
    """POST createFeedDocument."""
    body = CreateFeedDocumentRequest(content_type=content_type).to_body()
    return ApiRequest("createFeedDocument", "POST", f"{FEEDS}/documents", body=body)


def create_feed(body: CreateFeedRequest) -> ApiRequest:
    """POST createFeed; a JSON_LISTINGS_FEED also takes from its own 5-per-5-minutes bucket."""
    buckets = ("createFeed#JSON_LISTINGS_FEED",) if body.feed_type == JSON_LISTINGS_FEED else ()
    return ApiRequest("createFeed", "POST", f"{FEEDS}/feeds", body=body.to_body(), buckets=buckets, idempotent=False)


def get_feed(feed_id: str) -> ApiRequest:
    """GET getFeed."""
    return ApiRequest("getFeed", "GET", f"{FEEDS}/feeds/{segment(feed_id)}")


def get_feed_document(feed_document_id: str) -> ApiRequest:
    """GET getFeedDocument."""
    return ApiRequest("getFeedDocument", "GET", f"{FEEDS}/documents/{segment(feed_document_id)}")


def create_report(body: CreateReportRequest) -> ApiRequest:
    """POST createReport."""
    return ApiRequest("createReport", "POST", f"{REPORTS}/reports", body=body.to_body(), idempotent=False)


def get_report(report_id: str) -> ApiRequest:
    """GET getReport."""
    return ApiRequest("getReport", "GET", f"{REPORTS}/reports/{segment(report_id)}")


def cancel_report(report_id: str) -> ApiRequest:
    """DELETE cancelReport (only an IN_QUEUE report can be cancelled)."""
    return ApiRequest("cancelReport", "DELETE", f"{REPORTS}/reports/{segment(report_id)}")


def get_report_document(report_document_id: str) -> ApiRequest:
    """GET getReportDocument."""
    return ApiRequest("getReportDocument", "GET", f"{REPORTS}/documents/{segment(report_document_id)}")


def get_listings_item(
    seller_id: str,
    sku: str,
    marketplace_ids: Sequence[str],
    included_data: Sequence[IncludedListingData] = (),
    issue_locale: str | None = None,
) -> ApiRequest:
    """GET getListingsItem."""
    params = {"marketplaceIds": csv(list(marketplace_ids))}
    if included_data:
        params["includedData"] = csv(list(included_data))
    if issue_locale:
        params["issueLocale"] = issue_locale
    return ApiRequest("getListingsItem", "GET", f"{LISTINGS}/items/{segment(seller_id)}/{segment(sku)}", params)


def patch_listings_item(
    seller_id: str,
    sku: str,
    marketplace_ids: Sequence[str],
    body: ListingsItemPatchRequest,
    *,
    validation_preview: bool = False,
    issue_locale: str | None = None,
) -> ApiRequest:
    """PATCH patchListingsItem; `validation_preview` checks the patch without applying it."""
    params = {"marketplaceIds": csv(list(marketplace_ids)), "includedData": "issues"}
    if validation_preview:
        params["mode"] = "VALIDATION_PREVIEW"
    if issue_locale:
        params["issueLocale"] = issue_locale
    path = f"{LISTINGS}/items/{segment(seller_id)}/{segment(sku)}"
    return ApiRequest("patchListingsItem", "PATCH", path, params, body=body.to_body())


def search_listings_items(seller_id: str, query: SearchListingsItemsQuery, page_token: str | None = None) -> ApiRequest:
    """GET searchListingsItems; the token continues a previous page of the same query."""
    params = query_params(query)
    if page_token:
        params["pageToken"] = page_token
    return ApiRequest("searchListingsItems", "GET", f"{LISTINGS}/items/{segment(seller_id)}", params)


def create_destination(body: CreateDestinationRequest) -> ApiRequest:
    """POST createDestination (grantless)."""
    return ApiRequest(
        "createDestination",
        "POST",
        f"{NOTIFICATIONS}/destinations",
        body=body.to_body(),
        scope=NOTIFICATIONS_SCOPE,
        idempotent=False,
    )


def get_destinations() -> ApiRequest:
    """GET getDestinations (grantless)."""
    return ApiRequest("getDestinations", "GET", f"{NOTIFICATIONS}/destinations", scope=NOTIFICATIONS_SCOPE)


def get_subscription(notification_type: str, payload_version: str | None = None) -> ApiRequest:
    """GET getSubscription (seller token)."""
    params = {"payloadVersion": payload_version} if payload_version else {}
    return ApiRequest("getSubscription", "GET", f"{NOTIFICATIONS}/subscriptions/{segment(notification_type)}", params)


def create_subscription(notification_type: str, body: CreateSubscriptionRequest) -> ApiRequest:
    """POST createSubscription (seller token, once per seller and region)."""
    path = f"{NOTIFICATIONS}/subscriptions/{segment(notification_type)}"
    return ApiRequest("createSubscription", "POST", path, body=body.to_body(), idempotent=False)


def delete_subscription_by_id(notification_type: str, subscription_id: str) -> ApiRequest:
    """DELETE deleteSubscriptionById (grantless)."""
    path = f"{NOTIFICATIONS}/subscriptions/{segment(notification_type)}/{segment(subscription_id)}"
    return ApiRequest("deleteSubscriptionById", "DELETE", path, scope=NOTIFICATIONS_SCOPE)


def rotate_application_client_secret() -> ApiRequest:
    """POST rotateApplicationClientSecret (grantless; 204, the new secret arrives as a notification). Not retried after
    an ambiguous timeout: a second rotation would expire the secret the first one just issued."""
    return ApiRequest(
        "rotateApplicationClientSecret",
        "POST",
        f"{APPLICATIONS}/clientSecret",
        scope=ROTATION_SCOPE,
        idempotent=False,
    )
