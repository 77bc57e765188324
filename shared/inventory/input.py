"""The one validated path for the merchant's values: InventoryChanged events and CLI batches alike.

An input-queue message is either an EventBridge event (detail-type `InventoryChanged`, the detail one record) or a
CLI batch (`{"records": [...]}`). Each record is validated alone (`InventoryRecord`): an invalid one is returned
with its reason (the handler puts it on the input DLQ), the valid ones of the same message still go through.

Valid records name the merchant's SKU: each becomes a record per Amazon SKU it feeds (the connection's SKU map,
shared/inventory/mapping.py), applied per connection and bucket (shared/inventory/state.apply_record: latest `as_of`
wins), written conditionally, and the changes they cause are queued: a few (at most the settings'
`patch_first_max_changes` per connection and batch) to the fast lane alone, one message for all the connection's
marketplaces, patched at once; more, every change to the feed lane and stock-outs to the fast lane too (at most
FAST_LANE_LIMIT per connection and message; a bulk of stock-outs is the feed's job). Not ACTIVE, paused or without
`inventory` enabled: nothing is queued, values kept, the reconciliation sends them later.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from shared.inventory import SYNC_TYPE
from shared.inventory.events import price_refused_entries
from shared.inventory.listing_lookup import ListingKeys, SkuListings, listings_of
from shared.inventory.mapping import MAPPED_ELSEWHERE, fan_out
from shared.inventory.queues import MAX_DEAD_LETTER_BYTES, ChangeQueues
from shared.inventory.state import BucketChanges, QueuedChange, RecordStatus, apply_record, bucket_of
from shared.models.connection import Connection, ConnectionStatus
from shared.models.inventory import Bucket, Change, InventoryRecord
from shared.models.settings import ConnectionSettings
from shared.models.sku_map import IDENTITY, SkuMaps
from shared.repositories.errors import InvalidStoredItemError
from shared.sync.metrics import (
    INVENTORY_CHANGES_QUEUED,
    INVENTORY_PRICES_REFUSED,
    INVENTORY_RECORDS_INVALID,
    INVENTORY_RECORDS_RECEIVED,
    INVENTORY_RECORDS_STALE,
    INVENTORY_TIES_RESOLVED,
    MetricsSink,
    MetricUnit,
)

INVENTORY_CHANGED = "InventoryChanged"
# Stock-outs per connection and input message that also take the fast lane.
FAST_LANE_LIMIT = 100
# A value "true" further in the future than this is refused: it would win over every real value until then.
MAX_CLOCK_SKEW_SECONDS = 300


@dataclass(frozen=True)
class RejectedRecord:
    """A record that can never be applied, and why (`connection_id`: the valid record's connection, for the handler
    to name the messages it came in)."""

    record: Any
    reason: str
    connection_id: str | None = None


@dataclass(frozen=True)
class ParsedMessage:
    """The records of one input message."""

    records: tuple[InventoryRecord, ...]
    rejected: tuple[RejectedRecord, ...]


def dead_letter_body(rejected: RejectedRecord, max_bytes: int = MAX_DEAD_LETTER_BYTES) -> str:
    """The input DLQ's body: the record and the reason. A record too large to fit (an unreadable message of nearly
    SQS's size, grown by JSON escaping) is cut, saying so: a dead letter that cannot be sent would fail the batch."""
    body = json.dumps({"record": rejected.record, "reason": rejected.reason}, default=str)
    if len(body.encode()) <= max_bytes:
        return body
    text = rejected.record if isinstance(rejected.record, str) else json.dumps(rejected.record, default=str)
    keep = max_bytes // 8  # worst case: every character escaped as \uXXXX (6 bytes) or UTF-8 of 4 bytes
    cut = {"record_start": text[:keep], "record_chars": len(text), "truncated": True, "reason": rejected.reason}
    return json.dumps(cut)


def _validation_reason(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in exc.errors())


def parse_message(body: str, now: datetime) -> ParsedMessage:
    """The valid and the invalid records of an input message (an unreadable message is one invalid record)."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        return ParsedMessage((), (RejectedRecord(body, f"not JSON: {exc.msg}"),))
    if isinstance(payload, dict) and "detail-type" in payload:
        if payload.get("detail-type") != INVENTORY_CHANGED:
            return ParsedMessage(
                (), (RejectedRecord(payload, f"unexpected detail-type {payload.get('detail-type')!r}"),)
            )
        raw_records: list[Any] = [payload.get("detail")]
    elif isinstance(payload, dict) and isinstance(payload.get("records"), list):
        raw_records = payload["records"]
    else:
        return ParsedMessage((), (RejectedRecord(payload, "neither an InventoryChanged event nor a records batch"),))
    valid: list[InventoryRecord] = []
    rejected: list[RejectedRecord] = []
    for raw in raw_records:
        try:
            record = InventoryRecord.model_validate(raw)
        except ValidationError as exc:
            rejected.append(RejectedRecord(raw, _validation_reason(exc)))
            continue
        if (record.as_of - now).total_seconds() > MAX_CLOCK_SKEW_SECONDS:
            rejected.append(RejectedRecord(raw, f"asOf {record.as_of.isoformat()} is in the future"))
            continue
        valid.append(record)
    return ParsedMessage(tuple(valid), tuple(rejected))


class ConnectionsReader(Protocol):
    """What the input path reads about a connection: the connection (None: unknown) and its settings."""

    def get_connection(self, connection_id: str) -> Connection | None: ...

    def get_settings(self, connection_id: str) -> ConnectionSettings: ...


class BucketStore(Protocol):
    """InventoryRepository.update."""

    def update[R](
        self, connection_id: str, bucket_ids: Sequence[int], change: Callable[[int, Bucket], tuple[Bucket | None, R]]
    ) -> dict[int, R]:
        """Applies and writes conditionally."""
        ...


class Publisher(Protocol):
    """EventBusPublisher.publish: PutEvents."""

    def publish(self, entries: Sequence[dict[str, Any]]) -> None: ...


@dataclass(frozen=True)
class InputDeps:
    """What applying records needs."""

    connections: ConnectionsReader
    buckets: BucketStore
    queues: ChangeQueues
    metrics: MetricsSink
    clock: Callable[[], datetime]
    # InventoryPriceRefused events go here (shared/inventory/events.py).
    publisher: Publisher
    bus_name: str
    # The connections' SKU maps (merchant SKU in, every mapped Amazon SKU out); None: identity.
    sku_maps: SkuMaps | None = None
    # The stored catalog, for the records' SKUs (Amazon-fulfilled offers held: listing_lookup.py); None: not read.
    catalog: ListingKeys | None = None


@dataclass
class InputReport:
    """What became of a message's records."""

    statuses: dict[str, int] = field(default_factory=dict)
    rejected: list[RejectedRecord] = field(default_factory=list)
    queued: int = 0
    stock_outs: int = 0
    patch_first: int = 0  # of `queued`: the few changes sent to the fast lane alone
    prices_refused: int = 0
    # Connections whose records could not be applied now (an unexpected error, e.g. DynamoDB failing), with the
    # reason: their messages are retried, every other connection's records went through.
    failed: dict[str, str] = field(default_factory=dict)
    # Records of the same `as_of` as the held value with another value, resolved toward the safer one.
    ties_resolved: int = 0


def _apply_bucket(
    bucket: Bucket,
    records: Sequence[InventoryRecord],
    settings: ConnectionSettings,
    marketplace_ids: Sequence[str],
    now: datetime,
    listings: Mapping[str, SkuListings] | None = None,
) -> tuple[Bucket | None, BucketChanges]:
    """The records of one bucket applied in `asOf` order; the new bucket (None: nothing to write) and the changes."""
    skus = dict(bucket.skus)
    outcome = BucketChanges()
    latest: dict[tuple[str, str], QueuedChange] = {}
    for record in sorted(records, key=lambda r: r.as_of):
        facts = listings.get(record.sku, {}) if listings is not None else None
        transition = apply_record(record.sku, skus.get(record.sku), record, settings, marketplace_ids, now, facts)
        outcome.count(transition)
        outcome.refusals.extend(transition.refusals)
        if transition.state is not None:
            skus[record.sku] = transition.state
        for queued in transition.changes:
            key = (queued.marketplace_id, queued.change.sku)
            held = latest.get(key)
            stock_out = queued.stock_out or (held is not None and held.stock_out and queued.change.values.quantity == 0)
            latest[key] = QueuedChange(queued.marketplace_id, queued.change, stock_out)
    outcome.changes = list(latest.values())
    written = any(s in outcome.statuses for s in (RecordStatus.APPLIED, RecordStatus.UNCHANGED))
    return (Bucket(skus=skus) if written else None), outcome


def sends_inventory(connection: Connection, settings: ConnectionSettings) -> bool:
    """Whether changes go to Amazon now (ACTIVE, enabled, not paused: its values are kept, `resume` sends them)."""
    enabled = connection.status is ConnectionStatus.ACTIVE and SYNC_TYPE in settings.enabled_syncs
    return enabled and connection.pause_of(SYNC_TYPE) is None


def apply_records(records: Sequence[InventoryRecord], deps: InputDeps) -> InputReport:
    """Applies valid records (any connections), queues their changes. Each connection is applied alone: the
    records of an unknown connection, or of one whose stored connection or settings no longer validate, are
    rejected with the reason; an unexpected error leaves the connection in `failed`; the others go on."""
    report = InputReport()
    by_connection: dict[str, list[InventoryRecord]] = defaultdict(list)
    for record in records:
        by_connection[record.connection_id].append(record)
    for connection_id, connection_records in by_connection.items():
        try:
            connection = deps.connections.get_connection(connection_id)
            if connection is None:
                _reject(report, connection_records, f"unknown connection {connection_id!r}")
                continue
            _apply_connection(connection, connection_records, deps, report)
        except InvalidStoredItemError as exc:
            _reject(report, connection_records, f"connection {connection_id!r} cannot take records: {exc}")
        except Exception as exc:  # isolated per connection: the handler retries its messages
            report.failed[connection_id] = f"applying the records of connection {connection_id!r} failed: {exc!r}"
    deps.metrics.add_metric(INVENTORY_RECORDS_RECEIVED, MetricUnit.Count, len(records))
    deps.metrics.add_metric(INVENTORY_RECORDS_INVALID, MetricUnit.Count, len(report.rejected))
    deps.metrics.add_metric(INVENTORY_RECORDS_STALE, MetricUnit.Count, report.statuses.get(RecordStatus.STALE, 0))
    deps.metrics.add_metric(INVENTORY_CHANGES_QUEUED, MetricUnit.Count, report.queued)
    deps.metrics.add_metric(INVENTORY_PRICES_REFUSED, MetricUnit.Count, report.prices_refused)
    deps.metrics.add_metric(INVENTORY_TIES_RESOLVED, MetricUnit.Count, report.ties_resolved)
    return report


def _reject(report: InputReport, records: Sequence[InventoryRecord], reason: str) -> None:
    report.rejected.extend(
        RejectedRecord(r.model_dump(mode="json", by_alias=True), reason, r.connection_id) for r in records
    )


def _apply_connection(
    connection: Connection, records: Sequence[InventoryRecord], deps: InputDeps, report: InputReport
) -> None:
    settings = deps.connections.get_settings(connection.connection_id)
    now = deps.clock()
    mapped = fan_out(records, deps.sku_maps.get(connection.connection_id) if deps.sku_maps else IDENTITY)
    if mapped.mapped_elsewhere:
        report.statuses[MAPPED_ELSEWHERE] = report.statuses.get(MAPPED_ELSEWHERE, 0) + mapped.mapped_elsewhere
    by_bucket: dict[int, list[InventoryRecord]] = defaultdict(list)
    for record in mapped.records:
        by_bucket[bucket_of(record.sku)].append(record)
    cid, markets = connection.connection_id, connection.marketplace_ids
    facts = listings_of(deps.catalog, cid, (r.sku for r in mapped.records), markets) if deps.catalog else None
    results = deps.buckets.update(
        cid, sorted(by_bucket), lambda b, bucket: _apply_bucket(bucket, by_bucket[b], settings, markets, now, facts)
    )
    outcomes = list(results.values())
    for outcome in outcomes:
        for status, count in outcome.statuses.items():
            report.statuses[status] = report.statuses.get(status, 0) + count
        report.ties_resolved += outcome.ties
    if sends_inventory(connection, settings):
        _send(connection.connection_id, outcomes, deps, report, now, settings.patch_first_max_changes)


def _send(
    cid: str, outcomes: Sequence[BucketChanges], deps: InputDeps, report: InputReport, now: datetime, few: int
) -> None:
    """Queues the buckets' changes (at most `few`: to the fast lane alone; more: every one to the feed lane,
    stock-outs to the fast lane too) and publishes the refused prices."""
    feed: dict[str, list[Change]] = defaultdict(list)
    fast: dict[str, list[Change]] = defaultdict(list)
    for outcome in outcomes:
        for queued in outcome.changes:
            feed[queued.marketplace_id].append(queued.change)
            if queued.stock_out:
                fast[queued.marketplace_id].append(queued.change)
    refusals = [r for outcome in outcomes for r in outcome.refusals]
    if refusals:
        deps.publisher.publish(price_refused_entries(cid, refusals, deps.bus_name))
        report.prices_refused += len(refusals)
    total = sum(len(changes) for changes in feed.values())
    if total <= few:
        deps.queues.send_patch_first(cid, feed, now)  # one message for every marketplace
        report.queued += total
        report.patch_first += total
        return
    for marketplace_id, changes in sorted(feed.items()):
        deps.queues.send_changes(cid, marketplace_id, changes, now)
        report.queued += len(changes)
    budget = FAST_LANE_LIMIT
    for marketplace_id, changes in sorted(fast.items()):
        chosen = changes[:budget]
        budget -= len(chosen)
        if chosen:
            deps.queues.send_stock_outs(cid, marketplace_id, chosen, now)
            report.stock_outs += len(chosen)


def statuses_text(statuses: Mapping[str, int]) -> str:
    """`applied 3, stale 1` for logs."""
    return ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) or "none"
