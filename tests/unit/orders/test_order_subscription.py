"""OrderSubscriber with a fake Notifications API holding Amazon's state, and fake subscription records."""

import hashlib
from dataclasses import dataclass, field

import pytest

from shared.models.sync import SyncJob
from shared.orders.subscription import OrderSubscriber
from shared.repositories.subscriptions import SubscriptionRecord
from shared.spapi.errors import (
    AuthorizationRevokedError,
    NotFoundError,
    OutOfTimeError,
    ServerError,
    SpApiError,
    UnauthorizedError,
)
from shared.spapi.models.notifications import (
    CreateDestinationRequest,
    CreateDestinationResponse,
    CreateSubscriptionRequest,
    CreateSubscriptionResponse,
    Destination,
    DestinationResource,
    GetDestinationsResponse,
    GetSubscriptionResponse,
    SqsResource,
    Subscription,
)
from shared.sync.dependencies import JobContext
from tests.unit.orders.amazon import CID, DE, SELLER, T0
from tests.unit.orders.fakes import ENABLED, make_logger
from tests.unit.sync.fakes import connection

QUEUE = "arn:aws:sqs:eu-west-1:123456789012:sellersync-notifications"
OLD_QUEUE = "arn:aws:sqs:eu-west-1:123456789012:old-stack-notifications"
CONFLICT = SpApiError(409, "Conflict", "already exists", operation="createSubscription")


def destination(destination_id: str, arn: str) -> Destination:
    return Destination(
        destination_id=destination_id, name=destination_id, resource=DestinationResource(sqs=SqsResource(arn=arn))
    )


@dataclass
class FakeNotificationsApi:
    """Amazon's destinations (application-wide) and the seller's ORDER_CHANGE subscription; `fail` raises by call."""

    destinations: list[Destination] = field(default_factory=list)
    subscription: Subscription | None = None
    fail: dict[str, list[Exception]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    created: list[CreateSubscriptionRequest] = field(default_factory=list)
    destination_bodies: list[CreateDestinationRequest] = field(default_factory=list)
    concurrent_destination: Destination | None = None

    def _call(self, name: str) -> None:
        self.calls.append(name)
        queued = self.fail.get(name)
        if queued:
            raise queued.pop(0)

    def get_destinations(self) -> GetDestinationsResponse:
        self._call("getDestinations")
        return GetDestinationsResponse(payload=list(self.destinations))

    def create_destination(self, body: CreateDestinationRequest) -> CreateDestinationResponse:
        self.destination_bodies.append(body)
        if self.concurrent_destination is not None:  # another run created it a moment ago
            self.destinations.append(self.concurrent_destination)
        self._call("createDestination")
        assert body.resource_specification.sqs is not None
        created = destination(f"dest-{len(self.destinations) + 1}", body.resource_specification.sqs.arn)
        self.destinations.append(created)
        return CreateDestinationResponse(payload=created)

    def create_subscription(
        self, notification_type: str, body: CreateSubscriptionRequest
    ) -> CreateSubscriptionResponse:
        assert notification_type == "ORDER_CHANGE"
        self._call("createSubscription")
        if self.subscription is not None:
            raise CONFLICT
        self.created.append(body)
        self.subscription = Subscription(
            subscription_id=f"sub-{len(self.created)}",
            payload_version=body.payload_version,
            destination_id=body.destination_id,
        )
        return CreateSubscriptionResponse(payload=self.subscription)

    def get_subscription(self, notification_type: str, payload_version: str | None = None) -> GetSubscriptionResponse:
        assert (notification_type, payload_version) == ("ORDER_CHANGE", "1.0")
        self._call("getSubscription")
        if self.subscription is None:
            raise NotFoundError(404, "NotFound", "no subscription", operation="getSubscription")
        return GetSubscriptionResponse(payload=self.subscription)

    def delete_subscription_by_id(self, notification_type: str, subscription_id: str) -> None:
        self._call(f"deleteSubscriptionById {subscription_id}")
        assert self.subscription is not None and self.subscription.subscription_id == subscription_id
        self.subscription = None


@dataclass
class FakeRecords:
    """The SUBSCRIPTION# and DESTINATION# items."""

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
            created_at=T0,
        )
        self.subscriptions[(connection_id, notification_type)] = record
        return record

    def get_destination(self, region: str, queue_arn: str) -> str | None:
        return self.destinations.get((region, queue_arn))

    def record_destination(self, region: str, queue_arn: str, destination_id: str) -> None:
        self.destinations[(region, queue_arn)] = destination_id


def context(trigger: str = "schedule") -> JobContext:
    job = SyncJob.model_validate({"sync_type": "orders", "connection_id": CID, "requested_at": T0, "trigger": trigger})
    return JobContext(job, connection(SELLER), ENABLED)


def subscribe(records: FakeRecords, api: FakeNotificationsApi, trigger: str = "schedule") -> str:
    return OrderSubscriber(records, QUEUE, make_logger())(context(trigger), api)


def recorded(records: FakeRecords) -> tuple[str, str] | None:
    record = records.get_subscription(CID, "ORDER_CHANGE")
    return (record.subscription_id, record.destination_id) if record else None


def test_a_recorded_subscription_costs_no_amazon_call_on_a_scheduled_run() -> None:
    records, api = FakeRecords(), FakeNotificationsApi()
    records.record_subscription(CID, "ORDER_CHANGE", "sub-9", "dest-9")

    assert subscribe(records, api) == "recorded"
    assert api.calls == []


@pytest.mark.parametrize("trigger", ["schedule", "on_demand", "continuation"])
def test_every_trigger_but_connected_trusts_the_record(trigger: str) -> None:
    records, api = FakeRecords(), FakeNotificationsApi()
    records.record_subscription(CID, "ORDER_CHANGE", "sub-9", "dest-9")

    assert subscribe(records, api, trigger) == "recorded"
    assert api.calls == []


def test_a_connected_trigger_subscribes_again_even_when_recorded() -> None:
    # A re-authorization may follow a removal of the app, which drops the seller's subscriptions at Amazon
    records, api = FakeRecords(), FakeNotificationsApi(destinations=[destination("dest-1", QUEUE)])
    records.record_subscription(CID, "ORDER_CHANGE", "sub-gone", "dest-1")
    records.record_destination("EU", QUEUE, "dest-1")

    assert subscribe(records, api, "connected") == "subscribed"
    assert api.calls == ["createSubscription"]
    assert recorded(records) == ("sub-1", "dest-1")


def test_the_subscription_asks_for_status_changes_and_buyer_requests_in_the_marketplaces() -> None:
    records, api = FakeRecords(), FakeNotificationsApi(destinations=[destination("dest-1", QUEUE)])

    assert subscribe(records, api) == "subscribed"

    (body,) = api.created
    assert body.to_body() == {
        "payloadVersion": "1.0",
        "destinationId": "dest-1",
        "processingDirective": {
            "eventFilter": {
                "eventFilterType": "ORDER_CHANGE",
                "marketplaceIds": [DE],
                "orderChangeTypes": ["OrderStatusChange", "BuyerRequestedChange"],
            }
        },
    }


def test_the_destination_is_found_with_get_destinations_and_recorded() -> None:
    api = FakeNotificationsApi(destinations=[destination("dest-old", OLD_QUEUE), destination("dest-ours", QUEUE)])
    records = FakeRecords()

    assert subscribe(records, api) == "subscribed"

    assert api.calls == ["getDestinations", "createSubscription"]
    assert records.destinations == {("EU", QUEUE): "dest-ours"}
    assert recorded(records) == ("sub-1", "dest-ours")


def test_a_missing_destination_is_created_for_the_queue_and_recorded() -> None:
    api = FakeNotificationsApi(destinations=[destination("dest-old", OLD_QUEUE)])
    records = FakeRecords()

    assert subscribe(records, api) == "subscribed"

    assert api.calls == ["getDestinations", "createDestination", "createSubscription"]
    (body,) = api.destination_bodies
    assert body.to_body() == {
        "name": f"sellersync-{hashlib.sha256(QUEUE.encode()).hexdigest()[:12]}",
        "resourceSpecification": {"sqs": {"arn": QUEUE}},
    }
    assert records.destinations == {("EU", QUEUE): "dest-2"}
    assert recorded(records) == ("sub-1", "dest-2")


def test_a_recorded_destination_needs_no_lookup() -> None:
    records, api = FakeRecords(), FakeNotificationsApi()
    records.record_destination("EU", QUEUE, "dest-7")

    assert subscribe(records, api) == "subscribed"
    assert api.calls == ["createSubscription"]
    assert recorded(records) == ("sub-1", "dest-7")


def test_a_destination_created_concurrently_is_read_back_after_the_conflict() -> None:
    api = FakeNotificationsApi(concurrent_destination=destination("dest-theirs", QUEUE))
    api.fail["createDestination"] = [SpApiError(409, "Conflict", "destination exists", operation="createDestination")]
    records = FakeRecords()

    assert subscribe(records, api) == "subscribed"

    assert api.calls == ["getDestinations", "createDestination", "getDestinations", "createSubscription"]
    assert records.destinations == {("EU", QUEUE): "dest-theirs"}
    assert recorded(records) == ("sub-1", "dest-theirs")


def test_an_existing_subscription_to_our_destination_is_adopted() -> None:
    ours = Subscription(subscription_id="sub-existing", payload_version="1.0", destination_id="dest-1")
    api = FakeNotificationsApi(destinations=[destination("dest-1", QUEUE)], subscription=ours)
    records = FakeRecords()

    assert subscribe(records, api) == "adopted"

    assert api.calls == ["getDestinations", "createSubscription", "getSubscription"]
    assert recorded(records) == ("sub-existing", "dest-1")


def test_an_existing_subscription_elsewhere_is_deleted_by_id_and_made_again() -> None:
    theirs = Subscription(subscription_id="sub-old-stack", payload_version="1.0", destination_id="dest-old")
    api = FakeNotificationsApi(
        destinations=[destination("dest-old", OLD_QUEUE), destination("dest-1", QUEUE)], subscription=theirs
    )
    records = FakeRecords()

    assert subscribe(records, api) == "subscribed"

    assert api.calls == [
        "getDestinations",
        "createSubscription",
        "getSubscription",
        "deleteSubscriptionById sub-old-stack",
        "createSubscription",
    ]
    assert api.subscription is not None and api.subscription.destination_id == "dest-1"
    assert recorded(records) == ("sub-1", "dest-1")


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("getDestinations", ServerError(503, "ServiceUnavailable", "down", operation="getDestinations")),
        ("createDestination", SpApiError(400, "InvalidInput", "bad arn", operation="createDestination")),
        ("createSubscription", UnauthorizedError(403, "Unauthorized", "no role", operation="createSubscription")),
        ("createSubscription", OutOfTimeError("createSubscription", 30.0)),
    ],
    ids=["get-destinations-5xx", "create-destination-400", "create-subscription-403", "out-of-time"],
)
def test_an_amazon_failure_is_failed_and_records_no_subscription(call: str, error: Exception) -> None:
    api = FakeNotificationsApi()
    api.fail[call] = [error]
    records = FakeRecords()

    assert subscribe(records, api) == "failed"
    assert records.subscriptions == {}


def test_a_conflict_whose_subscription_then_vanished_is_failed() -> None:
    # createSubscription says one exists, getSubscription finds none (deleted in between): try again next run
    api = FakeNotificationsApi(destinations=[destination("dest-1", QUEUE)])
    api.fail["createSubscription"] = [CONFLICT]
    records = FakeRecords()

    assert subscribe(records, api) == "failed"
    assert records.subscriptions == {}


def test_a_revoked_authorization_is_not_swallowed() -> None:
    api = FakeNotificationsApi(destinations=[destination("dest-1", QUEUE)])
    api.fail["createSubscription"] = [
        AuthorizationRevokedError("LWA refresh_token grant refused", status=400, error="invalid_grant")
    ]
    records = FakeRecords()

    with pytest.raises(AuthorizationRevokedError):
        subscribe(records, api)
    assert records.subscriptions == {}
