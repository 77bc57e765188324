"""Inventory bulk benchmark: 100,000 SKUs changed at once across two marketplaces (UK + DE), against the sandbox.

The four inventory handlers run in this process against moto and the time-scaled local sandbox (the harness of
tests/integration/inventory, without its clock jumps): the handlers' clock is the sandbox's (SPAPI_TIME_SCALE and
SPAPI_CLOCK_ORIGIN, as `sellersync local up` sets them), so rate-limiter waits and SQS delays are real seconds that
match sandbox time. FEED_PROCESSING_FINISHED reaches the results queue as the notifications function hands it over
(a sandbox subscription for the seller; the notification becomes a feed check); the getFeed poll stays the fallback.

1. The EU seller (UK + DE) gets N listings put straight into the sandbox's world (no steering endpoint adds listings
   in bulk), quantity 100 in both marketplaces. Not timed.
2. The clock starts; N quantity-only records (pricing disabled) go to the input function as CLI batches: messages
   of 500 records grouped by bucket (shared.inventory.state.bucket_of), 10 messages per invocation (the input
   queue's batch size). Then the pipeline is pumped, each queue by its own threads as each function is its own
   Lambda: fast lane, feed lane (the changes queue drained into one invocation, as the 10,000-message event source
   with its batching window does; its 6 MB payload cap is not applied), results (one feed check per invocation, two
   at a time).
   The handlers and the sandbox share this interpreter (one core's worth of CPU); moto runs in a process of its
   own, as DynamoDB and SQS do not run on a Lambda's CPU (tests/benchmarks/moto_process.py).
3. Right after the first feeds are submitted, one stock-out (a SKU in the first feed of both marketplaces) goes to
   the input function; a watcher reads the sandbox's listing until it shows quantity 0 in both marketplaces, and
   whether the older bulk feed overwrote it afterwards and for how long (the overwrite window, against the time
   FEED_PROCESSING_FINISHED took to reach the results queue plus one patch).
4. Done when every (SKU, marketplace) has a recorded ACCEPTED verdict for its current revision (the inventory table,
   read whole at the end) and the sandbox holds the value (every listing compared, plus the feeds' processing
   summaries). The time is the end of the last handler invocation that recorded a verdict.

The minimum is what Amazon's documented limits allow for the same workload: ceil(N / 25,000) feeds per marketplace,
JSON_LISTINGS_FEED's bucket (5 per 5 minutes per seller and region: burst 5, then one per 60 s), plus one feed's queue
and processing time (the sandbox's; Amazon documents none). All times are sandbox seconds unless marked real.

Run: `make bench`, or `python -m tests.benchmarks.bench_inventory --skus 20000 --time-scale 3`. Nothing is asserted:
targets are printed with PASS/FAIL.
"""

import argparse
import contextlib
import io
import json
import logging
import math
import os
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import batched
from pathlib import Path
from typing import Any

from pydantic import SecretStr

import functions.inventory_fastlane as fastlane_module
import functions.inventory_feeds as feeds_module
import functions.inventory_input as input_module
import functions.inventory_results as results_module
from local.amazon import function_env_for
from local.aws import LocalAws
from local.endpoints import sandbox_endpoints
from local.sandbox import SandboxConfig, SandboxServer
from local.sandbox.entities import Listing, Offer
from local.sandbox.marketplaces import marketplace
from local.sandbox.records import Destination, Subscription
from local.sandbox.world import Sandbox
from local.workers import LambdaContext
from shared.env import Env
from shared.inventory.feed_contents import MAX_FEED_MESSAGES
from shared.inventory.feeds import FEED_BUCKET
from shared.inventory.queues import FeedCheck
from shared.inventory.state import bucket_of
from shared.models.connection import Connection
from shared.repositories import ConnectionsRepository, KmsEncryptor
from shared.repositories.inventory import InventoryRepository
from shared.spapi.marketplaces import Region
from shared.spapi.ratelimit import OPERATION_LIMITS
from tests.benchmarks.moto_process import moto_process
from tests.benchmarks.orders_world import SpApiCalls
from tests.dynamodb import create_table
from tests.integration.inventory.conftest import DE, INVENTORY_ENABLED, UK, clear_handler_caches, sqs_event

DEFAULT_SKUS = 100_000
DEFAULT_SCALE = 3.0
RECORDS_PER_MESSAGE = 500
MESSAGES_PER_INPUT_INVOCATION = 10  # the input queue's event source batch (infra/constructs/inventory.py)
RESULTS_PER_INVOCATION = 1
# Feed checks run side by side as Lambda runs them (batch size 1, no concurrency cap: infra/constructs/inventory.py);
# two here: more would only share this interpreter's one core.
RESULTS_WORKERS = 2
FASTLANE_PER_INVOCATION = 10
# The feed lane's batch: what is visible, plus what keeps arriving with gaps under this (real seconds).
FEED_GATHER_SECONDS = 1.0
SEEDED_QUANTITY = 100
FEED_LIMIT = OPERATION_LIMITS[FEED_BUCKET]
RATIO_TARGET = 2.0
SIMULATED_TARGET_SECONDS = 600.0
STOCK_OUT_TARGET_SECONDS = 60.0
# The overwrite window's target beyond the time Amazon takes to tell us the overwriting feed is done: one patch
# (getFeed, the watch list and the SKU's bucket read, patchListingsItem), sandbox seconds.
ONE_PATCH_SECONDS = 3.0
HANDLERS = {"input": input_module, "feeds": feeds_module, "fastlane": fastlane_module, "results": results_module}
NOTIFICATIONS_ARN = "arn:aws:sqs:eu-west-1:123456789012:bench-inventory-notifications"


def quantity_for(index: int) -> int:
    """The bulk's value for the index-th SKU (never the seeded quantity, never 0)."""
    return 1 + (index * 7) % 60


def sku_for(index: int) -> str:
    """The index-th bench SKU."""
    return f"BULK-{index:06d}"


@dataclass(frozen=True)
class Lane:
    """A queue, its handler, the batch size, the feed lane's gathering and how many invocations run at once."""

    queue: str
    name: str
    batch: int
    gather: float = 0.0
    workers: int = 1


LANES = (
    Lane("fastlane", "fastlane", FASTLANE_PER_INVOCATION),
    Lane("changes", "feeds", 10_000, gather=FEED_GATHER_SECONDS),
    Lane("results", "results", RESULTS_PER_INVOCATION, workers=RESULTS_WORKERS),
)


# The minimum


@dataclass(frozen=True)
class Minimum:
    """The least time Amazon's documented limits allow: the last feed's token, then one feed's processing."""

    skus: int
    marketplaces: int
    feed_seconds: float  # queue + processing of one feed (the sandbox's; Amazon's is not documented)

    @property
    def feeds_per_marketplace(self) -> int:
        """One feed takes one marketplace and at most MAX_FEED_MESSAGES messages."""
        return math.ceil(self.skus / MAX_FEED_MESSAGES)

    @property
    def feeds(self) -> int:
        """Feeds in all."""
        return self.feeds_per_marketplace * self.marketplaces

    @property
    def last_submission(self) -> float:
        """When the JSON_LISTINGS_FEED bucket (burst, then `rate`) allows the last feed."""
        return max(0, self.feeds - FEED_LIMIT.burst) / FEED_LIMIT.rate

    @property
    def seconds(self) -> float:
        """The minimum, sandbox seconds."""
        return self.last_submission + self.feed_seconds


# The world


class FeedNotifications:
    """The sandbox's notification sender: FEED_PROCESSING_FINISHED becomes a feed check on the results queue, as the
    notifications function hands it over (functions/notifications.py); everything else is dropped."""

    def __init__(self) -> None:
        self.results_url: str | None = None
        self.sqs: Any = None
        self.delivered = 0
        self.clock: Callable[[], float] | None = None
        # Per feed id, when the first FEED_PROCESSING_FINISHED reached the results queue (sandbox time).
        self.told: dict[str, float] = {}

    def send(self, queue_arn: str, body: str) -> None:
        """One notification."""
        finished = json.loads(body).get("payload", {}).get("feedProcessingFinishedNotification")
        if not finished or self.sqs is None or finished.get("feedType") != "JSON_LISTINGS_FEED":
            return
        check = FeedCheck(connection_id=None, feed_id=finished["feedId"])
        self.sqs.send_message(QueueUrl=self.results_url, MessageBody=check.model_dump_json())
        self.delivered += 1
        if self.clock is not None:
            self.told.setdefault(finished["feedId"], self.clock())


@dataclass
class StockOutWatch:
    """Reads the sandbox's listing of one SKU every 50 ms real; remembers when each marketplace showed quantity 0
    first, and whether a later value overwrote it."""

    sandbox: Sandbox
    seller_id: str
    sku: str
    sent_at: float = 0.0
    first_zero: dict[str, float] = field(default_factory=dict)
    overwritten: dict[str, float] = field(default_factory=dict)
    zero_again: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self, sent_at: float) -> None:
        """Starts watching (sent_at: when the stock-out was sent)."""
        self.sent_at = sent_at
        self._thread = threading.Thread(target=self._run, daemon=True, name="stock-out-watch")
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            with self.sandbox.state.lock:
                now = self.sandbox.now()
                offers = self.sandbox.state.sellers[self.seller_id].listings[self.sku].offers
                quantities = {mp: offers[mp].quantity for mp in (UK, DE)}
            for mp, quantity in quantities.items():
                if quantity == 0 and mp not in self.first_zero:
                    self.first_zero[mp] = now
                elif quantity != 0 and mp in self.first_zero and mp not in self.overwritten:
                    self.overwritten[mp] = now
                elif quantity == 0 and mp in self.overwritten and mp not in self.zero_again:
                    self.zero_again[mp] = now

    def stop(self) -> None:
        """Stops watching."""
        self._stop.set()
        if self._thread:
            self._thread.join(2)

    @property
    def latency(self) -> float:
        """Sandbox seconds from sending until both marketplaces showed 0 (inf: never)."""
        if len(self.first_zero) < 2:
            return math.inf
        return max(self.first_zero.values()) - self.sent_at


_in_handler = threading.local()


class HandlerStdout(io.TextIOBase):
    """stdout that sends what handlers print (Powertools' metrics) to the log file and the rest to the terminal;
    per thread, since the lanes' handlers run at the same time (contextlib.redirect_stdout is process-wide)."""

    def __init__(self, terminal: Any, log: io.TextIOBase) -> None:
        self.terminal, self.log = terminal, log

    def write(self, text: str) -> int:
        """Writes to the log inside a handler, to the terminal elsewhere."""
        return (self.log if getattr(_in_handler, "active", False) else self.terminal).write(text)

    def flush(self) -> None:
        """Flushes both."""
        self.terminal.flush()
        self.log.flush()


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Sets environment variables for the block, then restores them."""
    saved = {name: os.environ.get(name) for name in [*values, "AWS_LAMBDA_FUNCTION_NAME"]}
    os.environ.update(values)
    os.environ.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def context(name: str) -> LambdaContext:
    """A Lambda context with 15 minutes left."""
    arn = f"arn:aws:lambda:eu-west-1:123456789012:function:{name}"
    return LambdaContext(name, 1024, arn, uuid.uuid4().hex, time.monotonic() + 900)


@dataclass
class Bench:
    """The handlers' tables, queues and bus, the connected seller, and the pump."""

    aws: LocalAws
    server: SandboxServer
    notifications: FeedNotifications
    scale: float
    log: io.TextIOBase
    seller_id: str = ""
    connection_id: str = ""
    urls: dict[str, str] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    invocations: Counter[str] = field(default_factory=Counter)
    handler_real: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    windows: list[tuple[float, float]] = field(default_factory=list)  # results / fast-lane invocations, sandbox time
    sqs: Any = None
    key_arn: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    failures: Counter[str] = field(default_factory=Counter)  # messages a handler failed (returned to the queue)
    busy: set[str] = field(default_factory=set)  # queues whose handler is running
    last_recorded: float = 0.0  # end of the last results / fast-lane invocation that handled something

    @property
    def sandbox(self) -> Sandbox:
        """Amazon's world."""
        return self.server.sandbox

    def now(self) -> float:
        """Sandbox time."""
        return self.sandbox.now()

    # Setup

    def env(self) -> dict[str, str]:
        """Tables, queues, bus and secrets for the handlers; the sandbox's endpoints and clock."""
        dynamodb = self.aws.client("dynamodb")
        self.tables = {
            "connections": create_table(dynamodb, "connections", gsi1=True),
            "inventory": create_table(dynamodb, "inventory"),
            "feeds": create_table(dynamodb, "feeds", gsi1=True),
            "limits": create_table(dynamodb, "limits", sort_key=False),
        }
        self.sqs = self.aws.client("sqs")
        for name in ("input_dlq", "changes", "changes_dlq", "fastlane", "fastlane_dlq", "results", "results_dlq"):
            self.urls[name] = self.sqs.create_queue(QueueName=f"bench-{name}-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        events, bus = self.aws.client("events"), f"bench-bus-{uuid.uuid4().hex[:8]}"
        events.create_event_bus(Name=bus)
        config = self.sandbox.config
        secret = {
            "client_id": config.client_id,
            "client_secret": config.client_secret,
            "application_id": config.application_id,
        }
        lwa = self.aws.client("secretsmanager").create_secret(
            Name=f"bench-lwa-{uuid.uuid4().hex[:8]}", SecretString=json.dumps(secret)
        )["ARN"]
        self.key_arn = self.aws.client("kms").create_key(Description="bench-inventory")["KeyMetadata"]["Arn"]
        self.notifications.sqs, self.notifications.results_url = self.sqs, self.urls["results"]
        self.notifications.clock = self.now
        return (
            self.aws.env()
            | {
                Env.SERVICE_NAME: "sellersync-inventory",
                Env.METRICS_NAMESPACE: "SellerSyncBench",
                Env.CONNECTIONS_TABLE: self.tables["connections"],
                Env.INVENTORY_TABLE: self.tables["inventory"],
                Env.FEEDS_TABLE: self.tables["feeds"],
                Env.RATE_LIMITS_TABLE: self.tables["limits"],
                Env.EVENT_BUS_NAME: bus,
                Env.LWA_SECRET_ARN: lwa,
                Env.KMS_KEY_ARN: self.key_arn,
                Env.INVENTORY_INPUT_DLQ_URL: self.urls["input_dlq"],
                Env.INVENTORY_CHANGES_QUEUE_URL: self.urls["changes"],
                Env.INVENTORY_CHANGES_DLQ_URL: self.urls["changes_dlq"],
                Env.INVENTORY_FASTLANE_QUEUE_URL: self.urls["fastlane"],
                Env.INVENTORY_FASTLANE_DLQ_URL: self.urls["fastlane_dlq"],
                Env.INVENTORY_RESULTS_QUEUE_URL: self.urls["results"],
                Env.INVENTORY_RESULTS_DLQ_URL: self.urls["results_dlq"],
            }
            | function_env_for(sandbox_endpoints(self.server.url, self.scale))
        )

    def connect(self) -> None:
        """The EU seller (UK + DE), connected with the inventory sync on, and subscribed to FEED_PROCESSING_FINISHED."""
        state = self.sandbox.state
        with state.lock:
            seller = next(s for s in state.sellers.values() if s.region == "EU" and set(s.marketplace_ids) == {UK, DE})
            self.seller_id = seller.selling_partner_id
            destination = Destination(state.ids.uuid(), "bench-inventory", NOTIFICATIONS_ARN)
            state.destinations[destination.destination_id] = destination
            subscription = Subscription(
                state.ids.uuid(), self.seller_id, "FEED_PROCESSING_FINISHED", "2020-09-04", destination.destination_id
            )
            state.subscriptions[subscription.subscription_id] = subscription
        from local.sandbox import SandboxInspector

        refresh_token = SandboxInspector(self.server.url).authorize(self.seller_id)
        connections = ConnectionsRepository(
            self.tables["connections"], self.aws.client("dynamodb"), KmsEncryptor(self.key_arn, self.aws.client("kms"))
        )
        at = datetime.fromtimestamp(self.now(), UTC) - timedelta(days=1)
        connection = Connection(
            selling_partner_id=self.seller_id,
            region=Region.EU,
            name="Inventory bench shop",
            marketplace_ids=(UK, DE),
            authorized_at=at,
            created_at=at,
            updated_at=at,
        )
        connections.put_connection(connection, SecretStr(refresh_token))
        _, version = connections.get_versioned_settings(connection.connection_id)
        connections.put_settings(connection.connection_id, INVENTORY_ENABLED, expected_version=version)
        self.connection_id = connection.connection_id

    def seed_listings(self, skus: int) -> None:
        """N listings with an offer in UK and DE, straight into the sandbox's world."""
        with self.sandbox.state.lock:
            now = self.now()
            listings = self.sandbox.state.sellers[self.seller_id].listings
            for index in range(skus):
                sku = sku_for(index)
                offers = {
                    mp: Offer(mp, marketplace(mp).currency, "20.00", "10.00", SEEDED_QUANTITY, 2) for mp in (UK, DE)
                }
                listings[sku] = Listing(sku, f"B0{index:08d}", "PRODUCT", sku, now, now, offers=offers)

    def quiet_logs(self) -> None:
        """Handler logs go to the bench's log file (the figures stay readable); the sandbox's server logs no
        requests."""
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        for module in HANDLERS.values():
            handler = getattr(module.logger, "registered_handler", None)
            if handler is not None and hasattr(handler, "setStream"):
                handler.setStream(self.log)

    # Invoking

    def invoke(self, name: str, event: dict[str, Any]) -> set[str]:
        """One invocation of a handler (its metrics output goes to the log file: HandlerStdout); returns the ids of
        the messages it failed (all of them when it raised)."""
        started, sandbox_start = time.monotonic(), self.now()
        _in_handler.active = True
        try:
            answer = HANDLERS[name].lambda_handler(event, context(f"inventory-{name}"))
            failed = {f["itemIdentifier"] for f in (answer or {}).get("batchItemFailures", [])}
        except Exception as exc:  # noqa: BLE001 - as Lambda: the whole batch fails and returns to the queue
            print(f"{name} invocation failed: {exc!r}", file=self.log)
            failed = {r["messageId"] for r in event["Records"]}
        finally:
            _in_handler.active = False
        with self.lock:
            self.failures[name] += len(failed)
            if name in ("results", "fastlane"):
                self.windows.append((sandbox_start, self.now()))
            self.invocations[name] += 1
            self.handler_real[name] += time.monotonic() - started
        return failed

    def send_records(self, records: list[dict[str, Any]]) -> None:
        """CLI batches into the input function: messages of RECORDS_PER_MESSAGE, MESSAGES_PER_INPUT_INVOCATION each."""
        bodies = [
            (str(uuid.uuid4()), json.dumps({"records": list(chunk)}))
            for chunk in batched(records, RECORDS_PER_MESSAGE, strict=False)
        ]
        for invocation in batched(bodies, MESSAGES_PER_INPUT_INVOCATION, strict=False):
            self.invoke("input", sqs_event(list(invocation)))

    def drain(self, queue: str, limit: int | None = None) -> list[tuple[str, str]]:
        """Every message visible on a queue now (delayed ones stay until due, as in SQS), or one receive of at
        most `limit`."""
        found: list[tuple[str, str]] = []
        size = min(limit or 10, 10)
        while batch := self.sqs.receive_message(QueueUrl=self.urls[queue], MaxNumberOfMessages=size).get("Messages"):
            found += [(m["MessageId"], m["Body"]) for m in batch]
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
            self.sqs.delete_message_batch(QueueUrl=self.urls[queue], Entries=entries)
            if limit is not None:
                break
        return found

    def run(self, queue: str, name: str, batch: int, gather: float = 0.0, one_batch: bool = False) -> int:
        """Drains a queue into its handler; returns the messages handed over. With `gather`, receiving goes on
        until no message arrived for that many real seconds (messages queued together, such as deferred changes,
        become visible over a second or two; the feed lane's 20 s batching window takes them in one batch). Failed
        ones go back to the queue at once (SQS returns them after the visibility timeout; here they failed on the
        sandbox, not on Amazon)."""
        messages = self.drain(queue, batch if one_batch else None)
        while messages and gather and (more := self._drain_after(queue, gather)):
            messages += more
        for start in range(0, len(messages), batch):
            chunk = messages[start : start + batch]
            failed = self.invoke(name, sqs_event(chunk))
            for message_id, body in chunk:
                if message_id in failed:
                    self.sqs.send_message(QueueUrl=self.urls[queue], MessageBody=body)
        return len(messages)

    def _drain_after(self, queue: str, seconds: float) -> list[tuple[str, str]]:
        time.sleep(seconds)
        return self.drain(queue)

    def pump(self, lane: "Lane", stop: threading.Event) -> None:
        """One worker of a function's event source: what is visible on its queue goes to the handler (one batch
        at a time when the lane has several workers), until `stop`."""
        queue, name, batch = lane.queue, lane.name, lane.batch
        worker = threading.current_thread().name
        while not stop.is_set():
            with self.lock:
                self.busy.add(worker)
            try:
                moved = self.run(queue, name, batch, lane.gather, one_batch=lane.workers > 1)
            finally:
                with self.lock:
                    self.busy.discard(worker)
            if moved and name in ("results", "fastlane"):
                with self.lock:
                    self.last_recorded = max(self.last_recorded, self.now())
            if not moved:
                stop.wait(0.2)

    def queued(self, queue: str) -> int:
        """Messages on a queue: visible, in flight and delayed."""
        names = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        attrs = self.sqs.get_queue_attributes(QueueUrl=self.urls[queue], AttributeNames=names)["Attributes"]
        return sum(int(attrs.get(n, "0")) for n in names)

    def listing_feeds(self, since: float) -> list[Any]:
        """The seller's JSON_LISTINGS_FEEDs submitted since `since`."""
        with self.sandbox.state.lock:
            return [
                f
                for f in self.sandbox.state.feeds.values()
                if f.seller_id == self.seller_id and f.feed_type == "JSON_LISTINGS_FEED" and f.created >= since
            ]

    def recorded_at(self, feed_id: str) -> float:
        """When we recorded a feed's outcome (the handlers' clock is the sandbox's), nan if not yet."""
        item = (
            self.aws.client("dynamodb")
            .get_item(TableName=self.tables["feeds"], Key={"pk": {"S": f"FEED#{feed_id}"}, "sk": {"S": "META"}})
            .get("Item", {})
        )
        completed = item.get("completed_at", {}).get("S")
        return datetime.fromisoformat(completed).timestamp() if completed else math.nan

    def idle(self) -> bool:
        """No handler running and nothing left on the changes and fast-lane queues (delayed messages included)."""
        with self.lock:
            if self.busy:
                return False
        return not self.queued("changes") and not self.queued("fastlane") and not self.busy

    def feeds_recorded(self, since: float) -> bool:
        """Every feed is done at Amazon and its outcome recorded by us (feeds table status no longer SUBMITTED)."""
        feeds = self.listing_feeds(since)
        if not feeds or any(f.status in ("IN_QUEUE", "IN_PROGRESS") for f in feeds):
            return False
        dynamodb = self.aws.client("dynamodb")
        for feed in feeds:
            item = dynamodb.get_item(
                TableName=self.tables["feeds"], Key={"pk": {"S": f"FEED#{feed.feed_id}"}, "sk": {"S": "META"}}
            ).get("Item")
            if item is None or item.get("status", {}).get("S") == "SUBMITTED":
                return False
        return True


# The scenario


@dataclass
class Outcome:
    """What the run measured."""

    skus: int
    scale: float
    minimum: Minimum
    started: float = 0.0
    input_done: float = 0.0
    first_feeds: float = 0.0
    all_accepted: float = math.nan
    quiet: float = math.nan  # the last verdict-recording invocation ended (redundant repairs included)
    finished: bool = False
    feeds: list[Any] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    sandbox_mismatches: int = 0
    sandbox_checked: int = 0
    stock_out: StockOutWatch | None = None
    real_seconds: float = 0.0
    input_real: float = 0.0
    invocations: Counter[str] = field(default_factory=Counter)
    handler_real: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    notifications: int = 0
    log_path: str = ""
    failures: Counter[str] = field(default_factory=Counter)
    # Per feed id, when FEED_PROCESSING_FINISHED reached the results queue (sandbox time).
    told: dict[str, float] = field(default_factory=dict)
    # Per feed, sandbox seconds from the start: (marketplace, messages, submitted, done at Amazon, recorded by us)
    timeline: list[tuple[str, int, float, float, float]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """First record sent -> every value accepted, sandbox seconds."""
        return self.all_accepted - self.started


def run_scenario(bench: Bench, skus: int, real_timeout: float) -> Outcome:
    """Seeds, sends the bulk, pumps until every value is accepted (or the timeout), and checks the result."""
    config = bench.sandbox.config
    outcome = Outcome(skus, bench.scale, Minimum(skus, 2, config.feed_queue_seconds + config.feed_processing_seconds))
    bench.seed_listings(skus)
    indices = sorted(range(skus), key=lambda i: (bucket_of(sku_for(i)), sku_for(i)))
    probe = sku_for(indices[0])  # the first SKU of the first feed of both marketplaces
    calls = SpApiCalls(bench.sandbox)
    real_start = time.monotonic()
    outcome.started = bench.now()
    as_of = datetime.fromtimestamp(outcome.started, UTC).isoformat()
    records = [
        {"connectionId": bench.connection_id, "sku": sku_for(i), "available": quantity_for(i), "asOf": as_of}
        for i in indices
    ]
    bench.send_records(records)
    outcome.input_done, outcome.input_real = bench.now(), time.monotonic() - real_start
    print(f"  input done: {outcome.input_done - outcome.started:.0f} s ({outcome.input_real:.0f} s real)", flush=True)
    watch = StockOutWatch(bench.sandbox, bench.seller_id, probe)
    bench.last_recorded = bench.now()
    deadline = real_start + real_timeout
    stop = threading.Event()
    pumps = [
        threading.Thread(target=bench.pump, args=(lane, stop), name=f"pump-{lane.name}-{n}", daemon=True)
        for lane in LANES
        for n in range(lane.workers)
    ]
    for pump in pumps:
        pump.start()
    try:
        while time.monotonic() < deadline:
            if outcome.stock_out is None and bench.listing_feeds(outcome.started):
                outcome.first_feeds = bench.now()
                print(f"  first feed submitted: {outcome.first_feeds - outcome.started:.0f} s", flush=True)
                as_of = datetime.fromtimestamp(bench.now(), UTC).isoformat()
                stock_out = {"connectionId": bench.connection_id, "sku": probe, "available": 0, "asOf": as_of}
                watch.start(bench.now())
                outcome.stock_out = watch
                bench.send_records([stock_out])
            if bench.feeds_recorded(outcome.started) and bench.idle():
                outcome.finished = True
                break
            time.sleep(0.2)
    finally:
        stop.set()
        for pump in pumps:
            pump.join()
    last_recorded = bench.last_recorded
    outcome.quiet = last_recorded
    outcome.real_seconds = time.monotonic() - real_start
    watch.stop()
    outcome.feeds = sorted(bench.listing_feeds(outcome.started), key=lambda f: f.created)
    outcome.timeline = [
        (
            f.marketplace_ids[0],
            f.summary.get("messagesProcessed", 0),
            f.created - outcome.started,
            (f.ended or math.nan) - outcome.started,
            bench.recorded_at(f.feed_id) - outcome.started,
        )
        for f in outcome.feeds
    ]
    window = calls.between(outcome.started, bench.now())
    outcome.calls = Counter(c.operation for c in window if c.accepted)
    outcome.throttled = Counter(c.operation for c in window if not c.accepted)
    last_verdict = check(bench, outcome, indices, probe)
    # Recorded: the end of the invocation that wrote the last verdict (its time is when that invocation started
    # recording; results run two at a time, so the latest end of the invocations running then); the stock-out SKU:
    # once Amazon holds its 0.
    written = max((end for start, end in bench.windows if start <= last_verdict <= end), default=last_verdict)
    probe_done = max((watch.zero_again if watch.overwritten else watch.first_zero).values(), default=math.inf)
    outcome.all_accepted = max(written, probe_done if watch.sent_at else written)
    outcome.invocations, outcome.handler_real = bench.invocations, bench.handler_real
    outcome.failures = bench.failures
    outcome.notifications = bench.notifications.delivered
    outcome.told = dict(bench.notifications.told)
    return outcome


def check(bench: Bench, outcome: Outcome, indices: list[int], probe: str) -> float:
    """Every (SKU, marketplace): our verdict (ACCEPTED at the current revision) and Amazon's value (the desired one).
    Returns when the last verdict (the stock-out SKU's aside) was taken, sandbox time."""
    last = 0.0
    repository = InventoryRepository(bench.tables["inventory"], bench.aws.client("dynamodb"))
    desired: dict[tuple[str, str], int] = {}
    for _, stored in repository.iter_buckets(bench.connection_id):
        for sku, state in stored.bucket.skus.items():
            for mp in (UK, DE):
                market = state.markets.get(mp)
                if market is None:
                    outcome.verdicts["no state"] += 1
                    continue
                verdict = market.verdict
                if verdict is None:
                    outcome.verdicts["no verdict"] += 1
                elif verdict.rev != market.rev:
                    outcome.verdicts[f"{verdict.status} (older revision)"] += 1
                else:
                    outcome.verdicts[verdict.status] += 1
                    if sku != probe:
                        last = max(last, verdict.at.timestamp())
                desired[(sku, mp)] = market.desired.quantity
    outcome.verdicts["missing SKU"] = max(0, outcome.skus - len(desired) // 2)
    check_sandbox(bench, outcome, indices, probe, desired)
    return last


def check_sandbox(
    bench: Bench, outcome: Outcome, indices: list[int], probe: str, desired: dict[tuple[str, str], int]
) -> None:
    """Every listing at Amazon holds the bulk's value (the stock-out SKU: 0), and so does our desired state."""
    with bench.sandbox.state.lock:
        listings = bench.sandbox.state.sellers[bench.seller_id].listings
        for i in indices:
            sku = sku_for(i)
            for mp in (UK, DE):
                expected = 0 if sku == probe else quantity_for(i)
                held = listings[sku].offers[mp].quantity
                outcome.sandbox_checked += 1
                if held != expected or desired.get((sku, mp), expected) != expected:
                    outcome.sandbox_mismatches += 1


def verdict(ok: bool) -> str:
    """PASS / FAIL."""
    return "PASS" if ok else "FAIL"


def overwrite_rows(stock: StockOutWatch, feeds: list[Any], told: dict[str, float]) -> list[tuple[str, str, str]]:
    """Per marketplace, how long Amazon held the older feed's quantity over the stock-out (overwrite window), against
    the target: the time Amazon took to tell us that feed was done (its FEED_PROCESSING_FINISHED reaching the results
    queue) plus one patch."""
    rows = []
    for mp, overwritten_at in sorted(stock.overwritten.items()):
        window = stock.zero_again.get(mp, math.inf) - overwritten_at
        # The overwriting feed: the marketplace's feed whose processing ended last before the overwrite was seen.
        ended = [f for f in feeds if f.marketplace_ids[0] == mp and f.ended is not None and f.ended <= overwritten_at]
        culprit = max(ended, key=lambda f: f.ended, default=None)
        telling = told.get(culprit.feed_id, math.inf) - culprit.ended if culprit is not None else math.inf
        target = max(telling, 0.0) + ONE_PATCH_SECONDS
        rows.append(
            (
                f"  overwrite window {mp[-4:]} (feed {culprit.feed_id if culprit else '?'})",
                f"{window:.1f} s (Amazon told us after {telling:.1f} s)",
                f"<= {target:.1f} s  {verdict(window <= target)}",
            )
        )
    return rows


def print_outcome(o: Outcome) -> None:
    """The figures."""
    m = o.minimum
    ratio = o.seconds / m.seconds if o.finished else math.inf
    per_mp = Counter(f.marketplace_ids[0] for f in o.feeds)
    summary: Counter[str] = Counter()
    for f in o.feeds:
        summary.update(f.summary)
    accepted = o.verdicts.get("ACCEPTED", 0)
    stock = o.stock_out
    print(
        f"\n\nInventory bulk: {o.skus:,} SKUs x 2 marketplaces (UK + DE) changed at once, quantity only "
        f"(sandbox seconds; time scale x{o.scale:g}, {o.real_seconds:.0f} s real)\n"
    )
    rows: list[tuple[str, str, str]] = [
        (
            "first record -> every value accepted",
            f"{o.seconds:,.0f} s" if o.finished else f"not finished after {o.seconds:,.0f} s",
            f"<= {SIMULATED_TARGET_SECONDS:g} s  {verdict(o.finished and o.seconds <= SIMULATED_TARGET_SECONDS)}",
        ),
        (
            f"minimum: ({m.feeds} feeds - {FEED_LIMIT.burst}) / {FEED_LIMIT.rate:.4f} + {m.feed_seconds:g}",
            f"{m.seconds:,.0f} s",
            "",
        ),
        ("time / minimum", f"{ratio:.2f}x", f"<= {RATIO_TARGET:g}x  {verdict(ratio <= RATIO_TARGET)}"),
        ("  pipeline quiet (redundant repair feeds done)", f"{o.quiet - o.started:,.0f} s", ""),
        (
            "  input (records -> changes queued)",
            f"{o.input_done - o.started:,.0f} s ({o.input_real:.0f} s real)",
            "",
        ),
        ("  first feeds submitted after", f"{o.first_feeds - o.started:,.0f} s", ""),
        (
            "feeds submitted (UK, DE; minimum)",
            f"{len(o.feeds)} ({per_mp.get(UK, 0)}, {per_mp.get(DE, 0)}; {m.feeds})",
            "",
        ),
        (
            "feed summaries: processed / accepted / invalid",
            f"{summary['messagesProcessed']:,} / {summary['messagesAccepted']:,} / {summary['messagesInvalid']:,}",
            "",
        ),
        (
            "verdicts (SKU x marketplace)",
            ", ".join(f"{k} {v:,}" for k, v in sorted(o.verdicts.items()) if v) or "none",
            f"{accepted:,} of {2 * o.skus:,} ACCEPTED",
        ),
        ("sandbox values compared (wrong)", f"{o.sandbox_checked:,} ({o.sandbox_mismatches:,})", ""),
        (
            "SP-API calls",
            f"{o.calls.total()} (" + ", ".join(f"{k} {v}" for k, v in o.calls.most_common()) + ")",
            "",
        ),
        ("429 answers", f"{o.throttled.total()}", ""),
        ("FEED_PROCESSING_FINISHED delivered", f"{o.notifications}", ""),
    ]
    if stock is not None:
        rows.append(
            (
                "stock-out -> quantity 0 at Amazon (UK, DE)",
                f"{stock.latency:.1f} s ("
                + ", ".join(f"{stock.first_zero.get(mp, math.inf) - stock.sent_at:.1f}" for mp in (UK, DE))
                + ")",
                f"<= {STOCK_OUT_TARGET_SECONDS:g} s  {verdict(stock.latency <= STOCK_OUT_TARGET_SECONDS)}",
            )
        )
        if stock.overwritten:
            back = {mp: stock.zero_again.get(mp, math.inf) - stock.sent_at for mp in stock.overwritten}
            rows.append(
                (
                    "  then overwritten by the bulk feed at",
                    ", ".join(f"{mp[-4:]} {t - stock.sent_at:.0f} s" for mp, t in stock.overwritten.items())
                    + "; 0 again at "
                    + ", ".join(f"{mp[-4:]} {t:.0f} s" for mp, t in back.items()),
                    "",
                )
            )
            rows.extend(overwrite_rows(stock, o.feeds, o.told))
    real = ", ".join(f"{k} {o.invocations[k]}x {o.handler_real[k]:.0f} s" for k in HANDLERS if o.invocations[k])
    rows.append(("handler invocations (real time)", real, ""))
    failed = ", ".join(f"{k} {v}" for k, v in o.failures.items() if v) or "none"
    rows.append(("messages failed by a handler (re-queued)", failed, ""))
    for name, value, target in rows:
        print(f"{name:<48} {value:<44} {target}")
    print("\nFeeds (sandbox s from the first record): marketplace, messages, submitted, done at Amazon, recorded")
    for number, (mp, messages, submitted, done, recorded) in enumerate(o.timeline, start=1):
        print(f"  {number:>2}. {mp} {messages:>7,} {submitted:>7.0f} {done:>7.0f} {recorded:>7.0f}")
    print(f"\nHandler logs: {o.log_path}")


def run_bench(skus: int, scale: float, real_timeout: float, log_dir: Path) -> Outcome:
    """The whole benchmark in its own moto server and sandbox."""
    log_path = log_dir / f"bench-inventory-{uuid.uuid4().hex[:6]}.log"
    with (
        log_path.open("w") as log,
        moto_process() as aws,
    ):
        notifications = FeedNotifications()
        config = SandboxConfig(seed=7, orders_per_hour=0, initial_orders=0, time_scale=scale)
        with SandboxServer(config, sender=notifications) as server:
            bench = Bench(aws, server, notifications, scale, log)
            with environment(bench.env()), contextlib.redirect_stdout(HandlerStdout(sys.stdout, log)):
                clear_handler_caches()
                bench.quiet_logs()
                try:
                    bench.connect()
                    outcome = run_scenario(bench, skus, real_timeout)
                finally:
                    clear_handler_caches()
    outcome.log_path = str(log_path)
    return outcome


def test_inventory_bulk(tmp_path: Path) -> None:
    """`make bench`: BENCH_INVENTORY_SKUS / BENCH_INVENTORY_SCALE override the size and the time scale."""
    skus = int(os.environ.get("BENCH_INVENTORY_SKUS", DEFAULT_SKUS))
    scale = float(os.environ.get("BENCH_INVENTORY_SCALE", DEFAULT_SCALE))
    print_outcome(run_bench(skus, scale, 1500, tmp_path))


def main(argv: list[str] | None = None) -> None:
    """`python -m tests.benchmarks.bench_inventory [--skus N] [--time-scale X]`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skus", type=int, default=DEFAULT_SKUS)
    parser.add_argument("--time-scale", type=float, default=DEFAULT_SCALE)
    parser.add_argument("--real-timeout", type=float, default=1500, help="real seconds before giving up")
    parser.add_argument("--log-dir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")))
    args = parser.parse_args(argv)
    print(f"Inventory bench: {args.skus:,} SKUs, time scale x{args.time_scale:g}", flush=True)
    print_outcome(run_bench(args.skus, args.time_scale, args.real_timeout, args.log_dir))


if __name__ == "__main__":
    main()
