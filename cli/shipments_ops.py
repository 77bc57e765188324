"""What the shipments commands do against a stack: check a request as the function will, send it, wait for Amazon's
answer, and read back what the shipments table holds.

A request is checked before it is sent with the function's own validation (the same stored order, packages and
carrier rules), so a refusal is shown at once with its reason; the function checks again when it takes the request
(a package may have been recorded meanwhile).
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import batched
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cli.render import err_console
from cli.target import Target
from cli.wiring import (
    cancellations_repository,
    connections_repository,
    orders_repository,
    shipments_input_queue_url,
    shipments_repository,
)
from shared.models.orders import ImportedOrder
from shared.models.shipments import (
    CancellationRecord,
    OrderCancellationRequested,
    PackageRecord,
    PackageState,
    ShipmentCreated,
)
from shared.repositories.errors import ConnectionNotFoundError
from shared.repositories.shipments import StoredPackage
from shared.shipments.cancellations import Accepted, Refusal, precheck
from shared.shipments.carriers import coerce_carrier
from shared.shipments.input import envelope
from shared.shipments.validation import Refusal as PackageRefusal
from shared.shipments.validation import Unchanged, validate_shipment

# The states after which a package or a cancellation waits for nothing more from us.
# Held (the connection is paused) waits for the resume, not for us: `confirm --wait` reports it and returns.
ANSWERED = frozenset(
    {PackageState.SENT, PackageState.CONFIRMED, PackageState.REJECTED, PackageState.UNVERIFIED, PackageState.HELD}
)
POLL_SECONDS = 0.5
SQS_BATCH = 10


@dataclass(frozen=True)
class Checked:
    """A package request as the function would take it: to send (`record`), unchanged, or refused (`reason`)."""

    request: ShipmentCreated
    record: PackageRecord | None = None
    unchanged: bool = False
    reason: str | None = None


def stored_order(target: Target, order_id: str) -> ImportedOrder | None:
    """The order as the orders table holds it."""
    stored = orders_repository(target).get(order_id)
    return None if stored is None else stored.order


def require_connection(target: Target, connection_id: str) -> None:
    """Raises ConnectionNotFoundError (a usage error) for a connection the stack does not hold."""
    if connections_repository(target).get_connection(connection_id) is None:
        raise ConnectionNotFoundError(connection_id)


def check_shipment(
    target: Target, request: ShipmentCreated, now: datetime, earlier: Sequence[PackageRecord] = ()
) -> Checked:
    """The function's validation of one package against the stored order, its packages and the carrier rules;
    `earlier`: packages of the same order accepted before it and not sent yet (a file's), counted as recorded."""
    connections = connections_repository(target)
    connection = connections.get_connection(request.connection_id)
    if connection is None:
        raise ConnectionNotFoundError(request.connection_id)
    alias_map = connections.get_settings(request.connection_id).carrier_alias_map
    order = stored_order(target, request.order_id)
    marketplace = order.marketplace_id if order is not None else connection.marketplace_ids[0]
    existing = shipments_repository(target).load(request.connection_id, request.order_id)
    for record in earlier:
        packages = dict(existing.packages) | {record.reference: StoredPackage(record, 0)}
        ids = dict(existing.ids) | {record.package_reference_id: record.reference}
        existing = replace(existing, packages=packages, ids=ids)

    def coerce(name: str) -> Any:
        return coerce_carrier(name, marketplace, alias_map)

    verdict = validate_shipment(request, order, existing, coerce, now=now)
    if isinstance(verdict, PackageRefusal):
        return Checked(request, reason=verdict.reason)
    if isinstance(verdict, Unchanged):
        return Checked(request, record=verdict.record, unchanged=True)
    if request.ship_date is None:
        # Sent with the ship date it was checked with, so the function settles on the same content (its fingerprint
        # is how `wait_for_packages` recognises the answer), not on a ship date of its own clock.
        request = request.model_copy(update={"ship_date": verdict.ship_date})
    return Checked(request, record=verdict)


def check_cancellation(target: Target, request: OrderCancellationRequested) -> Accepted | Refusal | None:
    """The function's checks of a cancellation: a Refusal, Accepted(unchanged) when already recorded, or None."""
    require_connection(target, request.connection_id)
    return precheck(request, stored_order(target, request.order_id), cancellations_repository(target))


def send_requests(
    target: Target, requests: Sequence[ShipmentCreated | OrderCancellationRequested], show_progress: bool
) -> int:
    """Sends the requests to the shipments input queue, ten to a call; returns how many were sent."""
    sqs, url = target.client("sqs"), shipments_input_queue_url(target)
    columns = (TextColumn("sending"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True, disable=not show_progress) as progress:
        task = progress.add_task("send", total=len(requests))
        for chunk in batched(requests, SQS_BATCH, strict=False):
            entries = [{"Id": str(n), "MessageBody": envelope(request)} for n, request in enumerate(chunk)]
            answer = sqs.send_message_batch(QueueUrl=url, Entries=entries)
            if answer.get("Failed"):
                codes = ", ".join(sorted({str(f.get("Code")) for f in answer["Failed"]}))
                raise RuntimeError(f"{len(answer['Failed'])} request(s) not queued: {codes}")
            progress.advance(task, len(chunk))
    return len(requests)


def wait_for_packages(
    target: Target, expected: Sequence[PackageRecord], timeout: float, sleep: Callable[[float], None] = time.sleep
) -> dict[tuple[str, str], PackageRecord | None]:
    """Each package as stored once Amazon answered it, or as it stands after `timeout`; None while the table holds no
    package of the reference with the content sent (an earlier version of an edited package is not its answer)."""
    repo = shipments_repository(target)
    deadline = time.monotonic() + timeout
    latest: dict[tuple[str, str], PackageRecord | None] = {}
    while True:
        for record in expected:
            key = (record.order_id, record.reference)
            current = latest.get(key)
            if current is not None and current.content == record.content and current.state in ANSWERED:
                continue
            latest[key] = repo.load(record.connection_id, record.order_id).package(record.reference)
        done = all(
            (r := latest.get((e.order_id, e.reference))) is not None and r.content == e.content and r.state in ANSWERED
            for e in expected
        )
        if done or time.monotonic() >= deadline:
            contents = {(e.order_id, e.reference): e.content for e in expected}
            return {key: r if r is not None and r.content == contents[key] else None for key, r in latest.items()}
        sleep(POLL_SECONDS)


def cancellation_version(target: Target, request: OrderCancellationRequested) -> int:
    """The stored version of the order's cancellation (0: none): what a new request's record will be newer than."""
    return cancellations_repository(target).get_versioned(request.connection_id, request.order_id)[1]


def wait_for_cancellation(
    target: Target,
    request: OrderCancellationRequested,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    *,
    newer_than: int = 0,
) -> CancellationRecord | None:
    """The order's cancellation once recorded (and, within `timeout`, once Amazon's verdict is in); a record at
    version `newer_than` or older (a rejected one the request just sent replaces) is not it: None."""
    repo = cancellations_repository(target)
    deadline = time.monotonic() + timeout
    while True:
        found, version = repo.get_versioned(request.connection_id, request.order_id)
        record = found if version > newer_than else None
        if (record is not None and record.state.value in ("cancelled", "rejected")) or time.monotonic() >= deadline:
            return record
        sleep(POLL_SECONDS)


def package_view(record: PackageRecord) -> dict[str, Any]:
    """One package for `shipments status` (and its --json)."""
    sent_as = record.carrier_code + (f" ({record.carrier_name})" if record.carrier_name else "")
    return {
        "reference": record.reference,
        "package_reference_id": record.package_reference_id,
        "carrier_given": record.carrier_given,
        "carrier_sent": sent_as,
        "service": record.service,
        "tracking_number": record.tracking_number,
        "items": [{"order_item_id": x.order_item_id, "sku": x.sku, "quantity": x.quantity} for x in record.lines],
        "state": record.state.value,
        "message": record.message,
        "request_id": record.request_id,
        "ship_date": record.ship_date.isoformat(),
        "updated_at": record.updated_at.isoformat(),
    }


def cancellation_view(record: CancellationRecord) -> dict[str, Any]:
    """An order's cancellation for `shipments status`."""
    return {
        "state": record.state.value,
        "reason": record.reason.value,
        "verdict": record.verdict,
        "feed_id": record.feed_id,
        "requested_at": record.requested_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
    }


def order_views(target: Target, connection_id: str, order_id: str | None, limit: int) -> list[dict[str, Any]]:
    """Per order with shipment activity (newest first, or the one asked for): its packages and its cancellation."""
    repo, cancellations = shipments_repository(target), cancellations_repository(target)
    if order_id is not None:
        found = {order_id: repo.load(connection_id, order_id)}
        asked = {order_id: cancellations.get(connection_id, order_id)}
    else:
        found = {o.order_id: o for o in repo.list_orders(connection_id, limit=limit)}
        listed = cancellations.pending(connection_id, limit) + cancellations.listed(connection_id, limit)
        asked = {c.order_id: c for c in listed}
    views = []
    for oid in sorted(set(found) | set(asked)):
        order = found.get(oid) or repo.load(connection_id, oid)
        cancellation = asked.get(oid)
        if cancellation is None and oid in found and order.cancellation_state is not None:
            cancellation = cancellations.get(connection_id, oid)
        records = sorted((s.record for s in order.packages.values()), key=lambda r: r.created_at)
        if not records and cancellation is None:
            continue
        views.append(
            {
                "order_id": oid,
                "packages": [package_view(r) for r in records],
                "cancellation": None if cancellation is None else cancellation_view(cancellation),
            }
        )
    return views[:limit] if order_id is None else views
