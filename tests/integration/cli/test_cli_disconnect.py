"""`sellersync connections disconnect`: subscriptions removed at the sandbox, then the token; history kept."""

import json
import time
import uuid
from datetime import UTC, datetime

import pytest
import requests

from cli.commands.disconnect import run_disconnect
from cli.target import resolve_target
from local.sandbox.config import DEFAULT_CLIENT_ID
from shared.connections import SubscriptionRemovalError
from shared.models.connection import ConnectionStatus
from shared.models.settings import ConnectionSettings
from shared.repositories import NoRefreshTokenError
from shared.spapi.marketplaces import Region
from shared.spapi.models.notifications import (
    CreateDestinationRequest,
    CreateSubscriptionRequest,
    DestinationResourceSpecification,
    SqsResource,
)
from shared.spapi.ratelimit import InMemoryRateLimiter
from shared.spapi.transport import RetryPolicy
from tests.integration.cli.harness import CliStack, no_secret
from tests.integration.spapi_sandbox import connect

pytestmark = pytest.mark.integration

# Fast and deterministic retries, for the test that makes Amazon fail.
FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.01, jitter=lambda low, high: high)


def subscribe(stack: CliStack, connection_id: str, seller_id: str, token: str, notification_type: str) -> str:
    """Subscribes the seller at the sandbox (as a sync would) and records it; returns the subscription id."""
    client = connect(
        stack.sandbox.url, seller_id, "", token, requests.Session(), InMemoryRateLimiter(),
        clock=time.monotonic, sleep=time.sleep, retry=FAST,
    ).client  # fmt: skip
    arn = f"arn:aws:sqs:eu-west-1:000000000000:notifications-{uuid.uuid4().hex[:8]}"
    spec = DestinationResourceSpecification(sqs=SqsResource(arn=arn))
    destination = client.create_destination(CreateDestinationRequest(name="n", resource_specification=spec))
    assert destination.payload is not None
    body = CreateSubscriptionRequest(payload_version="1.0", destination_id=destination.payload.destination_id)
    created = client.create_subscription(notification_type, body).payload
    assert created is not None
    stack.subscriptions.record_subscription(
        connection_id, notification_type, created.subscription_id, destination.payload.destination_id
    )
    return created.subscription_id


def amazon_subscriptions(stack: CliStack, seller_id: str) -> set[str]:
    """The subscription ids the sandbox holds for the seller."""
    subscriptions = stack.sandbox.sandbox.state.subscriptions.values()
    return {s.subscription_id for s in subscriptions if s.seller_id == seller_id}


def test_disconnect_removes_the_subscriptions_at_amazon_then_the_token(stack: CliStack) -> None:
    # Given a connection with settings, a sync status, two subscriptions at Amazon and one Amazon no longer has
    seller = stack.seller("EU")
    connection_id, token = stack.connect(seller)
    stack.connections.put_settings(connection_id, ConnectionSettings(inventory_buffer=3), expected_version=1)
    stack.statuses.record_failure(connection_id, "authorization", datetime.now(UTC), "earlier failure")
    held = {
        subscribe(stack, connection_id, seller.selling_partner_id, token, "ORDER_CHANGE"),
        subscribe(stack, connection_id, seller.selling_partner_id, token, "FEED_PROCESSING_FINISHED"),
    }
    stack.subscriptions.record_subscription(connection_id, "REPORT_PROCESSING_FINISHED", "gone-already", "dest")
    assert amazon_subscriptions(stack, seller.selling_partner_id) == held

    result = stack.run("connections", "disconnect", connection_id, "--yes", "--json")

    # Then Amazon holds none of them, no record is left, the token is gone and the rest is kept
    assert result.exit_code == 0, result.output
    assert amazon_subscriptions(stack, seller.selling_partner_id) == set()
    assert stack.subscriptions.list_subscriptions(connection_id) == []
    outcome = {s["subscription_id"]: s["result"] for s in json.loads(result.stdout)["subscriptions"]}
    assert outcome == {**dict.fromkeys(held, "removed"), "gone-already": "already gone at Amazon"}
    connection = stack.connections.get_connection(connection_id)
    assert connection is not None and connection.status is ConnectionStatus.DISCONNECTED
    with pytest.raises(NoRefreshTokenError):
        stack.connections.get_refresh_token(connection_id)
    assert stack.connections.get_settings(connection_id).inventory_buffer == 3
    assert [s.sync_type for s in stack.statuses.list_for_connection(connection_id)] == ["authorization"]
    no_secret(result, token)


def test_disconnect_asks_first_and_a_no_changes_nothing(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"), name="UK shop")
    stack.subscriptions.record_subscription(connection_id, "ORDER_CHANGE", "sub-1", "dest-1")

    result = stack.run("connections", "disconnect", connection_id, input="n\n")

    assert result.exit_code == 1
    assert "Disconnect UK shop" in result.stderr
    connection = stack.connections.get_connection(connection_id)
    assert connection is not None and connection.status is ConnectionStatus.ACTIVE
    assert len(stack.subscriptions.list_subscriptions(connection_id)) == 1


def test_disconnect_without_subscriptions_needs_no_amazon_call(stack: CliStack) -> None:
    # Given an LWA secret that would be refused: nothing may need it
    connection_id, _ = stack.connect(stack.seller("NA"))
    stack.set_output("LwaSecretArn", wrong_lwa_secret(stack))

    result = stack.run("connections", "disconnect", connection_id, input="y\n")

    assert result.exit_code == 0, result.output
    assert "DISCONNECTED" in result.stdout
    connection = stack.connections.get_connection(connection_id)
    assert connection is not None and connection.status is ConnectionStatus.DISCONNECTED


def wrong_lwa_secret(stack: CliStack) -> str:
    """A secret with the sandbox's client id and a wrong client secret."""
    value = {"client_id": DEFAULT_CLIENT_ID, "client_secret": "wrong-secret", "application_id": "amzn1.sp.x"}
    created = stack.aws.client("secretsmanager").create_secret(
        Name=f"lwa-wrong-{uuid.uuid4().hex[:8]}", SecretString=json.dumps(value)
    )
    return str(created["ARN"])


def test_a_refusal_at_amazon_stops_before_disconnecting(stack: CliStack) -> None:
    seller = stack.seller("EU")
    connection_id, token = stack.connect(seller)
    sub = subscribe(stack, connection_id, seller.selling_partner_id, token, "ORDER_CHANGE")
    stack.set_output("LwaSecretArn", wrong_lwa_secret(stack))

    result = stack.run("connections", "disconnect", connection_id, "--yes")

    assert result.exit_code == 1
    assert "could not remove the ORDER_CHANGE subscription" in result.stderr
    assert "was not disconnected" in result.stderr
    assert stack.connections.get_refresh_token(connection_id).get_secret_value() == token
    assert [r.subscription_id for r in stack.subscriptions.list_subscriptions(connection_id)] == [sub]
    assert amazon_subscriptions(stack, seller.selling_partner_id) == {sub}
    no_secret(result, token, "wrong-secret")


def test_a_transient_failure_stops_and_running_again_finishes(stack: CliStack) -> None:
    # Given two subscriptions, and Amazon answering every SP-API call with a 500
    seller = stack.seller("EU")
    connection_id, token = stack.connect(seller)
    first = subscribe(stack, connection_id, seller.selling_partner_id, token, "FEED_PROCESSING_FINISHED")
    second = subscribe(stack, connection_id, seller.selling_partner_id, token, "ORDER_CHANGE")
    target = resolve_target(local=True, stack_name="SellerSync")
    stack.inspector.set_faults(error_share=1.0)

    with pytest.raises(SubscriptionRemovalError) as failed:
        run_disconnect(target, connection_id, Region.EU, retry=FAST)

    # Then nothing was disconnected and the failure says it may pass
    assert failed.value.retryable
    assert stack.connections.get_refresh_token(connection_id).get_secret_value() == token
    assert len(stack.subscriptions.list_subscriptions(connection_id)) == 2

    # When Amazon answers again, running it again removes both and disconnects
    stack.inspector.set_faults(error_share=0.0)
    result = run_disconnect(target, connection_id, Region.EU, retry=FAST)

    assert {r.subscription_id for r in result.removed} == {first, second}
    assert amazon_subscriptions(stack, seller.selling_partner_id) == set()
    connection = stack.connections.get_connection(connection_id)
    assert connection is not None and connection.status is ConnectionStatus.DISCONNECTED


def test_disconnecting_an_unknown_connection_is_a_usage_error(stack: CliStack) -> None:
    result = stack.run("connections", "disconnect", "eu-nosuchseller", "--yes")

    assert result.exit_code == 2 and "no connection" in result.stderr
