"""Re-authorization notices: a `ConnectionReauthorizationDue` event when a connection crosses 30, 14, 7 and 1 days.

A seller's authorization lapses 365 days after consent (REFERENCE.md 2.5) and Amazon says nothing before; the
`authorization` sync counts the days on every run and, through `announce_reauthorization`, tells the administrator
once per threshold, with a fresh connect link to forward to the seller (what `sellersync connect-link --reauthorize
ID` prints). A connection first seen past several thresholds gets the nearest one only (e.g. 10 days left: 14).

Once each: the threshold is claimed on the connection item with a conditional write (NoticeLedger) before anything
is sent, so re-runs the same day and redelivered jobs find it claimed and send nothing; the claim is confirmed once
the event is sent. A failed publish releases the claim and raises, so the job's retry sends it. A run that dies
between the claim and the confirmation (Lambda's timeout, a crash) leaves the claim pending: a run after the ledger's
pending timeout (30 minutes: the next hourly run) claims it again and sends it, so a notice is never lost, and may
be sent twice in that case only. The event id is stable (connection, authorization date, threshold), so a consumer
can de-duplicate. A re-authorization changes `authorized_at` and starts the countdown afresh.

Source `sellersync.connections`, detail type `ConnectionReauthorizationDue`, detail schema version 1 (docs/oauth.md
"Re-authorization countdown"). No secret: the link is a signed single-use invite that renews only this connection.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from shared.models.connection import Connection

SOURCE = "sellersync.connections"
DETAIL_TYPE = "ConnectionReauthorizationDue"
SCHEMA_VERSION = 1
# Days before `reauthorize_by` at which the administrator is told, farthest first.
THRESHOLDS = (30, 14, 7, 1)


@dataclass(frozen=True)
class ConnectLink:
    """A re-authorization link made for the event (shared/oauth/links.py `create_connect_link`)."""

    url: str
    invite_id: str
    expires_at: datetime


class NoticeLedger(Protocol):
    """Which threshold was last announced for a connection's current authorization (ReauthorizationNotices)."""

    def claim(self, connection_id: str, authorized_at: datetime, threshold: int, now: datetime) -> bool:
        """Records `threshold` as claimed at `now`; False if it or a nearer one was already announced, its claim is
        pending and recent, or the authorization changed."""
        ...

    def confirm(self, connection_id: str, authorized_at: datetime, threshold: int) -> None:
        """Marks this claim's notice sent (only if still this one)."""
        ...

    def release(self, connection_id: str, authorized_at: datetime, threshold: int) -> None:
        """Undoes this claim (only if still this one), so the next run announces again."""
        ...


def threshold_due(days: int) -> int | None:
    """The nearest threshold a connection with `days` left has crossed (None: more than 30 days left)."""
    crossed = [threshold for threshold in THRESHOLDS if days <= threshold]
    return min(crossed) if crossed else None


def event_id(connection: Connection, threshold: int) -> str:
    """Stable id: the same connection, authorization and threshold always give the same id."""
    return f"{connection.connection_id}:{connection.authorized_at.isoformat()}:{threshold}"


def detail(connection: Connection, threshold: int, days: int, link: ConnectLink) -> dict[str, Any]:
    """The event's detail (schema version 1)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "event_id": event_id(connection, threshold),
        "connection_id": connection.connection_id,
        "selling_partner_id": connection.selling_partner_id,
        "region": connection.region.value,
        "name": connection.name,
        "marketplace_ids": list(connection.marketplace_ids),
        "threshold_days": threshold,
        "days_until_reauthorization": days,
        "authorized_at": connection.authorized_at.isoformat(),
        "reauthorize_by": connection.reauthorize_by.isoformat(),
        "connect_link": {"url": link.url, "invite_id": link.invite_id, "expires_at": link.expires_at.isoformat()},
        "command": f"sellersync connect-link --reauthorize {connection.connection_id}",
    }


def entry(connection: Connection, threshold: int, days: int, link: ConnectLink, bus_name: str) -> dict[str, Any]:
    """The PutEvents entry."""
    return {
        "Source": SOURCE,
        "DetailType": DETAIL_TYPE,
        "Detail": json.dumps(detail(connection, threshold, days, link)),
        "EventBusName": bus_name,
    }


@dataclass(frozen=True)
class Announcer:
    """Sends a connection's due notice: `announce(connection, now)` returns the threshold sent, or None."""

    ledger: NoticeLedger
    make_link: Callable[[Connection], ConnectLink]
    publish: Callable[[Sequence[dict[str, Any]]], None]
    bus_name: str

    def __call__(self, connection: Connection, now: datetime) -> int | None:
        return announce_reauthorization(
            connection, now, ledger=self.ledger, make_link=self.make_link, publish=self.publish, bus_name=self.bus_name
        )


def announce_reauthorization(
    connection: Connection,
    now: datetime,
    *,
    ledger: NoticeLedger,
    make_link: Callable[[Connection], ConnectLink],
    publish: Callable[[Sequence[dict[str, Any]]], None],
    bus_name: str,
) -> int | None:
    """Publishes the notice of the threshold the connection has crossed, once; returns it (None: nothing sent).

    Raises whatever making the link or publishing raises, after releasing the claim (the job is retried).
    """
    days = connection.days_until_reauthorization(now)
    threshold = threshold_due(days)
    cid, authorized_at = connection.connection_id, connection.authorized_at
    if threshold is None or not ledger.claim(cid, authorized_at, threshold, now):
        return None
    try:
        publish([entry(connection, threshold, days, make_link(connection), bus_name)])
    except Exception:
        ledger.release(cid, authorized_at, threshold)
        raise
    ledger.confirm(cid, authorized_at, threshold)
    return threshold
