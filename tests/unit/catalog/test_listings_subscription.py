"""ListingsSubscriber on fakes: the EventBridge destination made once per region and recorded, the three listings
subscriptions per connection (ISSUES_CHANGE at payload 2023-12-13), 409s adopted or replaced, failures answered
`failed` without raising."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from shared.catalog import SYNC_TYPE as CATALOG
from shared.catalog.notification_models import ISSUES_CHANGE, MFN_QUANTITY_CHANGE, STATUS_CHANGE, SUBSCRIBED_TYPES
from shared.catalog.subscription import ListingsSubscriber, subscribe_connections
from shared.models.connection import Connection, ConnectionStatus
from shared.models.settings import ConnectionSettings
from shared.repositories.subscriptions import SubscriptionRecord
from shared.spapi.errors import ServerError, SpApiError
from shared.spapi.marketplaces import Region
from shared.spapi.models.notifications import (
    CreateDestinationRequest,
    CreateDestinationResponse,
    CreateSubscriptionRequest,
    CreateSubscriptionResponse,
    Destination,
    DestinationResource,
    EventBridgeResource,
    GetDestinationsResponse,
    GetSubscriptionResponse,
    Subscription,
)
from tests.unit.sync.fakes import FakeConnections, invalid_settings_error

ACCOUNT, AWS_REGION = "123456789012", "eu-west-1"
AT = datetime(2026, 12, 7, tzinfo=UTC)


def connection() -> Connection:
    return Connection(
        selling_partner_id="A1SELLER",
        region=Region.EU,
        name="shop",
        marketplace_ids=("A1F83G8C2ARO7P",),
        authorized_at=AT,
        created_at=AT,
        updated_at=AT,
    )


@dataclass
class FakeRecords:
    subscriptions: dict[tuple[str, str], SubscriptionRecord] = field(default_factory=dict)
    destinations: dict[tuple[str, str], str] = field(default_factory=dict)

    def get_subscription(self, connection_id: str, notification_type: str) -> SubscriptionRecord | None:
        return self.subscriptions.get((connection_id, notification_type))

    def record_subscription(
        self, connection_id: str, notification_type: str, subscription_id: str, destination_id: str
    ) -> SubscriptionRecord:
        record = SubscriptionRecord(
            connection_id=connection_id,
            notification_type=notification_type,
            subscription_id=subscription_id,
            destination_id=destination_id,
            created_at=AT,
        )
        self.subscriptions[(connection_id, notification_type)] = record
        return record

    def get_destination(self, region: str, queue_arn: str) -> str | None:
        return self.destinations.get((region, queue_arn))

    def record_destination(self, region: str, queue_arn: str, destination_id: str) -> None:
        self.destinations[(region, queue_arn)] = destination_id


@dataclass
class FakeNotificationsApi:
    """Amazon's side: destinations and one subscription per type; `existing` answers 409 with that subscription."""

    destinations: list[Destination] = field(default_factory=list)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    fail: Exception | None = None

    def get_destinations(self) -> GetDestinationsResponse:
        self.calls.append("getDestinations")
        return GetDestinationsResponse(payload=self.destinations)

    def create_destination(self, body: CreateDestinationRequest) -> CreateDestinationResponse:
        self.calls.append("createDestination")
        bridge = body.resource_specification.event_bridge
        assert bridge is not None and body.resource_specification.sqs is None
        name = f"aws.partner/sellingpartnerapi.amazon/{bridge.account_id}/app"
        resource = DestinationResource(
            event_bridge=EventBridgeResource(name=name, region=bridge.region, account_id=bridge.account_id)
        )
        created = Destination(destination_id=f"dest-{len(self.destinations)}", name=body.name, resource=resource)
        self.destinations.append(created)
        return CreateDestinationResponse(payload=created)

    def create_subscription(
        self, notification_type: str, body: CreateSubscriptionRequest
    ) -> CreateSubscriptionResponse:
        self.calls.append(f"createSubscription {notification_type}")
        if self.fail is not None:
            raise self.fail
        if notification_type in self.subscriptions:
            raise SpApiError(409, "Conflict", "exists")
        made = Subscription(
            subscription_id=f"sub-{notification_type}",
            payload_version=body.payload_version,
            destination_id=body.destination_id,
        )
        self.subscriptions[notification_type] = made
        self.versions[notification_type] = body.payload_version
        return CreateSubscriptionResponse(payload=made)

    def get_subscription(self, notification_type: str, payload_version: str | None = None) -> GetSubscriptionResponse:
        return GetSubscriptionResponse(payload=self.subscriptions.get(notification_type))

    def delete_subscription_by_id(self, notification_type: str, subscription_id: str) -> None:
        self.deleted.append(subscription_id)
        del self.subscriptions[notification_type]


def subscriber(records: FakeRecords) -> ListingsSubscriber:
    return ListingsSubscriber(records, ACCOUNT, AWS_REGION, Logger(service="catalog-tests"))


def test_a_connection_is_subscribed_to_the_three_types_once_at_one_destination() -> None:
    records, api = FakeRecords(), FakeNotificationsApi()
    assert subscriber(records).ensure(connection(), api) == "subscribed"
    assert [d.resource.event_bridge.account_id for d in api.destinations if d.resource.event_bridge] == [ACCOUNT]
    assert set(api.subscriptions) == set(SUBSCRIBED_TYPES)
    assert api.versions == {STATUS_CHANGE: "1.0", MFN_QUANTITY_CHANGE: "1.0", ISSUES_CHANGE: "2023-12-13"}
    assert {t for (_, t) in records.subscriptions} == set(SUBSCRIBED_TYPES)
    assert records.destinations == {("EU", f"eventbridge:{ACCOUNT}:{AWS_REGION}"): "dest-0"}

    calls = len(api.calls)
    assert subscriber(records).ensure(connection(), api) == "recorded"
    assert len(api.calls) == calls  # recorded: no Amazon call at all


def test_an_existing_destination_is_found_and_a_subscription_elsewhere_replaced() -> None:
    records, api = FakeRecords(), FakeNotificationsApi()
    api.create_destination(
        CreateDestinationRequest.model_validate(
            {"name": "x", "resourceSpecification": {"eventBridge": {"region": AWS_REGION, "accountId": ACCOUNT}}}
        )
    )
    api.subscriptions[STATUS_CHANGE] = Subscription(
        subscription_id="old", payload_version="1.0", destination_id="an-older-stacks"
    )
    api.subscriptions[MFN_QUANTITY_CHANGE] = Subscription(
        subscription_id="ours", payload_version="1.0", destination_id="dest-0"
    )
    api.calls.clear()
    assert subscriber(records).ensure(connection(), api) == "subscribed"
    assert "createDestination" not in api.calls
    assert api.deleted == ["old"]  # pointed elsewhere: deleted and made again
    assert records.subscriptions[(connection().connection_id, MFN_QUANTITY_CHANGE)].subscription_id == "ours"
    assert all(s.destination_id == "dest-0" for s in api.subscriptions.values())


def test_a_failure_is_answered_failed_and_tried_again_next_time() -> None:
    records, api = FakeRecords(), FakeNotificationsApi(fail=ServerError(503, "Unavailable", "later"))
    assert subscriber(records).ensure(connection(), api) == "failed"
    assert records.subscriptions == {}
    api.fail = None
    assert subscriber(records).ensure(connection(), api) == "subscribed"
    assert api.calls.count("createDestination") == 1  # the destination was recorded the first time


def test_the_sweep_subscribes_the_active_catalog_connections_only() -> None:
    connections = FakeConnections()
    catalog = ConnectionSettings(enabled_syncs=frozenset({CATALOG}))
    shop = connection()
    connections.add(shop, catalog)
    connections.add(shop.model_copy(update={"selling_partner_id": "A2ORDERSONLY"}), ConnectionSettings())
    broken = shop.model_copy(update={"selling_partner_id": "A3BROKEN"})
    connections.add(broken, invalid_settings_error(broken.connection_id))
    paused = shop.model_copy(
        update={"selling_partner_id": "A4PAUSED", "status": ConnectionStatus.NEEDS_REAUTHORIZATION}
    )
    connections.add(paused, catalog)
    records, api = FakeRecords(), FakeNotificationsApi()
    asked: list[str] = []

    def api_for(conn: Connection) -> FakeNotificationsApi:
        asked.append(conn.connection_id)
        return api

    counts = subscribe_connections(connections, subscriber(records), api_for)
    assert counts == {"subscribed": 1, "skipped": 1}
    assert asked == [shop.connection_id]
    assert subscribe_connections(connections, subscriber(records), api_for) == {"recorded": 1, "skipped": 1}
