"""The listings notifications consumer on fakes, starting from Amazon's own examples of the three types: parsing
(both spellings of the status type, the EventBridge event or a bare envelope), grouping one batch's SKUs per
(connection, marketplace), and the reasons messages are dead-lettered with."""

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from shared.catalog import SYNC_TYPE as CATALOG
from shared.catalog.notification_models import (
    ISSUES_CHANGE,
    MFN_QUANTITY_CHANGE,
    STATUS_CHANGE,
    STATUS_CHANGED,
    UnprocessableListingNotificationError,
    parse_notification,
)
from shared.catalog.notifications import BatchOutcome, Message, NotificationDeps, handle_batch
from shared.models.connection import Connection, ConnectionStatus
from shared.models.settings import ConnectionSettings
from shared.spapi.errors import AuthorizationRevokedError, ServerError
from shared.spapi.marketplaces import Region
from shared.sync.queue import MAX_RECEIVE_COUNT
from tests.unit.sync.fakes import FakeConnections, invalid_settings_error

SCHEMAS = Path(__file__).parents[3] / "local/sandbox/models/schemas/notifications"
APP = "amzn1.sellerapps.app.f108f511-eeac-46a6-b125-bcb752069ed0"  # the examples' ApplicationId
SELLER = "A3AYAZLIQ7AX77"
UK, DE, US = "A1F83G8C2ARO7P", "A1PA6795UKMFR9", "ATVPDKIKX0DER"
EXAMPLES = {
    STATUS_CHANGE: "ListingsItemStatusChangeNotification.json",
    ISSUES_CHANGE: "ListingsItemIssuesChangeNotification_2023-12-13.json",
    MFN_QUANTITY_CHANGE: "ListingsItemMfnQuantityChange.json",
}


def envelope(kind: str, sku: str = "SKU-1", marketplace: str | None = UK, seller: str = SELLER, **payload: Any) -> dict:
    """Amazon's example of the type for our seller, SKU and marketplace; `payload` replaces fields (None removes)."""
    body = copy.deepcopy(json.loads((SCHEMAS / EXAMPLES[kind]).read_text())["examples"][0])
    body["Payload"].update(SellerId=seller, Sku=sku)
    if marketplace is not None and kind != MFN_QUANTITY_CHANGE:
        body["Payload"]["MarketplaceId"] = marketplace
    for key, value in payload.items():
        if value is None:
            body["Payload"].pop(key, None)
        else:
            body["Payload"][key] = value
    return body


def event(detail: dict[str, Any]) -> str:
    """The EventBridge event the partner bus's rule sends whole to the queue."""
    return json.dumps(
        {
            "version": "0",
            "id": "b6d1a1c2-0000-4000-8000-000000000001",
            "detail-type": detail["NotificationType"],
            "source": f"aws.partner/sellingpartnerapi.amazon/123456789012/{APP}",
            "account": "123456789012",
            "time": "2026-12-07T10:00:00Z",
            "region": "eu-west-1",
            "resources": [],
            "detail": detail,
        }
    )


def connection(region: Region = Region.EU, marketplaces: tuple[str, ...] = (UK, DE), **fields: Any) -> Connection:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    values: dict[str, Any] = {
        "selling_partner_id": SELLER,
        "region": region,
        "name": "shop",
        "marketplace_ids": marketplaces,
        "status": ConnectionStatus.ACTIVE,
        "authorized_at": at,
        "created_at": at,
        "updated_at": at,
    }
    return Connection(**(values | fields))


ENABLED = ConnectionSettings(enabled_syncs=frozenset({CATALOG}))


@dataclass
class Consumer:
    """NotificationDeps on fakes: the refreshes asked for, the DLQ's messages; `error` raised by every refresh."""

    connections: FakeConnections = field(default_factory=FakeConnections)
    refreshes: list[tuple[str, str, list[str]]] = field(default_factory=list)
    dead: list[tuple[str, str]] = field(default_factory=list)
    error: Exception | None = None

    def refresh(self, conn: Connection, marketplace_id: str, skus: Sequence[str]) -> Mapping[str, int]:
        self.refreshes.append((conn.connection_id, marketplace_id, list(skus)))
        if self.error is not None:
            raise self.error
        return {"changed": len(skus)}

    def dead_letter(self, message: Message, reason: str) -> None:
        self.dead.append((message.message_id, reason))

    def run(self, *bodies: str, receive_count: int = 1) -> BatchOutcome:
        messages = [Message(f"m{i}", body, receive_count) for i, body in enumerate(bodies)]
        deps = NotificationDeps(self.connections, self.refresh, APP, self.dead_letter, Logger(service="catalog-tests"))
        return handle_batch(messages, deps)


@pytest.fixture
def consumer() -> Consumer:
    found = Consumer()
    found.connections.add(connection(), ENABLED)
    return found


@pytest.mark.parametrize("kind", [STATUS_CHANGE, STATUS_CHANGED, ISSUES_CHANGE])
def test_status_and_issues_notices_name_the_sku_and_marketplace(kind: str) -> None:
    body = envelope(STATUS_CHANGE if kind == STATUS_CHANGED else kind, "SHIRT-RED", DE)
    body["NotificationType"] = kind
    notice = parse_notification(event(body), APP)
    # Both spellings of the status type are one type, in the subscription's spelling.
    assert notice.notification_type == (STATUS_CHANGE if kind == STATUS_CHANGED else kind)
    assert (notice.seller_id, notice.sku, notice.marketplace_id) == (SELLER, "SHIRT-RED", DE)
    assert notice.notification_id == body["NotificationMetadata"]["NotificationId"]


def test_a_quantity_notice_has_no_marketplace_and_a_bare_envelope_parses_too() -> None:
    notice = parse_notification(json.dumps(envelope(MFN_QUANTITY_CHANGE, "MUG")), APP)
    assert (notice.notification_type, notice.sku, notice.marketplace_id) == (MFN_QUANTITY_CHANGE, "MUG", None)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "not JSON"),
        (event(envelope(STATUS_CHANGE, Status=None)), "LISTINGS_ITEM_STATUS_CHANGE payload: Status missing"),
        (event(envelope(ISSUES_CHANGE, Severities=None)), "payload: Severities missing"),
        (event(envelope(MFN_QUANTITY_CHANGE, Quantity=None)), "payload: Quantity missing"),
        (event(envelope(STATUS_CHANGE, MarketplaceId=None)), "MarketplaceId missing"),
        (event(envelope(STATUS_CHANGE, Sku="")), "malformed listings notification: Payload.Sku"),
        (event({**envelope(STATUS_CHANGE), "NotificationType": "ANY_OFFER_CHANGED"}), "unsupported notification type"),
    ],
)
def test_malformed_notifications_are_refused_with_their_reason(body: str, reason: str) -> None:
    with pytest.raises(UnprocessableListingNotificationError, match=reason):
        parse_notification(body, APP)


def test_only_our_applications_notifications_are_accepted() -> None:
    other = envelope(STATUS_CHANGE)
    other["NotificationMetadata"]["ApplicationId"] = "amzn1.sellerapps.app.someone-else"
    with pytest.raises(UnprocessableListingNotificationError, match="another application"):
        parse_notification(event(other), APP)
    anonymous = envelope(STATUS_CHANGE)
    del anonymous["NotificationMetadata"]["ApplicationId"]
    with pytest.raises(UnprocessableListingNotificationError, match="names no ApplicationId"):
        parse_notification(event(anonymous), APP)


def test_one_batch_is_read_once_per_connection_and_marketplace(consumer: Consumer) -> None:
    bodies = [event(envelope(STATUS_CHANGE, f"SKU-{i}", UK if i % 2 else DE)) for i in range(30)]
    bodies.append(event(envelope(ISSUES_CHANGE, "SKU-1", UK)))  # a SKU named twice is read once
    outcome = consumer.run(*bodies)
    assert outcome.failed == [] and consumer.dead == []
    by_marketplace = {marketplace: skus for _, marketplace, skus in consumer.refreshes}
    assert len(consumer.refreshes) == 2
    assert by_marketplace[UK] == [f"SKU-{i}" for i in range(1, 30, 2)]
    assert by_marketplace[DE] == [f"SKU-{i}" for i in range(0, 30, 2)]
    assert outcome.tally() == {"refreshed": 31} and outcome.counts == {"changed": 30}


def test_a_quantity_change_is_read_in_every_marketplace_of_every_connection_of_the_seller(consumer: Consumer) -> None:
    consumer.connections.add(connection(Region.NA, (US,)), ENABLED)
    outcome = consumer.run(event(envelope(MFN_QUANTITY_CHANGE, "MUG")))
    assert consumer.refreshes == [
        (f"na-{SELLER.lower()}", US, ["MUG"]),
        (f"eu-{SELLER.lower()}", UK, ["MUG"]),
        (f"eu-{SELLER.lower()}", DE, ["MUG"]),
    ]
    assert outcome.tally() == {"refreshed": 1}


def test_unknown_sellers_and_marketplaces_go_to_the_dlq_with_the_reason(consumer: Consumer) -> None:
    outcome = consumer.run(
        event(envelope(STATUS_CHANGE, seller="A0STRANGER")),
        event(envelope(MFN_QUANTITY_CHANGE, seller="A0STRANGER")),
        event(envelope(STATUS_CHANGE, marketplace="XNOTAMARKET")),
        event(envelope(STATUS_CHANGE, "GOOD")),
    )
    assert consumer.dead == [
        ("m0", "no connection for seller A0STRANGER"),
        ("m1", "no connection for seller A0STRANGER"),
        ("m2", "unknown marketplace XNOTAMARKET"),
    ]
    assert consumer.refreshes == [(f"eu-{SELLER.lower()}", UK, ["GOOD"])]
    assert outcome.failed == [] and outcome.tally() == {"dead_lettered": 3, "refreshed": 1}


def test_a_malformed_message_in_a_batch_is_dead_lettered_alone(consumer: Consumer) -> None:
    outcome = consumer.run("{}", event(envelope(STATUS_CHANGE, "A")))
    assert [m for m, _ in consumer.dead] == ["m0"] and "malformed listings notification" in consumer.dead[0][1]
    assert consumer.refreshes == [(f"eu-{SELLER.lower()}", UK, ["A"])] and outcome.failed == []


@pytest.mark.parametrize(
    ("conn", "settings", "expected"),
    [
        (connection(status=ConnectionStatus.NEEDS_REAUTHORIZATION), ENABLED, "deferred"),
        (connection(), ConnectionSettings(enabled_syncs=frozenset({"orders"})), "ignored"),
        (connection(marketplaces=(DE,)), ENABLED, "ignored"),  # a marketplace the connection does not sync
        (connection(), None, "deferred"),  # settings that no longer validate
    ],
)
def test_connections_that_do_not_take_the_change_are_not_read(
    conn: Connection, settings: ConnectionSettings | None, expected: str
) -> None:
    consumer = Consumer()
    consumer.connections.add(conn, settings if settings is not None else invalid_settings_error(conn.connection_id))
    outcome = consumer.run(event(envelope(STATUS_CHANGE, "A", UK)))
    assert consumer.refreshes == [] and consumer.dead == [] and outcome.failed == []
    assert outcome.tally() == {expected: 1}


def test_a_failed_read_retries_its_group_and_dead_letters_it_on_the_last_receive(consumer: Consumer) -> None:
    consumer.error = ServerError(503, "QuotaExceeded", "try later", "req-1")
    first = consumer.run(event(envelope(STATUS_CHANGE, "A")), event(envelope(ISSUES_CHANGE, "B")))
    assert first.failed == ["m0", "m1"] and consumer.dead == []
    last = consumer.run(event(envelope(STATUS_CHANGE, "A")), receive_count=MAX_RECEIVE_COUNT)
    assert last.failed == [] and consumer.dead[0][0] == "m0"
    assert consumer.dead[0][1].startswith("ServerError:") and consumer.dead[0][1].endswith(
        f"(receive {MAX_RECEIVE_COUNT})"
    )


def test_a_revoked_authorization_defers_the_change(consumer: Consumer) -> None:
    consumer.error = AuthorizationRevokedError("revoked", 400, "invalid_grant")
    outcome = consumer.run(event(envelope(STATUS_CHANGE, "A")))
    assert outcome.failed == [] and consumer.dead == [] and outcome.tally() == {"deferred": 1}
