"""SpApiClient.last_request_id: Amazon's x-amzn-RequestId of the last successful call, for the audit trail."""

from datetime import UTC, datetime

from shared.spapi.client import SpApiClient
from shared.spapi.models.feeds import CreateFeedRequest
from shared.spapi.models.shipments import ConfirmShipmentOrderItem, ConfirmShipmentRequest, PackageDetail
from tests.unit.spapi.fakes import FakeAdapter


def test_each_successful_call_leaves_its_request_id(client: SpApiClient, adapter: FakeAdapter) -> None:
    assert client.last_request_id is None
    adapter.reply(202, {"feedId": "feed-1"})
    client.create_feed(
        CreateFeedRequest(feed_type="JSON_LISTINGS_FEED", marketplace_ids=["M"], input_feed_document_id="d")
    )
    assert client.last_request_id == "req-202"

    adapter.reply(204, None)
    package = PackageDetail(
        package_reference_id="1",
        carrier_code="UPS",
        tracking_number="1Z",
        ship_date=datetime(2026, 12, 1, tzinfo=UTC),
        order_items=[ConfirmShipmentOrderItem(order_item_id="11", quantity=1)],
    )
    client.confirm_shipment("206-1", ConfirmShipmentRequest(marketplace_id="M", package_detail=package))
    assert client.last_request_id == "req-204"
