"""Holding packages while a connection's shipments are paused, and releasing them once it is resumed.

A pause (`sellersync connections pause ID [--sync shipments]`) must keep work, not drop it: a valid package that
arrives while paused is validated and recorded like any other, in state held, and confirmShipment is not called. The
resume queues one `HeldRelease` for the connection (cli/pausing.py); its handler moves each held package to pending
with a conditional transition and sends it: only the caller whose transition wins sends, so a resume run twice, a
redelivered release or the package's own redelivered request racing it sends each package once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.models.connection import PAUSE_SHIPMENTS, Connection
from shared.models.shipments import PackageRecord, PackageState
from shared.repositories.shipments import ConcurrentShipmentError, OrderShipments


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


def held_packages(connection_id: str, store: HoldStore) -> list[PackageRecord]:
    """Every held package of a connection (reads each of its orders with shipment activity: a one-off per resume)."""
    return [
        stored.record
        for order in store.list_orders(connection_id)
        for stored in order.packages.values()
        if stored.record.state is PackageState.HELD
    ]


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
    """Moves each held package of the connection to pending and sends it (`send`: confirm_package); a package another
    caller moved first is skipped, so each held package is sent once. A connection paused again releases nothing
    (its next resume does)."""
    sent: list[PackageRecord] = []
    skipped = 0
    if connection.pause_of(PAUSE_SHIPMENTS) is not None:
        return Released(sent, skipped)
    for record in held_packages(connection.connection_id, store):
        pending = record.model_copy(update={"state": PackageState.PENDING, "updated_at": clock()})
        if not store.transition(record, pending):
            skipped += 1
            continue
        sent.append(send(pending))
    return Released(sent, skipped)
