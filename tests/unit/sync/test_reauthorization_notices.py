"""Re-authorization notices: the thresholds, each sent once (conditional claim on moto's in-process DynamoDB),
skipped thresholds collapsed into the nearest, a failed publish retried, a re-authorization restarting the
countdown, and the event's connect link being a real `--reauthorize` invite."""

import json
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from pydantic import SecretStr

from shared.models.connection import Connection
from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncJob
from shared.oauth.invites import verify_invite
from shared.repositories.items import to_item
from shared.repositories.oauth_states import OAuthStatesRepository
from shared.repositories.reauthorization_notices import ReauthorizationNotices
from shared.runtime.reauthorization import LINK_LIFETIME, link_maker
from shared.sync.authorization import check_authorization
from shared.sync.dependencies import JobContext
from shared.sync.reauthorization import (
    DETAIL_TYPE,
    SOURCE,
    Announcer,
    ConnectLink,
    announce_reauthorization,
    threshold_due,
)
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws
from tests.unit.sync.fakes import T0, FakeConnections, FakeMetrics, connection

KEY = b"k" * 32
BUS = "bus"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with in_process_aws():
        yield boto3.client("dynamodb", region_name="eu-west-1")


def store(dynamodb: Any, table: str, conn: Connection) -> None:
    """The connection's META item as the connections repository lays it out (its fields in their JSON form)."""
    fields = conn.model_dump(mode="json", exclude_none=True)
    dynamodb.put_item(TableName=table, Item=to_item({"pk": f"CONN#{conn.connection_id}", "sk": "META"} | fields))


class Bus:
    def __init__(self, fail: int = 0) -> None:
        self.entries: list[dict[str, Any]] = []
        self.fail = fail

    def publish(self, entries: Sequence[dict[str, Any]]) -> None:
        if self.fail:
            self.fail -= 1
            raise RuntimeError("PutEvents failed")
        self.entries.extend(entries)

    def details(self) -> list[dict[str, Any]]:
        return [json.loads(e["Detail"]) for e in self.entries]


def fake_link(conn: Connection) -> ConnectLink:
    return ConnectLink(url=f"https://api/connect?invite={conn.connection_id}", invite_id="i1", expires_at=T0)


def announcer(dynamodb: Any, table: str, bus: Bus) -> Announcer:
    return Announcer(ReauthorizationNotices(table, dynamodb), fake_link, bus.publish, BUS)


def at_days_left(conn: Connection, days: int) -> datetime:
    """The moment the connection has exactly `days` whole days left (plus an hour)."""
    return conn.reauthorize_by - timedelta(days=days, hours=1)


@pytest.mark.parametrize(
    ("days", "due"),
    [(365, None), (31, None), (30, 30), (29, 30), (15, 30), (14, 14), (8, 14), (7, 7), (2, 7), (1, 1), (0, 1), (-5, 1)],
)
def test_the_nearest_threshold_crossed(days: int, due: int | None) -> None:
    assert threshold_due(days) == due


def test_each_threshold_is_announced_once_as_the_days_go_by(dynamodb: Any) -> None:
    table, bus, conn = create_table(dynamodb, "connections"), Bus(), connection("A1")
    store(dynamodb, table, conn)
    announce = announcer(dynamodb, table, bus)

    sent = [announce(conn, at_days_left(conn, days)) for days in range(40, -2, -1)]

    assert [t for t in sent if t is not None] == [30, 14, 7, 1]
    assert [d["threshold_days"] for d in bus.details()] == [30, 14, 7, 1]
    assert ReauthorizationNotices(table, dynamodb).last_announced(conn.connection_id, conn.authorized_at) == 1


def test_a_connection_first_seen_past_thresholds_gets_the_nearest_only(dynamodb: Any) -> None:
    table, bus, conn = create_table(dynamodb, "connections"), Bus(), connection("A1")
    store(dynamodb, table, conn)
    announce = announcer(dynamodb, table, bus)

    assert announce(conn, at_days_left(conn, 10)) == 14
    assert announce(conn, at_days_left(conn, 9)) is None
    assert announce(conn, at_days_left(conn, 3)) == 7
    assert [d["threshold_days"] for d in bus.details()] == [14, 7]


def test_a_rerun_or_redelivery_the_same_day_sends_nothing(dynamodb: Any) -> None:
    table, bus, conn = create_table(dynamodb, "connections"), Bus(), connection("A1")
    store(dynamodb, table, conn)
    now = at_days_left(conn, 14)

    first = announcer(dynamodb, table, bus)(conn, now)
    # A second worker (a redelivered job, another container) with its own ledger object.
    again = [announcer(dynamodb, table, bus)(conn, now) for _ in range(3)]

    assert first == 14 and again == [None, None, None]
    assert len(bus.entries) == 1


def test_a_failed_publish_releases_the_claim_and_the_retry_sends_the_same_event(dynamodb: Any) -> None:
    table, bus, conn = create_table(dynamodb, "connections"), Bus(fail=1), connection("A1")
    store(dynamodb, table, conn)
    announce = announcer(dynamodb, table, bus)

    with pytest.raises(RuntimeError):
        announce(conn, at_days_left(conn, 7))
    assert announce(conn, at_days_left(conn, 7)) == 7
    assert announce(conn, at_days_left(conn, 7)) is None
    [event] = bus.details()
    assert event["event_id"] == f"{conn.connection_id}:{conn.authorized_at.isoformat()}:7"


def test_a_reauthorization_restarts_the_countdown(dynamodb: Any) -> None:
    table, bus, old = create_table(dynamodb, "connections"), Bus(), connection("A1")
    store(dynamodb, table, old)
    announce = announcer(dynamodb, table, bus)
    assert announce(old, at_days_left(old, 1)) == 1

    renewed = old.model_copy(update={"authorized_at": at_days_left(old, 1)})
    store(dynamodb, table, renewed)

    # A job still holding the old authorization claims nothing: the item counts from the new one.
    assert announce(old, at_days_left(old, 0)) is None
    assert announce(renewed, at_days_left(renewed, 30)) == 30
    assert [d["authorized_at"] for d in bus.details()] == [
        old.authorized_at.isoformat(),
        renewed.authorized_at.isoformat(),
    ]


def test_the_event_is_versioned_carries_the_link_and_no_secret(dynamodb: Any) -> None:
    table, bus, conn = create_table(dynamodb, "connections"), Bus(), connection("A1")
    store(dynamodb, table, conn)
    announcer(dynamodb, table, bus)(conn, at_days_left(conn, 29))

    [entry] = bus.entries
    detail = json.loads(entry["Detail"])
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (SOURCE, DETAIL_TYPE, BUS)
    assert detail["schema_version"] == 1
    assert detail["connection_id"] == conn.connection_id and detail["days_until_reauthorization"] == 29
    assert detail["reauthorize_by"] == conn.reauthorize_by.isoformat()
    assert detail["connect_link"]["url"] == f"https://api/connect?invite={conn.connection_id}"
    assert detail["command"] == f"sellersync connect-link --reauthorize {conn.connection_id}"
    assert "token" not in entry["Detail"].lower() and "secret" not in entry["Detail"].lower()


def test_the_link_is_a_reauthorize_invite_recorded_and_valid_for_30_days(dynamodb: Any) -> None:
    states_table = create_table(dynamodb, "oauth-states", ttl="expires_at")
    states = OAuthStatesRepository(states_table, dynamodb, clock=lambda: T0)
    conn = connection("A1")

    link = link_maker(states, lambda: KEY, "https://api.example/", clock=lambda: T0)(conn)

    token = parse_qs(urlparse(link.url).query)["invite"][0]
    invite = verify_invite(token, KEY, T0 + LINK_LIFETIME - timedelta(seconds=1))
    assert link.url.startswith("https://api.example/connect?invite=")
    assert invite.connection_id == conn.connection_id and invite.region is conn.region
    assert link.expires_at == invite.expires_at == T0 + timedelta(days=30)
    states.check_invite(invite.invite_id)  # recorded and unused: raises otherwise


def test_the_sync_counts_the_notice_it_sent_and_only_after_a_good_refresh() -> None:
    connections, metrics = FakeConnections(), FakeMetrics()
    conn = connection("A1", authorized_at=T0 - timedelta(days=352))
    connections.add(conn)
    context = JobContext(
        SyncJob(sync_type="authorization", connection_id=conn.connection_id, requested_at=T0),
        conn,
        ConnectionSettings(),
    )
    calls: list[tuple[str, datetime]] = []

    def announce(c: Connection, now: datetime) -> int | None:
        calls.append((c.connection_id, now))
        return 14

    def refresh(token: SecretStr) -> None:
        return None

    counts = check_authorization(
        context, tokens=connections, refresh=refresh, metrics=metrics, clock=lambda: T0, announce=announce
    )

    assert counts == {"days_until_reauthorization": 13, "reauthorization_notice_days": 14}
    assert calls == [(conn.connection_id, T0)]


def test_announce_alone_returns_none_above_thirty_days_without_claiming(dynamodb: Any) -> None:
    table, bus, conn = create_table(dynamodb, "connections"), Bus(), connection("A1")
    store(dynamodb, table, conn)
    ledger = ReauthorizationNotices(table, dynamodb)

    sent = announce_reauthorization(
        conn, at_days_left(conn, 31), ledger=ledger, make_link=fake_link, publish=bus.publish, bus_name=BUS
    )

    assert sent is None and bus.entries == []
    assert ledger.last_announced(conn.connection_id, conn.authorized_at) is None


def test_a_run_that_dies_after_its_claim_leaves_it_pending_and_a_later_run_sends_it(dynamodb: Any) -> None:
    table, bus, conn = create_table(dynamodb, "connections"), Bus(), connection("A1")
    store(dynamodb, table, conn)
    ledger = ReauthorizationNotices(table, dynamodb)
    now = at_days_left(conn, 14)
    assert ledger.claim(conn.connection_id, conn.authorized_at, 14, now)  # the run dies here: nothing sent

    announce = announcer(dynamodb, table, bus)
    # A redelivery soon after: the claiming run may still be sending.
    assert announce(conn, now + timedelta(minutes=10)) is None
    assert ledger.last_announced(conn.connection_id, conn.authorized_at) is None  # pending is not announced
    assert announce(conn, now + timedelta(hours=1)) == 14  # the next hourly run
    assert announce(conn, now + timedelta(hours=2)) is None
    assert [d["threshold_days"] for d in bus.details()] == [14]
    assert ledger.last_announced(conn.connection_id, conn.authorized_at) == 14


class DiesBeforeConfirming(ReauthorizationNotices):
    def confirm(self, connection_id: str, authorized_at: datetime, threshold: int) -> None:
        raise RuntimeError("the Lambda timed out")


def test_a_run_that_dies_after_sending_sends_the_same_event_again_once(dynamodb: Any) -> None:
    table, bus, conn = create_table(dynamodb, "connections"), Bus(), connection("A1")
    store(dynamodb, table, conn)
    now = at_days_left(conn, 7)
    dying = Announcer(DiesBeforeConfirming(table, dynamodb), fake_link, bus.publish, BUS)
    with pytest.raises(RuntimeError):
        dying(conn, now)

    announce = announcer(dynamodb, table, bus)
    assert announce(conn, now + timedelta(minutes=5)) is None
    assert announce(conn, now + timedelta(hours=1)) == 7
    assert announce(conn, now + timedelta(hours=2)) is None
    first, second = bus.details()
    assert first["event_id"] == second["event_id"]  # at least once, de-duplicable by its id


def test_a_notice_claimed_by_the_previous_release_counts_as_sent(dynamodb: Any) -> None:
    table, bus, conn = create_table(dynamodb, "connections"), Bus(), connection("A1")
    store(dynamodb, table, conn)
    # The previous release's claim: the threshold and the authorization it counts from, no pending mark.
    dynamodb.update_item(
        TableName=table,
        Key={"pk": {"S": f"CONN#{conn.connection_id}"}, "sk": {"S": "META"}},
        UpdateExpression="SET reauthorization_notice_for = authorized_at, reauthorization_notice_days = :d",
        ExpressionAttributeValues={":d": {"N": "14"}},
    )

    assert announcer(dynamodb, table, bus)(conn, at_days_left(conn, 13) + timedelta(days=1)) is None
    assert ReauthorizationNotices(table, dynamodb).last_announced(conn.connection_id, conn.authorized_at) == 14
    assert bus.entries == []
