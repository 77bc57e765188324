"""One call of every client method: the request it must send and a valid answer (shared by the client tests)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.spapi.client import SpApiClient
from shared.spapi.models.feeds import CreateFeedRequest
from shared.spapi.models.listings import ListingsItemPatchRequest, PatchOperation, SearchListingsItemsQuery
from shared.spapi.models.notifications import (
    CreateDestinationRequest,
    CreateSubscriptionRequest,
    DestinationResourceSpecification,
    EventFilter,
    ProcessingDirective,
    SqsResource,
)
from shared.spapi.models.orders import SearchOrdersQuery
from shared.spapi.models.reports import CreateReportRequest
from shared.spapi.models.shipments import ConfirmShipmentOrderItem, ConfirmShipmentRequest, PackageDetail

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ORDER = {
    "orderId": "202-7654321-1098765",
    "createdTime": "2026-01-01T10:00:00Z",
    "lastUpdatedTime": "2026-01-01T11:00:00Z",
    "salesChannel": {"channelName": "AMAZON", "marketplaceId": "A1PA6795UKMFR9"},
    "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT"},
    "orderItems": [{"orderItemId": "20276543210987", "quantityOrdered": 2, "product": {"sellerSku": "SKU-1"}}],
}
SHIPMENT = ConfirmShipmentRequest(
    marketplace_id="A1PA6795UKMFR9",
    package_detail=PackageDetail(
        package_reference_id="1",
        carrier_code="DHL",
        tracking_number="00340434161094042557",
        ship_date=T0,
        order_items=[ConfirmShipmentOrderItem(order_item_id="20276543210987", quantity=2)],
    ),
)
PATCH = ListingsItemPatchRequest(
    product_type="PRODUCT",
    patches=[
        PatchOperation(
            op="replace",
            path="/attributes/fulfillment_availability",
            value=[{"fulfillment_channel_code": "DEFAULT", "quantity": 7, "lead_time_to_ship_max_days": 3}],
        )
    ],
)
LISTING = {
    "sku": "SKU/1 #a",
    "summaries": [],
    "fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT", "quantity": 7}],
}


@dataclass(frozen=True)
class Case:
    """A client call, the request it must send and the answer the fake gives."""

    call: Callable[[SpApiClient], Any]
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    status: int = 200
    answer: Any = None
    grantless: bool = False


CASES = {
    "searchOrders": Case(
        lambda c: c.search_orders(
            SearchOrdersQuery(
                last_updated_after=T0,
                marketplace_ids=["A1PA6795UKMFR9", "A1F83G8C2ARO7P"],
                fulfilled_by=["MERCHANT"],
                fulfillment_statuses=["UNSHIPPED", "PARTIALLY_SHIPPED"],
                included_data=["BUYER", "RECIPIENT"],
                max_results_per_page=100,
            ),
            "tok-1",
        ),
        "GET",
        "/orders/2026-01-01/orders",
        {
            "lastUpdatedAfter": "2026-01-02T03:04:05Z",
            "marketplaceIds": "A1PA6795UKMFR9,A1F83G8C2ARO7P",
            "fulfilledBy": "MERCHANT",
            "fulfillmentStatuses": "UNSHIPPED,PARTIALLY_SHIPPED",
            "includedData": "BUYER,RECIPIENT",
            "maxResultsPerPage": "100",
            "paginationToken": "tok-1",
        },
        answer={"orders": [ORDER], "pagination": {"nextToken": "tok-2"}},
    ),
    "getOrder": Case(
        lambda c: c.get_order("202-7654321-1098765", ["PACKAGES", "CANCELLATION"]),
        "GET",
        "/orders/2026-01-01/orders/202-7654321-1098765",
        {"includedData": "PACKAGES,CANCELLATION"},
        answer={"order": ORDER},
    ),
    "confirmShipment": Case(
        lambda c: c.confirm_shipment("202-7654321-1098765", SHIPMENT),
        "POST",
        "/orders/v0/orders/202-7654321-1098765/shipmentConfirmation",
        body={
            "marketplaceId": "A1PA6795UKMFR9",
            "packageDetail": {
                "packageReferenceId": "1",
                "carrierCode": "DHL",
                "trackingNumber": "00340434161094042557",
                "shipDate": "2026-01-02T03:04:05Z",
                "orderItems": [{"orderItemId": "20276543210987", "quantity": 2}],
            },
        },
        status=204,
    ),
    "getMarketplaceParticipations": Case(
        lambda c: c.get_marketplace_participations(),
        "GET",
        "/sellers/v1/marketplaceParticipations",
        answer={"payload": []},
    ),
    "createFeedDocument": Case(
        lambda c: c.create_feed_document("application/json; charset=UTF-8"),
        "POST",
        "/feeds/2021-06-30/documents",
        body={"contentType": "application/json; charset=UTF-8"},
        status=201,
        answer={"feedDocumentId": "doc-1", "url": "https://s3.example/doc-1"},
    ),
    "createFeed": Case(
        lambda c: c.create_feed(
            CreateFeedRequest(
                feed_type="JSON_LISTINGS_FEED", marketplace_ids=["A1PA6795UKMFR9"], input_feed_document_id="doc-1"
            )
        ),
        "POST",
        "/feeds/2021-06-30/feeds",
        body={"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": ["A1PA6795UKMFR9"], "inputFeedDocumentId": "doc-1"},
        status=202,
        answer={"feedId": "feed-1"},
    ),
    "getFeed": Case(
        lambda c: c.get_feed("feed-1"),
        "GET",
        "/feeds/2021-06-30/feeds/feed-1",
        answer={
            "feedId": "feed-1",
            "feedType": "JSON_LISTINGS_FEED",
            "createdTime": "2026-01-01T00:00:00Z",
            "processingStatus": "DONE",
            "resultFeedDocumentId": "res-1",
        },
    ),
    "getFeedDocument": Case(
        lambda c: c.get_feed_document("res-1"),
        "GET",
        "/feeds/2021-06-30/documents/res-1",
        answer={"feedDocumentId": "res-1", "url": "https://s3.example/res-1", "compressionAlgorithm": "GZIP"},
    ),
    "createReport": Case(
        lambda c: c.create_report(
            CreateReportRequest(
                report_type="GET_MERCHANT_LISTINGS_ALL_DATA", marketplace_ids=["A1PA6795UKMFR9"], data_start_time=T0
            )
        ),
        "POST",
        "/reports/2021-06-30/reports",
        body={
            "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
            "marketplaceIds": ["A1PA6795UKMFR9"],
            "dataStartTime": "2026-01-02T03:04:05Z",
        },
        status=202,
        answer={"reportId": "rep-1"},
    ),
    "getReport": Case(
        lambda c: c.get_report("rep-1"),
        "GET",
        "/reports/2021-06-30/reports/rep-1",
        answer={
            "reportId": "rep-1",
            "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
            "createdTime": "2026-01-01T00:00:00Z",
            "processingStatus": "DONE",
            "reportDocumentId": "rdoc-1",
        },
    ),
    "cancelReport": Case(lambda c: c.cancel_report("rep-1"), "DELETE", "/reports/2021-06-30/reports/rep-1"),
    "getReportDocument": Case(
        lambda c: c.get_report_document("rdoc-1"),
        "GET",
        "/reports/2021-06-30/documents/rdoc-1",
        answer={"reportDocumentId": "rdoc-1", "url": "https://s3.example/rdoc-1"},
    ),
    "getListingsItem": Case(
        lambda c: c.get_listings_item(
            "A3SELLER", "SKU/1 #a", ["A1PA6795UKMFR9"], ["summaries", "fulfillmentAvailability"], "en_US"
        ),
        "GET",
        "/listings/2021-08-01/items/A3SELLER/SKU%2F1%20%23a",
        {
            "marketplaceIds": "A1PA6795UKMFR9",
            "includedData": "summaries,fulfillmentAvailability",
            "issueLocale": "en_US",
        },
        answer=LISTING,
    ),
    "patchListingsItem": Case(
        lambda c: c.patch_listings_item(
            "A3SELLER", "SKU-1", ["A1PA6795UKMFR9", "A13V1IB3VIYZZH"], PATCH, validation_preview=True
        ),
        "PATCH",
        "/listings/2021-08-01/items/A3SELLER/SKU-1",
        {"marketplaceIds": "A1PA6795UKMFR9,A13V1IB3VIYZZH", "includedData": "issues", "mode": "VALIDATION_PREVIEW"},
        body=PATCH.to_body(),
        answer={"sku": "SKU-1", "status": "VALID", "submissionId": "sub-1", "issues": []},
    ),
    "searchListingsItems": Case(
        lambda c: c.search_listings_items(
            "A3SELLER",
            SearchListingsItemsQuery(
                marketplace_ids=["A1PA6795UKMFR9"],
                included_data=["summaries", "relationships"],
                variation_parent_sku="PARENT-1",
                page_size=20,
            ),
            "page-2",
        ),
        "GET",
        "/listings/2021-08-01/items/A3SELLER",
        {
            "marketplaceIds": "A1PA6795UKMFR9",
            "includedData": "summaries,relationships",
            "variationParentSku": "PARENT-1",
            "pageSize": "20",
            "pageToken": "page-2",
        },
        answer={"numberOfResults": 1, "items": [LISTING]},
    ),
    "createDestination": Case(
        lambda c: c.create_destination(
            CreateDestinationRequest(
                name="seller-sync",
                resource_specification=DestinationResourceSpecification(
                    sqs=SqsResource(arn="arn:aws:sqs:eu-west-1:123456789012:notifications")
                ),
            )
        ),
        "POST",
        "/notifications/v1/destinations",
        body={
            "name": "seller-sync",
            "resourceSpecification": {"sqs": {"arn": "arn:aws:sqs:eu-west-1:123456789012:notifications"}},
        },
        answer={
            "payload": {
                "destinationId": "dest-1",
                "name": "seller-sync",
                "resource": {"sqs": {"arn": "arn:aws:sqs:eu-west-1:123456789012:notifications"}},
            }
        },
        grantless=True,
    ),
    "createSubscription": Case(
        lambda c: c.create_subscription(
            "ORDER_CHANGE",
            CreateSubscriptionRequest(
                payload_version="1.0",
                destination_id="dest-1",
                processing_directive=ProcessingDirective(
                    event_filter=EventFilter(
                        event_filter_type="ORDER_CHANGE",
                        marketplace_ids=["A1PA6795UKMFR9"],
                        order_change_types=["OrderStatusChange"],
                    )
                ),
            ),
        ),
        "POST",
        "/notifications/v1/subscriptions/ORDER_CHANGE",
        body={
            "payloadVersion": "1.0",
            "destinationId": "dest-1",
            "processingDirective": {
                "eventFilter": {
                    "eventFilterType": "ORDER_CHANGE",
                    "marketplaceIds": ["A1PA6795UKMFR9"],
                    "orderChangeTypes": ["OrderStatusChange"],
                }
            },
        },
        answer={"payload": {"subscriptionId": "sub-1", "payloadVersion": "1.0", "destinationId": "dest-1"}},
    ),
    "deleteSubscriptionById": Case(
        lambda c: c.delete_subscription_by_id("ORDER_CHANGE", "sub-1"),
        "DELETE",
        "/notifications/v1/subscriptions/ORDER_CHANGE/sub-1",
        answer={},
        grantless=True,
    ),
}
