"""Holding packages while a connection's shipments are paused, and releasing them once it is resumed.

A pause (`sellersync connections pause ID [--sync shipments]`) must keep work, not drop it: a valid package that
arrives while paused is validated and recorded like any other, in state held, and confirmShipment is not called. The
resume queues one `HeldRelease` for the connection (cli/pausing.py); its handler moves each held package to pending
with a conditional transition and sends it: only the caller whose transition wins sends, so a resume run twice, a
redelivered release or the package's own redelivered request racing it sends each package once. A release that dies
between moving a package to pending and Amazon's answer (Lambda's timeout, a crash, Amazon failing) is redelivered
(its message was not deleted); that release also sends the packages left pending for STALE_PENDING or longer, which
no live send still holds (the verification function that runs releases times out after 5 minutes; the redelivery
comes after its 30-minute visibility timeout; the package's own message was acknowledged when it was held, so
nothing else would send it). Sending a pending package again is safe: the same packageReferenceId is an edit of that
package at Amazon, never a second one (shared/shipments/confirm.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from shared.models.connection import PAUSE_SHIPMENTS, Connection
from shared.models.shipments import PackageRecord, PackageState
from shared.repositories.shipments import ConcurrentShipmentError, OrderShipments

# A package pending this long is no live send's: a release that died left it (longer than the verification
# function's 5-minute timeout, shorter than its queue's 30-minute visibility timeout, after which the release returns).
STALE_PENDING = timedelta(minutes=10)


class HoldWriter(Protocol):
    """The part of ShipmentsRepository holding uses."""

    def record_package(self, record: PackageRecord, existing: OrderShipments) -> OrderShipments:
        """Stores a new or edited package, conditioned on `existing`."""
        ...


class HoldStore(Protocol):
    """The part of ShipmentsRepository releasing uses."""

    def transition(self, current: PackageRecord, updated: PackageRecord) -> bool:
        """Moves a package on if it still is `current`."""
        ...

    def list_orders(self, connection_id: str, *, limit: int | None = None) -> list[OrderShipments]:
        """A connection's orders with shipment activity, fully loaded."""
        ...


def hold_package(
    verdict: PackageRecord, previous: PackageRecord | None, existing: OrderShipments, store: HoldWriter
) -> PackageRecord | None:
    """Records a validated package held (nothing sent); the same package held already is left as it is. None: a lost
    race with another writer of the order (read and validate again)."""
    if previous is not None and previous.state is PackageState.HELD and previous.content == verdict.content:
        return previous
    held = verdict.model_copy(update={"state": PackageState.HELD})
    try:
        store.record_package(held, existing)
    except ConcurrentShipmentError:
        return None
    return held


def held_packages(connection_id: str, store: HoldStore, now: datetime | None = None) -> list[PackageRecord]:
    """Every held package of a connection (reads each of its orders with shipment activity: a one-off per resume),
    and with `now`, every package left pending since STALE_PENDING before it."""
    return [
        stored.record
        for order in store.list_orders(connection_id)
        for stored in order.packages.values()
        if stored.record.state is PackageState.HELD or (now is not None and _stale_pending(stored.record, now))
    ]


def _stale_pending(record: PackageRecord, now: datetime) -> bool:
    return record.state is PackageState.PENDING and now - record.updated_at >= STALE_PENDING


@dataclass(frozen=True)
class Released:
    """What one release did: the packages it moved to pending and sent (as Amazon answered), and how many it left to
    another caller that moved them first."""

    sent: list[PackageRecord]
    skipped: int


def release_held(
    connection: Connection,
    store: HoldStore,
    send: Callable[[PackageRecord], PackageRecord],
    clock: Callable[[], datetime],
) -> Released:
    """Moves each held package of the connection to pending and sends it (`send`: confirm_package), and sends again
    each package a release that died left pending (see the module doc); a package another caller moved first is
    skipped, so each held package is sent once. A connection paused again releases nothing (its next resume does)."""
    sent: list[PackageRecord] = []
    skipped = 0
    if connection.pause_of(PAUSE_SHIPMENTS) is not None:
        return Released(sent, skipped)
    for record in held_packages(connection.connection_id, store, clock()):
        pending = record
        if record.state is PackageState.HELD:
            pending = record.model_copy(update={"state": PackageState.PENDING, "updated_at": clock()})
            if not store.transition(record, pending):
                skipped += 1
                continue
        sent.append(send(pending))
    return Released(sent, skipped)
