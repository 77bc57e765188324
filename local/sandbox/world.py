"""The running sandbox: config, clock, state, rate limiter, faults and notification delivery in one object."""

import functools
import logging
import random
import secrets
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import boto3

from local.sandbox.clock import ScaledClock
from local.sandbox.config import SandboxConfig
from local.sandbox.faults import FaultInjector
from local.sandbox.generator import generate_sellers
from local.sandbox.lifecycle import start_lifecycle
from local.sandbox.order_factory import generate_orders
from local.sandbox.ratelimit import RateLimiter
from local.sandbox.records import Delivery
from local.sandbox.state import Ids, SandboxState

logger = logging.getLogger(__name__)


class NotificationSender(Protocol):
    """Where notifications go; SQS by default, a list in unit tests."""

    def send(self, queue_arn: str, body: str) -> None:
        """Delivers one message body to the queue named by its ARN."""


def aws_client(service: Literal["sqs", "events"], endpoint_url: str | None, region: str) -> Any:
    """A boto3 client of the notifications' destination: at a local endpoint (moto) with fixed fake credentials, so
    real ones are never picked up locally; else AWS's with the normal credentials."""
    if endpoint_url:
        return boto3.client(
            service,
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
    return boto3.client(service, region_name=region)


class SqsSender:
    """Sends with boto3 sqs.send_message to the queue of an ARN, at a configurable endpoint (moto locally)."""

    def __init__(self, endpoint_url: str | None, default_region: str) -> None:
        self._endpoint_url = endpoint_url
        self._default_region = default_region

    @functools.cache  # noqa: B019 - one client per region for the sender's lifetime is the point
    def _client(self, region: str) -> Any:
        return aws_client("sqs", self._endpoint_url, region)

    def send(self, queue_arn: str, body: str) -> None:
        """Resolves the queue URL from the ARN (arn:aws:sqs:region:account:name) and sends the body."""
        _, _, _, region, account, name = queue_arn.split(":", 5)
        client = self._client(region or self._default_region)
        queue_url = client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        client.send_message(QueueUrl=queue_url, MessageBody=body)


class EventSender(Protocol):
    """Where EventBridge destinations' notifications go; EventBridge by default, a list in unit tests."""

    def put_event(self, region: str, source: str, detail_type: str, detail: str) -> None:
        """Puts one event on the bus associated with the partner event source `source`."""


class EventBridgeSender:
    """PutEvents on the bus named as the partner event source, at a configurable endpoint (moto locally).

    Amazon delivers to a partner event source, which EventBridge routes to the bus the account associated with it,
    named as the source; locally the stack's deployment made that bus (local/deploy.py), so putting the event on it
    is what the delivery looks like from the stack's side.
    """

    def __init__(self, endpoint_url: str | None) -> None:
        self._endpoint_url = endpoint_url

    @functools.cache  # noqa: B019 - one client per region for the sender's lifetime is the point
    def _client(self, region: str) -> Any:
        return aws_client("events", self._endpoint_url, region)

    def put_event(self, region: str, source: str, detail_type: str, detail: str) -> None:
        """Raises when EventBridge refuses the entry (no bus associated with the source, say)."""
        entry = {"EventBusName": source, "Source": source, "DetailType": detail_type, "Detail": detail}
        answer = self._client(region).put_events(Entries=[entry])
        if answer.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents refused the event: {answer['Entries'][0].get('ErrorMessage')}")


class Sandbox:
    """One sandbox world; the Flask app and the inspection API both work on it."""

    def __init__(
        self,
        config: SandboxConfig,
        clock: ScaledClock | None = None,
        sender: NotificationSender | None = None,
        events: EventSender | None = None,
    ) -> None:
        self.config = config
        start = config.start_time or datetime.now(UTC)
        self.clock = clock or ScaledClock(start, config.time_scale)
        self.sender: NotificationSender = sender or SqsSender(config.aws_endpoint_url, config.aws_region)
        self.events: EventSender = events or EventBridgeSender(config.aws_endpoint_url)
        self.limiter = RateLimiter()
        # Signs the sandbox's presigned-style document URLs; fresh per run, like real presigning keys.
        self.url_secret = secrets.token_bytes(16)
        self.state = self._new_state()
        self.faults = FaultInjector(self.state.faults, config.seed)

    def now(self) -> float:
        """Sandbox time in epoch seconds."""
        return self.clock.timestamp()

    def reset(self) -> None:
        """Regenerates the world from the config at the current sandbox time; tokens, feeds and faults go too."""
        with self.state.lock:
            fresh = self._new_state()
            for name in fresh.__dataclass_fields__:
                if name != "lock":
                    setattr(self.state, name, getattr(fresh, name))
            self.faults = FaultInjector(self.state.faults, self.config.seed)
            self.limiter.reset()

    def tick(self) -> None:
        """Runs what is due (arrivals, feed steps, scheduled changes), then delivers due notifications."""
        with self.state.lock:
            self.state.scheduler.run_due(self.now())
        self.flush()

    def flush(self) -> None:
        """Sends due notifications outside the lock (SQS calls are slow); each delivery is claimed once."""
        with self.state.lock:
            now = self.now()
            due = [d for d in self.state.deliveries if d.status == "PENDING" and d.due <= now]
            for delivery in due:
                delivery.status = "SENDING"
        for delivery in due:
            self._send(delivery)

    def _send(self, delivery: Delivery) -> None:
        try:
            if delivery.event_source is not None:
                region = delivery.event_region or self.config.aws_region
                self.events.put_event(region, delivery.event_source, delivery.notification_type, delivery.body)
            else:
                self.sender.send(delivery.queue_arn, delivery.body)
        except Exception as exc:  # noqa: BLE001 - a broken destination must not break the sandbox
            logger.warning("notification %s not delivered: %s", delivery.notification_id, exc)
            delivery.status, delivery.error = "FAILED", str(exc)
            return
        delivery.status = "DELIVERED"

    def _new_state(self) -> SandboxState:
        rng = random.Random(self.config.seed)
        state = SandboxState(rng=rng, ids=Ids(rng), faults=self.config.faults.model_copy())
        now = self.now()
        generate_sellers(state, now)
        for seller in state.sellers.values():
            generate_orders(state, seller, self.config.initial_orders, now, self.config.pending_seconds)
        start_lifecycle(self, state)
        return state
