"""The catalog benchmark's world (bench_catalog.py): a sandbox seller with a large catalog, and the catalog sync of
its connection run as a Lambda would run it, each in a process of its own.

- `sandbox_process`: the local sandbox in a child process (`python -m` this module `serve`), its first EU seller's
  15 listings replaced by `skus` generated ones offered in both its marketplaces (UK, DE): a variation family of a
  parent and 4 children in every 50 SKUs, one SKU in 20 Amazon-fulfilled, one in 1,000 with a SKU and title the
  Cp1252 report garbles. Every usage plan's rate is multiplied by `RATE_FACTOR` (bursts kept) and the report's
  processing time divided by it, so time runs `RATE_FACTOR` times faster for Amazon's limits alone.
- `store_process`: the listings table as an in-memory store in a process of its own (a multiprocessing manager), with
  ListingsRepository's semantics for what the sync uses (a write only when the content hash differs; the sync state
  by version) and DYNAMODB_SECONDS per call divided by the factor: moto's UpdateItem with expressions takes ~55 ms
  here, which would measure moto, and a table held in the sync's process would count in its memory.
- `run_sync`: the catalog sync in a child process (`python -m` this module `sync`): the real SP-API client (its
  buckets scaled by the same factor), the store's proxy, events counted (not kept: EventBridge keeps them), each
  invocation given the function's 900 s divided by the factor, and every continuation job sent after its delay
  divided by the factor. The child reports the time to a complete catalog, its counts, and its peak resident memory
  (ru_maxrss) before and after the sync.
"""

import json
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from multiprocessing.managers import BaseManager
from typing import Any

import requests

from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from local.sandbox.entities import Listing, Offer, Seller
from local.sandbox.marketplaces import marketplace
from local.sandbox.ratelimit import USAGE_PLANS, UsagePlan

FAMILY_EVERY, CHILDREN = 50, 4
AFN_EVERY, GARBLED_EVERY = 20, 1000
REPORT_SECONDS = 45.0  # the sandbox's default report processing time, before scaling
FUNCTION_TIMEOUT = 900.0  # infra/config.py CATALOG.timeout_seconds
DYNAMODB_SECONDS = 0.005  # a DynamoDB call from a Lambda in the same region: single-digit milliseconds
READY = "SANDBOX READY "
CHANGE_SECONDS = 300.0 / 10
AUTHKEY = b"bench-catalog"


class MemoryStore:
    """The parts of ListingsRepository the catalog sync uses, in memory, each call DYNAMODB_SECONDS / factor long."""

    def __init__(self) -> None:
        self.latency = 0.0
        self._listings: dict[tuple[str, str], dict[str, Any]] = {}
        self._states: dict[tuple[str, str], Any] = {}
        self._event_ids: dict[tuple[str, str], dict[str, str]] = {}
        self._outbox: dict[tuple[str, str], dict[str, Any]] = {}
        self._progress: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def set_latency(self, seconds: float) -> None:  # noqa: D102
        self.latency = seconds

    def put_if_changed(self, listing: Any) -> Any:  # noqa: D102
        from shared.repositories.listings import Added, Changed, Unchanged

        time.sleep(self.latency)
        with self._lock:
            pair = self._listings.setdefault((listing.connection_id, listing.marketplace_id), {})
            previous = pair.get(listing.sku)
            if previous is not None and previous.content_hash() == listing.content_hash():
                return Unchanged(previous)
            if previous is None:
                pair[listing.sku] = listing
                return Added(listing)
            pair[listing.sku] = listing.model_copy(update={"first_seen": previous.first_seen})
            return Changed(pair[listing.sku], previous)

    def remove(self, connection_id: str, marketplace_id: str, sku: str) -> Any:  # noqa: D102
        time.sleep(self.latency)
        with self._lock:
            return self._listings.get((connection_id, marketplace_id), {}).pop(sku, None)

    def skus(self, connection_id: str, marketplace_id: str) -> list[str]:  # noqa: D102
        with self._lock:
            return list(self._listings.get((connection_id, marketplace_id), {}))

    def sync_state(self, connection_id: str, marketplace_id: str) -> Any:  # noqa: D102
        from shared.models.listings import CatalogSyncState

        time.sleep(self.latency)
        found = self._states.get((connection_id, marketplace_id))
        return found or CatalogSyncState(connection_id=connection_id, marketplace_id=marketplace_id)

    def save_sync_state(self, state: Any) -> Any:  # noqa: D102
        time.sleep(self.latency)
        with self._lock:
            held = self._states.get((state.connection_id, state.marketplace_id))
            if (held.version if held else 0) != state.version:
                raise RuntimeError("the sync state moved meanwhile")
            written = state.model_copy(update={"version": state.version + 1})
            self._states[state.connection_id, state.marketplace_id] = written
            return written

    # The outbox writes (shared/catalog/outbox.py; ListingsImportMixin), with the repository's conditions.
    def get_many(self, connection_id: str, marketplace_id: str, skus: Any) -> dict[str, Any]:  # noqa: D102
        from shared.repositories.listings_import import StoredListing

        time.sleep(self.latency)
        with self._lock:
            pair = self._listings.get((connection_id, marketplace_id), {})
            ids = self._event_ids.get((connection_id, marketplace_id), {})
            found = {sku: pair[sku] for sku in skus if sku in pair}
        return {sku: StoredListing(x, x.content_hash(), ids.get(sku)) for sku, x in found.items()}

    def put_events(self, connection_id: str, marketplace_id: str, events: Any) -> list[Any]:  # noqa: D102
        from dataclasses import replace

        time.sleep(self.latency)
        stored = [replace(event, chunk=events[0].event_id) for event in events]
        with self._lock:
            self._outbox.setdefault((connection_id, marketplace_id), {}).update({e.event_id: e for e in stored})
        return stored

    def write_listing(self, listing: Any, expected: Any, event_id: str) -> bool:  # noqa: D102
        time.sleep(self.latency)
        pair_key = (listing.connection_id, listing.marketplace_id)
        with self._lock:
            pair = self._listings.setdefault(pair_key, {})
            stored = pair.get(listing.sku)
            if (stored.content_hash() if stored else None) != (expected.content_hash if expected else None):
                return False
            pair[listing.sku] = listing
            self._event_ids.setdefault(pair_key, {})[listing.sku] = event_id
            return True

    def delete_listing(self, expected: Any) -> bool:  # noqa: D102
        time.sleep(self.latency)
        listing = expected.listing
        with self._lock:
            pair = self._listings.get((listing.connection_id, listing.marketplace_id), {})
            stored = pair.get(listing.sku)
            if stored is None or stored.content_hash() != expected.content_hash:
                return False
            del pair[listing.sku]
            return True

    def pending_events(self, connection_id: str, marketplace_id: str) -> list[Any]:  # noqa: D102
        time.sleep(self.latency)
        with self._lock:
            return list(self._outbox.get((connection_id, marketplace_id), {}).values())

    def clear_events(self, connection_id: str, marketplace_id: str, chunks: Any) -> None:  # noqa: D102
        time.sleep(self.latency)
        with self._lock:
            held = self._outbox.get((connection_id, marketplace_id), {})
            for key in [key for key, event in held.items() if event.chunk in chunks]:
                del held[key]

    def save_progress(self, progress: Any) -> bool:  # noqa: D102
        time.sleep(self.latency)
        with self._lock:
            self._progress[progress.connection_id, progress.marketplace_id] = progress
        return True

    def import_progress(self, connection_id: str, marketplace_id: str) -> Any:  # noqa: D102
        with self._lock:
            return self._progress.get((connection_id, marketplace_id))

    def summary(self, connection_id: str, marketplace_id: str) -> dict[str, Any]:
        """What the bench checks: the stored SKUs, parents, children, Amazon-fulfilled and handling days."""
        with self._lock:
            held = list(self._listings.get((connection_id, marketplace_id), {}).values())
        return {
            "skus": sorted(x.sku for x in held),
            "parents": sum(x.is_parent for x in held),
            "children": sum(x.parent_sku is not None for x in held),
            "amazon": sum(x.fulfillment_channel.value == "AMAZON" for x in held),
            "handling_days": sum(x.handling_days is not None for x in held),
        }


_STORE = MemoryStore()


def _store() -> MemoryStore:
    return _STORE


class StoreManager(BaseManager):
    """Serves the one MemoryStore of its process."""


StoreManager.register("store", callable=_store)


@contextmanager
def store_process(factor: float) -> Iterator[tuple[tuple[str, int], Any]]:
    """The store's process for the block: its address and a proxy of the store."""
    manager = StoreManager(address=("127.0.0.1", 0), authkey=AUTHKEY)
    manager.start()
    try:
        store = manager.store()  # type: ignore[attr-defined]
        store.set_latency(DYNAMODB_SECONDS / factor)
        host, port = manager.address  # type: ignore[misc,str-unpack]
        yield (str(host), int(port)), store
    finally:
        manager.shutdown()


def generated_listing(index: int, marketplace_ids: list[str], now: float) -> Listing:
    """The index-th SKU of the generated catalog (see the module doc)."""
    block, place = divmod(index, FAMILY_EVERY)
    garbled = index % GARBLED_EVERY == 3
    sku = f"BENCH-{index:06d}" + ("-ŁÓDŹ" if garbled else "")
    listing = Listing(
        sku=sku,
        asin=f"B{index:09d}",
        product_type="HOME",
        title=f"Bench item {index}" + (" ✓ 保温" if garbled else ""),
        created=now - 86_400 * 30,
        # One SKU a second, all a month old: no second holds more than searchListingsItems' 1,000-item cap, and none
        # is within the delta's reach (its cursor is the first report's request time, less 5 minutes).
        updated=now - 86_400 * 30 + index,
        fulfillment_channel="AMAZON_EU" if index % AFN_EVERY == 7 else "DEFAULT",
    )
    if place == 0:
        listing.is_parent, listing.variation_theme = True, "COLOR"
    elif place <= CHILDREN:
        listing.parent_sku, listing.variation_theme = f"BENCH-{block * FAMILY_EVERY:06d}", "COLOR"
        listing.variation_values = {"color": f"C{place}"}
    for marketplace_id in marketplace_ids:
        currency = marketplace(marketplace_id).currency
        if listing.is_parent:
            listing.offers[marketplace_id] = Offer(marketplace_id, currency)
            continue
        mfn = listing.fulfillment_channel == "DEFAULT"
        price = f"{10 + index % 90}.{index % 100:02d}"
        listing.offers[marketplace_id] = Offer(
            marketplace_id, currency, price, None, index % 41, (1 + index % 3) if mfn else None
        )
    return listing


def serve(skus: int, factor: float) -> None:
    """The child's main: the sandbox with the generated catalog, scaled rates; prints READY and its URL."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    for name, plan in list(USAGE_PLANS.items()):
        USAGE_PLANS[name] = UsagePlan(plan.rate * factor, plan.burst)
    config = SandboxConfig(
        seed=17, time_scale=1.0, orders_per_hour=0, initial_orders=0, report_processing_seconds=REPORT_SECONDS / factor
    )
    server = SandboxServer(config)
    sandbox = server.sandbox
    with sandbox.state.lock:
        seller: Seller = [s for s in sandbox.state.sellers.values() if s.region == "EU"][0]
        now = sandbox.now()
        seller.listings = {}
        for index in range(skus):
            listing = generated_listing(index, seller.marketplace_ids, now)
            seller.listings[listing.sku] = listing
    server.app.add_url_rule("/_bench/change", "bench-change", _change_view(server), methods=["POST"])
    server.start()
    print(f"{READY}{server.url} {seller.selling_partner_id}", flush=True)
    threading.Event().wait()


def _change_view(server: SandboxServer) -> Any:
    """POST /_bench/change {"skus", "since"}: the quantity of every `skus`-th merchant child SKU changed in every
    marketplace, each dated evenly between `since` (epoch seconds) and now, as Amazon would date the changes of an
    hour; answers how many SKUs changed."""
    from flask import jsonify, request

    def view() -> Any:
        body = request.get_json()
        sandbox = server.sandbox
        with sandbox.state.lock:
            seller = [s for s in sandbox.state.sellers.values() if s.region == "EU"][0]
            now = sandbox.now()
            chosen = [x for x in seller.listings.values() if not x.is_parent and x.fulfillment_channel == "DEFAULT"]
            chosen = chosen[: int(body["skus"])]
            since = float(body["since"])
            for n, listing in enumerate(chosen):
                listing.updated = since + (now - 1 - since) * (n + 1) / len(chosen)
                for offer in listing.offers.values():
                    offer.quantity = (offer.quantity or 0) + 100
        return jsonify({"changed": len(chosen)})

    return view


@contextmanager
def sandbox_process(skus: int, factor: float) -> Iterator[tuple[str, str]]:
    """The sandbox child for the block: (its URL, the seller's ID)."""
    command = [sys.executable, "-m", "tests.benchmarks.catalog_world", "serve", str(skus), str(factor)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line.startswith(READY):
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        url, seller_id = line[len(READY) :].split()
        yield url, seller_id
    finally:
        child.terminate()
        child.wait(10)


def run_sync(
    sandbox_url: str, seller_id: str, store_address: tuple[str, int], factor: float, delta_skus: int = 0
) -> dict[str, Any]:
    """The catalog sync in a child process until its import is complete, then a delta of `delta_skus` changed SKUs
    (none: 0); what it measured (see the module doc)."""
    host, port = store_address
    command = [sys.executable, "-m", "tests.benchmarks.catalog_world", "sync", sandbox_url, seller_id, host, str(port)]
    found = subprocess.run([*command, str(factor), str(delta_skus)], check=False, capture_output=True, text=True)
    if found.returncode != 0:
        raise RuntimeError(f"the sync failed:\n{found.stderr[-4000:]}")
    return dict(json.loads(found.stdout.strip().splitlines()[-1]))


def rss_mb() -> float:
    """This process's peak resident memory so far (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sync(
    sandbox_url: str, seller_id: str, store_address: tuple[str, int], factor: float, delta_skus: int = 0
) -> dict[str, Any]:
    """The sync child's work: the first import (a scheduled run, then continuations after their scaled delays, until
    none is sent); then, given `delta_skus`, that many SKUs changed at Amazon and the next scheduled run's delta."""
    from shared.catalog.sync import CatalogSyncDeps, run
    from shared.models.connection import Connection
    from shared.models.settings import ConnectionSettings
    from shared.models.sync import SyncJob
    from shared.spapi.marketplaces import Region
    from shared.spapi.ratelimit import InMemoryRateLimiter
    from shared.spapi.transport import RetryPolicy
    from shared.sync.dependencies import JobContext
    from tests.integration.spapi_sandbox import connect

    baseline = rss_mb()
    inspector = SandboxInspector(sandbox_url)
    info = next(s for s in inspector.sellers() if s.selling_partner_id == seller_id)
    session = requests.Session()
    answering = {"seconds": 0.0}  # time spent waiting for the sandbox's SP-API answers (headers received)

    def timed(response: requests.Response, *_: Any, **__: Any) -> None:
        if "/_sandbox" not in response.url and "/auth/" not in response.url:
            answering["seconds"] += response.elapsed.total_seconds()

    session.hooks["response"].append(timed)
    invocation = {"start": time.monotonic()}

    def remaining_ms() -> int:
        return int((invocation["start"] + FUNCTION_TIMEOUT / factor - time.monotonic()) * 1000)

    conn = connect(
        sandbox_url,
        seller_id,
        info.marketplace_ids[0],
        inspector.authorize(seller_id),
        session,
        InMemoryRateLimiter(time_scale=factor),
        clock=time.monotonic,
        sleep=time.sleep,
        retry=RetryPolicy(),
        remaining_time_ms=remaining_ms,
    )
    manager = StoreManager(address=store_address, authkey=AUTHKEY)
    manager.connect()
    store = manager.store()  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    connection = Connection(
        selling_partner_id=seller_id,
        region=Region.EU,
        name="bench",
        marketplace_ids=tuple(info.marketplace_ids),
        authorized_at=now,
        created_at=now,
        updated_at=now,
    )
    job = SyncJob(sync_type="catalog", connection_id=connection.connection_id, requested_at=now)
    context = JobContext(job=job, connection=connection, settings=ConnectionSettings())
    events: Counter[str] = Counter()
    continued: list[tuple[SyncJob, float]] = []

    class Metrics:
        def add_metric(self, name: Any, unit: Any, value: float) -> None:
            pass

    deps = CatalogSyncDeps(
        store=store,
        api_for=lambda _: conn.client,
        publish=lambda entries: events.update(e["DetailType"] for e in entries),
        bus_name="bench",
        metrics=Metrics(),
        continue_later=lambda job, delay: continued.append((job, delay)),
        clock=lambda: datetime.now(UTC),
    )

    def until_done(context: JobContext) -> dict[str, Any]:
        """A run and its continuations (each after its delay, scaled), until one sends none."""
        started, invocations, waited, totals = time.monotonic(), 0, 0.0, Counter[str]()
        answering["seconds"] = 0.0
        details: dict[str, str] = {}
        while True:
            invocation["start"] = time.monotonic()
            before = len(continued)
            report = run(context, deps)
            invocations += 1
            details.update(report.details)
            totals.update(report.counts)
            if len(continued) == before:
                break
            job, delay = continued[-1]
            time.sleep(delay / factor)
            waited += delay / factor
            context = replace(context, job=job)
        found = {"seconds": time.monotonic() - started, "poll_wait_seconds": waited, "invocations": invocations}
        found["sandbox_seconds"] = answering["seconds"]
        return found | {"details": details, "run_counts": dict(totals)}

    first = until_done(context)
    result = first | {
        # Each marketplace's import as kept in its sync state (an import continued carries its counts along).
        "counts": {m: store.sync_state(connection.connection_id, m).counts for m in info.marketplace_ids},
        "events": dict(events),
        "rss_before_mb": baseline,
        "rss_peak_mb": rss_mb(),
        "connection_id": connection.connection_id,
    }
    if delta_skus:
        # Changes appear after the first import (whose deltas moved every cursor to their run's time): dated over
        # CHANGE_SECONDS after it (5 minutes at x10).
        since = time.time()
        time.sleep(CHANGE_SECONDS)
        events.clear()
        answer = session.post(f"{sandbox_url}/_bench/change", json={"skus": delta_skus, "since": since}, timeout=60)
        answer.raise_for_status()
        scheduled = context.job.model_copy(update={"trigger": "schedule", "requested_at": datetime.now(UTC)})
        delta = until_done(replace(context, job=scheduled))
        changed = answer.json()["changed"]
        result["delta"] = delta | {"events": dict(events), "changed_skus": changed, "rss_peak_mb": rss_mb()}
    return result


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]), float(sys.argv[3]))
    else:
        address = (sys.argv[4], int(sys.argv[5]))
        print(json.dumps(sync(sys.argv[2], sys.argv[3], address, float(sys.argv[6]), int(sys.argv[7]))))
