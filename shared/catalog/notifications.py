"""LISTINGS_ITEM_STATUS_CHANGE / _MFN_QUANTITY_CHANGE / _ISSUES_CHANGE: each one a trigger to re-read the SKU it names.

Amazon delivers these three only through an EventBridge destination (LISTINGS-SHIPMENTS-CANCELLATIONS.md A4): the
partner event bus's rule sends each whole event (`detail-type` the notification type, `detail` Amazon's envelope) to
the catalog notifications queue. None of them carries the whole listing (no price, handling days or family), their
delivery is late or missing at times and MFN_QUANTITY_CHANGE's quantity is one value for every marketplace, so a
notification is never applied as such: the SKUs it names are re-read exactly from the Listings Items API (`refresh`,
20 SKUs a call) and stored like the hourly delta's items. One SQS batch is grouped per (connection, marketplace), so
ten notifications about one seller's listings cost one read.

Parsing (shared/catalog/notification_models.py) follows Amazon's schemas and checks the ApplicationId.
MFN_QUANTITY_CHANGE has no MarketplaceId: its SKU is re-read in every marketplace of every connection of the
seller (a unified account's quantity is shared across them).

Outcomes per message: `refreshed` (its SKUs re-read and applied), `ignored` (the connection does not run the catalog
sync, or the marketplace is not one of the connection's), `deferred` (the connection is not ACTIVE, its settings
do not validate or its authorization is revoked: the hourly delta covers the change once it runs again), and
dead-lettered with a reason: malformed, another application's, a type we do not handle, no connection for the
seller. A read that fails (Amazon 5xx/429 after retries, out of time, AWS errors) fails the messages of its group:
they return to the queue, and on their last receive go to the DLQ with the error as the reason.
"""

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from aws_lambda_powertools import Logger

from shared.catalog import SYNC_TYPE
from shared.catalog.notification_models import (
    ListingNotice,
    UnprocessableListingNotificationError,
    parse_notification,
)
from shared.models.connection import Connection, ConnectionStatus, connection_id_for
from shared.models.settings import ConnectionSettings
from shared.repositories.errors import InvalidStoredItemError, NoRefreshTokenError
from shared.spapi.errors import AuthorizationRevokedError
from shared.spapi.marketplaces import Region, UnknownMarketplaceError, marketplace_by_id
from shared.sync.queue import MAX_RECEIVE_COUNT


class ConnectionsReader(Protocol):
    """The ConnectionsRepository's reads used here."""

    def get_connection(self, connection_id: str) -> Connection | None:
        """The connection, or None."""
        ...

    def get_settings(self, connection_id: str) -> ConnectionSettings:
        """Its settings; raises InvalidStoredSettingsError."""
        ...


# Re-reads these SKUs of one connection in one marketplace and stores them; answers the counts (added, changed, ...).
Refresh = Callable[[Connection, str, Sequence[str]], Mapping[str, int]]


@dataclass(frozen=True)
class Message:
    """One SQS message: its id, body and how many times it was received."""

    message_id: str
    body: str
    receive_count: int = 1


@dataclass(frozen=True)
class NotificationDeps:
    """The connections, the re-read, our ApplicationId, the DLQ (body and reason) and the logger."""

    connections: ConnectionsReader
    refresh: Refresh
    application_id: str
    dead_letter: Callable[[Message, str], None]
    logger: Logger


@dataclass
class BatchOutcome:
    """What one batch did: the ids of the messages to retry, each message's outcome, the refreshes' summed counts."""

    failed: list[str] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    def tally(self) -> Counter[str]:
        """How many messages ended in each outcome."""
        return Counter(self.outcomes.values())


@dataclass
class _Group:
    connection: Connection
    skus: dict[str, None] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)


def handle_batch(messages: Sequence[Message], deps: NotificationDeps) -> BatchOutcome:
    """Parses every message, re-reads the named SKUs per (connection, marketplace) and says which messages to retry
    (see the module doc)."""
    outcome = BatchOutcome()
    groups: dict[tuple[str, str], _Group] = {}
    targets = _Targets(deps)
    for message in messages:
        try:
            notice = parse_notification(message.body, deps.application_id)
            found = targets.of(notice)
        except UnprocessableListingNotificationError as exc:
            _dead_letter(message, str(exc), deps, outcome)
            continue
        if isinstance(found, str):
            outcome.outcomes[message.message_id] = found
            continue
        for connection, marketplace_id in found:
            key = (connection.connection_id, marketplace_id)
            group = groups.setdefault(key, _Group(connection))
            group.skus[notice.sku] = None
            group.messages.append(message)
        outcome.outcomes[message.message_id] = "refreshed"
    for (_, marketplace_id), group in groups.items():
        _refresh(group, marketplace_id, deps, outcome)
    outcome.failed = list(dict.fromkeys(outcome.failed))
    return outcome


def _refresh(group: _Group, marketplace_id: str, deps: NotificationDeps, outcome: BatchOutcome) -> None:
    try:
        outcome.counts.update(deps.refresh(group.connection, marketplace_id, list(group.skus)))
    except (AuthorizationRevokedError, NoRefreshTokenError) as exc:
        deps.logger.warning(
            "authorization revoked: the catalog sync covers these changes after re-authorization",
            extra={"connection_id": group.connection.connection_id, "error": str(exc)},
        )
        for message in group.messages:
            outcome.outcomes[message.message_id] = "deferred"
    except Exception as exc:  # retried; dead-lettered with its reason on its last receive
        reason = f"{type(exc).__name__}: {exc}"
        deps.logger.warning(
            "listings re-read failed",
            extra={"connection_id": group.connection.connection_id, "marketplace_id": marketplace_id, "error": reason},
        )
        for message in group.messages:
            if outcome.outcomes.get(message.message_id) == "dead_lettered":
                continue  # its other group failed on this last receive too: one DLQ copy
            if message.receive_count >= MAX_RECEIVE_COUNT:
                _dead_letter(message, f"{reason} (receive {message.receive_count})", deps, outcome)
            else:
                outcome.failed.append(message.message_id)
                outcome.outcomes[message.message_id] = "retried"


def _dead_letter(message: Message, reason: str, deps: NotificationDeps, outcome: BatchOutcome) -> None:
    deps.dead_letter(message, reason)
    outcome.outcomes[message.message_id] = "dead_lettered"
    deps.logger.error(
        "listings notification sent to the DLQ", extra={"reason": reason, "message_id": message.message_id}
    )


class _Targets:
    """Where a notice's SKU is re-read: (connection, marketplace) pairs, or an outcome that needs no read. Connections
    are looked up once per seller and region per batch."""

    def __init__(self, deps: NotificationDeps) -> None:
        self._deps = deps
        self._connections: dict[str, Connection | None] = {}
        self._problems: dict[str, str | None] = {}

    def of(self, notice: ListingNotice) -> list[tuple[Connection, str]] | str:
        """The pairs to read, or `ignored` / `deferred`; raises UnprocessableListingNotificationError for a seller we
        have no connection for."""
        if notice.marketplace_id is None:
            connections = [c for r in Region if (c := self._connection(connection_id_for(notice.seller_id, r)))]
        else:
            connections = [c for c in [self._connection(self._connection_id(notice))] if c is not None]
        if not connections:
            raise UnprocessableListingNotificationError(f"no connection for seller {notice.seller_id}")
        pairs: list[tuple[Connection, str]] = []
        problems = []
        for connection in connections:
            problem = self._problem(connection)
            if problem is not None:
                problems.append(problem)
                continue
            wanted = [notice.marketplace_id] if notice.marketplace_id else list(connection.marketplace_ids)
            pairs += [(connection, m) for m in wanted if m in connection.marketplace_ids]
        if pairs:
            return pairs
        return "deferred" if "deferred" in problems else "ignored"

    def _connection_id(self, notice: ListingNotice) -> str:
        assert notice.marketplace_id is not None
        try:
            region = marketplace_by_id(notice.marketplace_id).region
        except UnknownMarketplaceError:
            raise UnprocessableListingNotificationError(f"unknown marketplace {notice.marketplace_id}") from None
        return connection_id_for(notice.seller_id, region)

    def _connection(self, connection_id: str) -> Connection | None:
        if connection_id not in self._connections:
            self._connections[connection_id] = self._deps.connections.get_connection(connection_id)
        return self._connections[connection_id]

    def _problem(self, connection: Connection) -> str | None:
        """None when the connection's catalog is to be re-read; else why not (`deferred` or `ignored`)."""
        cid = connection.connection_id
        if cid not in self._problems:
            self._problems[cid] = self._check(connection)
        return self._problems[cid]

    def _check(self, connection: Connection) -> str | None:
        if connection.status is not ConnectionStatus.ACTIVE:
            return "deferred"
        try:
            settings = self._deps.connections.get_settings(connection.connection_id)
        except InvalidStoredItemError as exc:
            self._deps.logger.warning(
                "settings invalid: the catalog sync covers these changes once fixed", extra={"error": str(exc)}
            )
            return "deferred"
        return None if SYNC_TYPE in settings.enabled_syncs else "ignored"
