"""handle_notification on fakes, starting from Amazon's own ORDER_CHANGE example."""

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from jsonschema import Draft7Validator

from shared.models.connection import Connection, ConnectionStatus
from shared.models.settings import ConnectionSettings
from shared.orders.notifications import (
    Handled,
    NotificationDeps,
    UnprocessableNotificationError,
    handle_order_notification,
    parse_envelope,
)
from shared.orders.sync import INCLUDED_DATA, OrdersApi
from shared.repositories.errors import NoRefreshTokenError
from shared.spapi.errors import AuthorizationRevokedError, ServerError
from shared.spapi.marketplaces import Region
from tests.unit.orders.amazon import amazon_item, amazon_order, imported
from tests.unit.orders.fakes import ENABLED, FakeOrdersApi, SinkHarness, make_logger
from tests.unit.sync.fakes import FakeConnections, invalid_settings_error, log_lines

SCHEMA_PATH = Path(__file__).parents[3] / "local/sandbox/models/schemas/notifications/OrderChangeNotification.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())
EXAMPLE: dict[str, Any] = SCHEMA["examples"][0]
SELLER, US = "A3TH9S8BH6GOGM", "ATVPDKIKX0DER"
CID = f"na-{SELLER.lower()}"
ORDER_ID, ITEM_ID = "903-8868176-2219830", "OIID34853450"
CHANGED_AT = datetime(2022, 11, 29, 19, 42, 4, 284000, tzinfo=UTC)  # the example's TimeOfOrderChange
SECOND = CHANGED_AT.replace(microsecond=0)  # the same change as getOrder's lastUpdatedTime (whole seconds)


def example(**changes: Any) -> dict[str, Any]:
    """Amazon's example; `changes` replace keys of Payload.OrderChangeNotification (None removes one)."""
    body = copy.deepcopy(EXAMPLE)
    notification = body["Payload"]["OrderChangeNotification"]
    for key, value in changes.items():
        if value is None:
            notification.pop(key)
        else:
            notification[key] = value
    return body


def amazon_example_order(**fields: Any) -> dict[str, Any]:
    """The example's order as getOrder answers it: unshipped, 10 units, the buyer asked to cancel."""
    fields.setdefault("updated", SECOND)
    fields.setdefault("items", [amazon_item(ITEM_ID, "SellerSKUID1", quantity=10, request_reason="BUYER_CANCELLED")])
    return amazon_order(ORDER_ID, **fields)


def us_connection(status: ConnectionStatus = ConnectionStatus.ACTIVE) -> Connection:
    at = datetime(2022, 1, 1, tzinfo=UTC)
    return Connection(
        selling_partner_id=SELLER,
        region=Region.NA,
        name="US shop",
        marketplace_ids=(US,),
        status=status,
        authorized_at=at,
        created_at=at,
        updated_at=at,
    )


@dataclass
class Consumer:
    """NotificationDeps on fakes; `api_error` is raised when the client is built (e.g. no refresh token)."""

    connections: FakeConnections = field(default_factory=FakeConnections)
    sinks: SinkHarness = field(default_factory=SinkHarness)
    api: FakeOrdersApi = field(default_factory=FakeOrdersApi)
    clients_built: list[str] = field(default_factory=list)
    api_error: Exception | None = None
    logger: Logger = field(default_factory=make_logger)

    def __post_init__(self) -> None:
        self.connections.add(us_connection(), ENABLED)
        self.api.orders[ORDER_ID] = amazon_example_order()

    def handle(self, body: dict[str, Any] | str) -> Handled:
        text = body if isinstance(body, str) else json.dumps(body)
        deps = NotificationDeps(self.connections, self._api_for, self.sinks.sink, self.logger)
        return handle_order_notification(text, deps)

    def _api_for(self, connection: Connection) -> OrdersApi:
        self.clients_built.append(connection.connection_id)
        if self.api_error is not None:
            raise self.api_error
        return self.api


def unprocessable(consumer: Consumer, body: dict[str, Any] | str) -> str:
    with pytest.raises(UnprocessableNotificationError) as caught:
        consumer.handle(body)
    assert consumer.clients_built == []
    return str(caught.value)


def test_amazons_example_is_valid_against_its_schema() -> None:
    Draft7Validator.check_schema(SCHEMA)
    assert list(Draft7Validator(SCHEMA).iter_errors(EXAMPLE)) == []


def test_amazons_example_parses() -> None:
    envelope = parse_envelope(json.dumps(EXAMPLE))

    assert (envelope.NotificationType, envelope.PayloadVersion) == ("ORDER_CHANGE", "1.0")
    assert envelope.NotificationMetadata.NotificationId == "d0e9e693-c3ad-4373-979f-ed4ec98dd746"


def test_amazons_example_fetches_the_order_and_imports_it() -> None:
    consumer = Consumer()

    handled = consumer.handle(EXAMPLE)

    assert handled == Handled("imported", ORDER_ID, 2)
    assert consumer.api.gets == [(ORDER_ID, INCLUDED_DATA)]
    assert consumer.sinks.publisher.detail_types() == ["OrderImported", "BuyerCancellationRequested"]
    stored = consumer.sinks.store.get(ORDER_ID)
    assert stored is not None and stored.order.connection_id == CID


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{not json", "not an SP-API notification: (event): Invalid JSON"),
        ("[]", "not an SP-API notification: "),
        (
            json.dumps({**EXAMPLE, "NotificationType": "ANY_OFFER_CHANGED"}),
            "unsupported notification type ANY_OFFER_CHANGED",
        ),
        (
            json.dumps({k: v for k, v in EXAMPLE.items() if k != "NotificationMetadata"}),
            "not an SP-API notification: NotificationMetadata: Field required",
        ),
        (json.dumps({**EXAMPLE, "Payload": {}}), "malformed ORDER_CHANGE payload: "),
        (json.dumps(example(AmazonOrderId=None)), "malformed ORDER_CHANGE payload: AmazonOrderId: Field required"),
        (json.dumps(example(SellerId="")), "malformed ORDER_CHANGE payload: SellerId: String should have at least"),
        (
            json.dumps(example(OrderChangeTrigger={"ChangeReason": "x"})),
            "malformed ORDER_CHANGE payload: OrderChangeTrigger.TimeOfOrderChange: Field required",
        ),
        (
            json.dumps(example(OrderChangeTrigger={"TimeOfOrderChange": "2022-11-29T19:42:04"})),
            "malformed ORDER_CHANGE payload: OrderChangeTrigger.TimeOfOrderChange: Input should have timezone info",
        ),
        (
            json.dumps(example(Summary={"OrderStatus": "Unshipped"})),
            "malformed ORDER_CHANGE payload: Summary.MarketplaceId",
        ),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "other-type",
        "no-metadata",
        "no-order-change",
        "no-order-id",
        "empty-seller",
        "no-time",
        "naive-time",
        "no-marketplace",
    ],
)
def test_what_can_never_be_processed_is_unprocessable_with_a_reason(body: str, reason: str) -> None:
    assert unprocessable(Consumer(), body).startswith(reason)


def test_an_unknown_marketplace_is_unprocessable() -> None:
    body = example()
    body["Payload"]["OrderChangeNotification"]["Summary"]["MarketplaceId"] = "AXXXXXXXXXXXXX"

    assert unprocessable(Consumer(), body) == "unknown marketplace AXXXXXXXXXXXXX"


def test_a_seller_without_a_connection_is_unprocessable() -> None:
    assert unprocessable(Consumer(), example(SellerId="A9NOBODY")) == "no connection na-a9nobody for seller A9NOBODY"


@pytest.mark.parametrize("status", [ConnectionStatus.NEEDS_REAUTHORIZATION, ConnectionStatus.DISCONNECTED])
def test_a_connection_that_is_not_active_defers_to_polling(status: ConnectionStatus) -> None:
    consumer = Consumer()
    consumer.connections.connections[CID] = us_connection(status)

    assert consumer.handle(EXAMPLE) == Handled("deferred", ORDER_ID)
    assert consumer.clients_built == [] and consumer.sinks.store.items == {}


def test_invalid_settings_defer_to_polling() -> None:
    consumer = Consumer()
    consumer.connections.settings[CID] = invalid_settings_error(CID)

    assert consumer.handle(EXAMPLE) == Handled("deferred", ORDER_ID)
    assert consumer.clients_built == []


def test_a_connection_without_the_orders_sync_ignores_it() -> None:
    consumer = Consumer()
    consumer.connections.settings[CID] = ConnectionSettings(enabled_syncs=frozenset({"inventory"}))

    assert consumer.handle(EXAMPLE) == Handled("ignored", ORDER_ID)
    assert consumer.clients_built == [] and consumer.sinks.store.items == {}


def seed(consumer: Consumer, **fields: Any) -> None:
    order = imported(**{"updated": SECOND, **fields})
    consumer.sinks.store.seed(order.model_copy(update={"order_id": ORDER_ID, "connection_id": CID}))


def test_a_stored_version_from_a_later_second_is_a_duplicate_without_an_amazon_call() -> None:
    consumer = Consumer()
    seed(consumer, updated=SECOND + timedelta(seconds=1), status="SHIPPED")

    assert consumer.handle(EXAMPLE) == Handled("duplicate", ORDER_ID)
    assert consumer.clients_built == [] and consumer.api.gets == []


def test_the_same_change_already_stored_is_a_duplicate_without_an_amazon_call() -> None:
    # Stored from getOrder in the change's second, matching the summary: Unshipped, 0 shipped, the item's request
    consumer = Consumer()
    seed(consumer, items=[amazon_item(ITEM_ID, "SellerSKUID1", quantity=10, request_reason="BUYER_CANCELLED")])

    assert consumer.handle(EXAMPLE) == Handled("duplicate", ORDER_ID)
    assert consumer.clients_built == [] and consumer.api.gets == []


def test_a_second_change_in_the_same_second_is_fetched() -> None:
    # Stored in the change's second, but without the buyer's request the notification reports
    consumer = Consumer()
    seed(consumer, items=[amazon_item(ITEM_ID, "SellerSKUID1", quantity=10)])

    handled = consumer.handle(EXAMPLE)

    assert handled == Handled("changed", ORDER_ID, 1)
    assert consumer.sinks.publisher.detail_types() == ["BuyerCancellationRequested"]


def test_an_older_stored_version_is_fetched_and_applied() -> None:
    consumer = Consumer()
    seed(consumer, updated=SECOND - timedelta(hours=1), items=[amazon_item(ITEM_ID, "SellerSKUID1", quantity=10)])
    consumer.api.orders[ORDER_ID] = amazon_example_order(
        status="SHIPPED", items=[amazon_item(ITEM_ID, quantity=10, shipped=10)]
    )

    handled = consumer.handle(EXAMPLE)

    assert handled == Handled("changed", ORDER_ID, 1)
    assert consumer.api.gets == [(ORDER_ID, INCLUDED_DATA)]
    assert consumer.sinks.publisher.detail_types() == ["OrderChanged"]


def with_fulfillment_type(value: str | None) -> dict[str, Any]:
    body = example()
    summary = body["Payload"]["OrderChangeNotification"]["Summary"]
    if value is None:
        summary.pop("FulfillmentType")
    else:
        summary["FulfillmentType"] = value
    return body


def test_an_amazon_fulfilled_order_we_do_not_hold_is_not_imported_without_an_amazon_call() -> None:
    # Polling asks searchOrders for merchant orders only (the default order_fulfilled_by): so does the consumer
    consumer = Consumer()

    assert consumer.handle(with_fulfillment_type("AFN")) == Handled("not_imported", ORDER_ID)
    assert consumer.clients_built == [] and consumer.sinks.store.items == {}


def test_without_a_fulfillment_type_the_fetched_order_decides() -> None:
    consumer = Consumer()
    consumer.api.orders[ORDER_ID] = amazon_example_order(fulfilled_by="AMAZON")

    assert consumer.handle(with_fulfillment_type(None)) == Handled("not_imported", ORDER_ID)
    assert consumer.api.gets == [(ORDER_ID, INCLUDED_DATA)] and consumer.sinks.store.items == {}


def test_amazon_fulfilled_orders_are_imported_when_the_settings_ask_for_them() -> None:
    consumer = Consumer()
    consumer.connections.settings[CID] = ENABLED.model_copy(update={"order_fulfilled_by": frozenset({"AMAZON"})})
    consumer.api.orders[ORDER_ID] = amazon_example_order(fulfilled_by="AMAZON")

    assert consumer.handle(with_fulfillment_type("AFN")).outcome == "imported"


def test_a_stored_order_is_updated_whatever_its_channel() -> None:
    consumer = Consumer()
    seed(consumer, updated=SECOND - timedelta(hours=1), fulfilled_by="AMAZON")
    consumer.api.orders[ORDER_ID] = amazon_example_order(fulfilled_by="AMAZON", status="SHIPPED")

    assert consumer.handle(with_fulfillment_type("AFN")).outcome == "changed"


def test_an_order_amazon_does_not_know_is_unprocessable() -> None:
    consumer = Consumer()
    del consumer.api.orders[ORDER_ID]

    with pytest.raises(UnprocessableNotificationError, match=f"order {ORDER_ID} not found at Amazon"):
        consumer.handle(EXAMPLE)


@pytest.mark.parametrize(
    "error",
    [
        AuthorizationRevokedError("LWA refresh_token grant refused", status=400, error="invalid_grant"),
        NoRefreshTokenError(CID),
    ],
    ids=["revoked", "no-token"],
)
def test_a_revoked_authorization_defers_to_polling(error: Exception) -> None:
    consumer = Consumer()
    consumer.api.errors[ORDER_ID] = [error]

    assert consumer.handle(EXAMPLE) == Handled("deferred", ORDER_ID)
    assert consumer.sinks.store.items == {}


def test_a_missing_refresh_token_when_building_the_client_defers_to_polling() -> None:
    consumer = Consumer(api_error=NoRefreshTokenError(CID))

    assert consumer.handle(EXAMPLE) == Handled("deferred", ORDER_ID)


def test_a_failure_that_may_pass_is_raised_for_the_queue_to_retry() -> None:
    consumer = Consumer()
    consumer.api.errors[ORDER_ID] = [ServerError(503, "ServiceUnavailable", "down", operation="getOrder")]

    with pytest.raises(ServerError):
        consumer.handle(EXAMPLE)


def test_log_keys_of_a_message_are_dropped_after_it(capsys: pytest.CaptureFixture[str]) -> None:
    consumer = Consumer(logger=Logger(service="orders-notification-log-test"))  # its own handler, on capsys
    consumer.connections.connections[CID] = us_connection(ConnectionStatus.DISCONNECTED)

    consumer.handle(EXAMPLE)
    consumer.logger.info("after")

    lines = log_lines(capsys.readouterr().out)
    deferred = next(line for line in lines if line["message"].startswith("connection not active"))
    assert (deferred["order_id"], deferred["connection_id"]) == (ORDER_ID, CID)
    assert deferred["notification_id"] == "d0e9e693-c3ad-4373-979f-ed4ec98dd746"
    assert not {"order_id", "connection_id", "notification_id"} & set(lines[-1])


def test_a_pending_order_we_do_not_hold_is_not_imported_without_an_amazon_call() -> None:
    consumer = Consumer()
    body = example()
    body["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"] = "Pending"

    assert consumer.handle(body) == Handled("not_imported", ORDER_ID)
    assert consumer.clients_built == [] and consumer.sinks.store.items == {}


def test_a_stored_order_is_fetched_whatever_the_summary_status() -> None:
    consumer = Consumer()
    seed(consumer, updated=SECOND - timedelta(hours=1), items=[amazon_item(ITEM_ID, "SellerSKUID1", quantity=10)])
    consumer.api.orders[ORDER_ID] = amazon_example_order(status="CANCELLED")
    body = example()
    body["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"] = "Canceled"

    assert consumer.handle(body).outcome == "changed"
    assert consumer.api.gets == [(ORDER_ID, INCLUDED_DATA)]
