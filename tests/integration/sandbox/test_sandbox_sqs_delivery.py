"""The sandbox over real HTTP, delivering ORDER_CHANGE into an SQS queue of the embedded AWS (moto)."""

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.aws import LocalAws
from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from local.sandbox.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(local_aws: LocalAws) -> Iterator[SandboxServer]:
    config = SandboxConfig(
        seed=11,
        orders_per_hour=0,
        validate_responses=True,
        aws_endpoint_url=local_aws.endpoint_url,
        aws_region=local_aws.region,
    )
    with SandboxServer(config) as running:
        yield running


@pytest.fixture
def queue(local_aws: LocalAws) -> tuple[str, str]:
    sqs = local_aws.client("sqs")
    url = sqs.create_queue(QueueName=f"sandbox-orders-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def lwa(server: SandboxServer, **form: str) -> str:
    data = {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET, **form}
    response = requests.post(f"{server.url}/auth/o2/token", data=data, timeout=10)
    response.raise_for_status()
    return str(response.json()["access_token"])


def subscribe(server: SandboxServer, seller_id: str, queue_arn: str) -> None:
    """Destination (grantless) and ORDER_CHANGE subscription (seller token), as the app does it."""
    inspector = SandboxInspector(server.url)
    seller_token = lwa(server, grant_type="refresh_token", refresh_token=inspector.authorize(seller_id))
    grantless = lwa(server, grant_type="client_credentials", scope="sellingpartnerapi::notifications")
    destination = requests.post(
        f"{server.url}/notifications/v1/destinations",
        headers={"x-amz-access-token": grantless},
        json={"name": queue_arn.rsplit(":", 1)[-1], "resourceSpecification": {"sqs": {"arn": queue_arn}}},
        timeout=10,
    )
    destination.raise_for_status()
    subscription = requests.post(
        f"{server.url}/eu/notifications/v1/subscriptions/ORDER_CHANGE",
        headers={"x-amz-access-token": seller_token},
        json={"payloadVersion": "1.0", "destinationId": destination.json()["payload"]["destinationId"]},
        timeout=10,
    )
    subscription.raise_for_status()


def receive(local_aws: LocalAws, queue_url: str, count: int, timeout: float = 8) -> list[dict[str, Any]]:
    sqs = local_aws.client("sqs")
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(found) < count and time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        found += [json.loads(m["Body"]) for m in answer.get("Messages", [])]
    return found


def test_order_change_reaches_the_subscribed_queue(
    server: SandboxServer, queue: tuple[str, str], local_aws: LocalAws
) -> None:
    queue_url, queue_arn = queue
    inspector = SandboxInspector(server.url)
    seller = inspector.seller("EU")
    subscribe(server, seller.selling_partner_id, queue_arn)

    order = inspector.add_order(seller.selling_partner_id, prime=True)

    (message,) = receive(local_aws, queue_url, 1)
    change = message["Payload"]["OrderChangeNotification"]
    assert message["NotificationType"] == "ORDER_CHANGE"
    assert (change["AmazonOrderId"], change["SellerId"]) == (order.order_id, seller.selling_partner_id)
    delivered = inspector.notifications(seller.selling_partner_id)
    assert [d.status for d in delivered] == ["DELIVERED"]


def test_duplicate_fault_delivers_one_notification_twice(
    server: SandboxServer, queue: tuple[str, str], local_aws: LocalAws
) -> None:
    queue_url, queue_arn = queue
    inspector = SandboxInspector(server.url)
    seller = inspector.seller("EU", 1)
    subscribe(server, seller.selling_partner_id, queue_arn)
    inspector.set_faults(duplicate_notification_share=1.0)
    try:
        inspector.add_order(seller.selling_partner_id)
        messages = receive(local_aws, queue_url, 2)
    finally:
        inspector.set_faults(duplicate_notification_share=0.0)

    assert len(messages) == 2
    ids = {m["NotificationMetadata"]["NotificationId"] for m in messages}
    assert len(ids) == 1


def test_dropped_connection_closes_the_socket(server: SandboxServer) -> None:
    inspector = SandboxInspector(server.url)
    seller = inspector.seller("NA")
    token = lwa(server, grant_type="refresh_token", refresh_token=inspector.authorize(seller.selling_partner_id))
    inspector.set_faults(drop_share=1.0)
    try:
        with pytest.raises(requests.ConnectionError):
            requests.get(
                f"{server.url}/na/sellers/v1/marketplaceParticipations",
                headers={"x-amz-access-token": token},
                timeout=5,
            )
    finally:
        inspector.set_faults(drop_share=0.0)
