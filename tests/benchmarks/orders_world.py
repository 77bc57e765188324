"""The embedded default against the time-scaled sandbox, instrumented for the order benchmarks (bench_orders.py).

`orders_world` runs moto with the deployed stack (functions in worker processes, pollers, the schedule clock at the
sandbox's speed) wired to the sandbox, and adds what a benchmark needs to look at it from outside:
- `connect`: a seller connected through the real HTTP OAuth flow (connect link, consent page, callback);
- `BusTap`: every order event on the stack's bus, with the sandbox time it reached the bus (a rule on the bus to a
  queue of ours; the queue's SentTimestamp, mapped onto the sandbox clock);
- `SpApiCalls`: every SP-API call the sandbox answered or throttled, counted where the sandbox takes its rate-limit
  token (so LWA and the inspection API are not counted).
"""

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.config import Table
from infra.outputs import Output, table_output_key
from local.amazon import LocalWorld, run_local_world
from local.connect_demo import click_through
from local.runtime import LocalOptions
from local.sandbox import Sandbox, SandboxInspector
from local.sandbox.inspector import SellerInfo
from local.sandbox.ratelimit import UsagePlan
from shared.models.connection import connection_id_for
from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncStatus
from shared.oauth.links import create_connect_link
from shared.orders.events import SOURCE
from shared.repositories import ConnectionsRepository, KmsEncryptor, OAuthStatesRepository, SyncStatusRepository
from shared.secrets import load_invite_key
from shared.spapi.marketplaces import Region
from tests.dynamodb import atomic_conditional_writes

# The capture target renders the event with an input transformer: moto builds a JSONPath parser per path for a target
# without one (~10 ms per event), which would slow every publish of the functions and distort the figures.
_CAPTURE_PATHS = {"type": "$.detail-type", "detail": "$.detail"}
_CAPTURE_TEMPLATE = '{"detail_type": <type>, "detail": <detail>}'
_DRAIN_PAUSE_SECONDS = 1.0


@dataclass(frozen=True)
class BusEvent:
    """An order event as it reached the bus."""

    detail_type: str
    order_id: str
    connection_id: str
    fulfilled_by: str | None
    at: float  # sandbox epoch seconds


@dataclass(frozen=True)
class SpApiCall:
    """One SP-API call that reached the sandbox's rate limiter."""

    at: float  # sandbox epoch seconds
    caller: str  # the seller, or "application" for grantless calls
    operation: str
    accepted: bool  # False: answered 429


class SpApiCalls:
    """Records every call the sandbox's rate limiter sees (installed on a running sandbox)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._calls: list[SpApiCall] = []
        self._lock = threading.Lock()
        take = sandbox.limiter.try_acquire

        def counted(caller: str, name: str, plan: UsagePlan, now: float) -> bool:
            accepted = take(caller, name, plan, now)
            with self._lock:
                self._calls.append(SpApiCall(now, caller, name, accepted))
            return accepted

        sandbox.limiter.try_acquire = counted  # type: ignore[method-assign]

    def between(self, start: float, end: float) -> list[SpApiCall]:
        """The calls made from `start` to `end` (sandbox time)."""
        with self._lock:
            return [call for call in self._calls if start <= call.at <= end]


class BusTap(threading.Thread):
    """Drains the capture queue in the background; `events()` is what reached the bus so far."""

    def __init__(self, queue_url: str, sqs: Any, sandbox_time: Callable[[float], float]) -> None:
        super().__init__(daemon=True, name="bus-tap")
        self._queue_url, self._sqs, self._sandbox_time = queue_url, sqs, sandbox_time
        self._events: list[BusEvent] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            messages = self._sqs.receive_message(
                QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["SentTimestamp"]
            ).get("Messages", [])
            if messages:
                with self._lock:
                    self._events.extend(self._event(message) for message in messages)
                entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
                self._sqs.delete_message_batch(QueueUrl=self._queue_url, Entries=entries)
            if len(messages) < 10:
                # Let events gather: every request of ours costs moto (in this process) time the functions wait for.
                self._stopped.wait(_DRAIN_PAUSE_SECONDS)

    def _event(self, message: dict[str, Any]) -> BusEvent:
        body = json.loads(message["Body"])
        order = body["detail"]["order"]
        sent = int(message["Attributes"]["SentTimestamp"]) / 1000
        return BusEvent(
            body["detail_type"],
            order["order_id"],
            order["connection_id"],
            order["fulfilled_by"],
            self._sandbox_time(sent),
        )

    def events(self) -> list[BusEvent]:
        """Every event seen so far."""
        with self._lock:
            return list(self._events)

    def stop(self) -> None:
        """Stops draining (within a second)."""
        self._stopped.set()
        self.join(5)


@dataclass
class OrdersWorld:
    """A running world and the instruments on it."""

    world: LocalWorld
    scale: float
    tap: BusTap
    calls: SpApiCalls

    @property
    def sandbox(self) -> Sandbox:
        """Amazon's world (read under `sandbox.state.lock`)."""
        return self.world.sandbox.sandbox

    @property
    def inspector(self) -> SandboxInspector:
        """The sandbox's inspection API."""
        return SandboxInspector(self.world.sandbox.url)

    def now(self) -> float:
        """Sandbox time (epoch seconds)."""
        return self.sandbox.now()

    def sleep(self, sandbox_seconds: float) -> None:
        """Waits for sandbox time to pass."""
        time.sleep(sandbox_seconds / self.scale)

    def connect(self, seller: SellerInfo) -> str:
        """Connects a seller as a merchant does: a connect link, the consent page, Authorize; returns the connection."""
        aws, outputs = self.world.stack.deployed.aws, self.world.stack.deployed.outputs
        states = OAuthStatesRepository(outputs[table_output_key(Table.OAUTH_STATES)], aws.client("dynamodb"))
        key = load_invite_key(aws.client("secretsmanager"), outputs[Output.INVITE_KEY_SECRET_ARN])
        region = Region(seller.region)
        self.inspector.sign_in(seller.selling_partner_id)
        link, _ = create_connect_link(states, key, self.world.api_url, region=region, name=seller.store_name)
        result = click_through(link)
        if result.selling_partner_id != seller.selling_partner_id:
            raise RuntimeError(f"connecting {seller.selling_partner_id} failed: {result.title} ({result.status})")
        return connection_id_for(seller.selling_partner_id, region)

    def enable_orders(self, connection_id: str) -> None:
        """Turns the orders sync on in the connection's settings (as `sellersync settings set` does)."""
        connections = self._connections()
        _, version = connections.get_versioned_settings(connection_id)
        settings = ConnectionSettings(enabled_syncs=frozenset({"orders"}))
        connections.put_settings(connection_id, settings, expected_version=version)

    def start_pollers(self) -> None:
        """Starts every event source (the world runs with its pollers stopped until the sellers are set up)."""
        for poller in self.world.stack.runtime.pollers:
            poller.start()

    def orders_status(self, connection_id: str) -> SyncStatus | None:
        """The connection's orders status item."""
        outputs = self.world.stack.deployed.outputs
        table = outputs[table_output_key(Table.CONNECTIONS)]
        return SyncStatusRepository(table, self.world.stack.deployed.aws.client("dynamodb")).get(
            connection_id, "orders"
        )

    def wait_for(self, done: Callable[[], bool], sandbox_timeout: float, poll: float = 0.5) -> bool:
        """Polls `done` every `poll` real seconds for up to `sandbox_timeout` sandbox seconds; True once it holds."""
        deadline = self.now() + sandbox_timeout
        while not done():
            if self.now() > deadline:
                return False
            time.sleep(poll)
        return True

    def _connections(self) -> ConnectionsRepository:
        aws, outputs = self.world.stack.deployed.aws, self.world.stack.deployed.outputs
        encryptor = KmsEncryptor(outputs[Output.KMS_KEY_ARN], aws.client("kms"))
        return ConnectionsRepository(outputs[table_output_key(Table.CONNECTIONS)], aws.client("dynamodb"), encryptor)


def _capture_queue(world: LocalWorld) -> str:
    """A queue of ours behind a rule on the stack's bus that matches every order event."""
    aws, bus = world.stack.deployed.aws, world.stack.deployed.outputs[Output.EVENT_BUS_NAME]
    sqs, events = aws.client("sqs"), aws.client("events")
    name = f"bench-order-events-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps({"source": [SOURCE]}))
    transformer = {"InputPathsMap": _CAPTURE_PATHS, "InputTemplate": _CAPTURE_TEMPLATE}
    target = {"Id": "capture", "Arn": arn, "InputTransformer": transformer}
    events.put_targets(Rule=name, EventBusName=bus, Targets=[target])
    return str(url)


@contextmanager
def orders_world(
    template: dict[str, Any], scale: float, log_dir: Path, stack_name: str, **sandbox_fields: Any
) -> Iterator[OrdersWorld]:
    """The stack and the sandbox at `scale` (the schedule clock too), pollers stopped until `start_pollers`.

    moto's state is process-wide and outlives its server: each world of a session needs its own `stack_name`.
    """
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    options = LocalOptions(stack_name=stack_name, run_pollers=False, clock_speed=scale, log_dir=log_dir)
    # DynamoDB's conditional writes are atomic, moto's are not: the shared rate limiter and the lease rely on them.
    with (
        atomic_conditional_writes("put_item", "update_item"),
        run_local_world(template, options, time_scale=scale, **sandbox_fields) as world,
    ):
        sandbox = world.sandbox.sandbox

        def sandbox_time(wall: float) -> float:
            return sandbox.now() - (time.time() - wall) * scale

        tap = BusTap(_capture_queue(world), world.stack.deployed.aws.client("sqs"), sandbox_time)
        tap.start()
        try:
            yield OrdersWorld(world, scale, tap, SpApiCalls(sandbox))
        finally:
            tap.stop()
