"""The authorization sync's logic: refresh with the stored token, count the days left, report the gauge."""

from datetime import timedelta

import pytest
from pydantic import SecretStr

from shared.models.connection import ConnectionStatus
from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncJob
from shared.repositories.errors import NoRefreshTokenError
from shared.spapi.errors import AuthorizationRevokedError
from shared.sync.authorization import authorization_sync, check_authorization, report_reauthorization_needed
from shared.sync.dependencies import JobContext
from shared.sync.metrics import CONNECTIONS_NEEDING_REAUTHORIZATION, DAYS_UNTIL_REAUTHORIZATION
from tests.unit.sync.fakes import T0, FakeConnections, FakeMetrics, connection


def context_of(connections: FakeConnections, seller: str, **fields: object) -> JobContext:
    conn = connection(seller, **fields)  # type: ignore[arg-type]
    connections.add(conn)
    job = SyncJob(sync_type="authorization", connection_id=conn.connection_id, requested_at=T0)
    return JobContext(job, conn, ConnectionSettings())


def test_the_stored_token_is_refreshed_and_the_days_left_counted() -> None:
    connections, metrics, refreshed = FakeConnections(), FakeMetrics(), []
    context = context_of(connections, "A1", authorized_at=T0 - timedelta(days=340, hours=1))

    def refresh(token: SecretStr) -> None:
        refreshed.append(token.get_secret_value())

    counts = check_authorization(context, tokens=connections, refresh=refresh, metrics=metrics, clock=lambda: T0)

    assert refreshed == ["Atzr|fake-eu-a1"]
    assert counts == {"days_until_reauthorization": 24}
    assert metrics.points == [(DAYS_UNTIL_REAUTHORIZATION, 24)]


def test_a_refusal_propagates_to_the_runner_without_a_metric() -> None:
    connections, metrics = FakeConnections(), FakeMetrics()
    context = context_of(connections, "A1")

    def refresh(token: SecretStr) -> None:
        raise AuthorizationRevokedError("invalid_grant", status=400, error="invalid_grant")

    with pytest.raises(AuthorizationRevokedError):
        check_authorization(context, tokens=connections, refresh=refresh, metrics=metrics)
    del connections.tokens[context.connection.connection_id]
    with pytest.raises(NoRefreshTokenError):
        check_authorization(context, tokens=connections, refresh=lambda _: None, metrics=metrics)
    assert metrics.points == []


def test_after_each_dispatch_the_connections_waiting_are_counted_zero_included() -> None:
    connections, metrics = FakeConnections(), FakeMetrics()
    connections.add(connection("A1"))
    report_reauthorization_needed(connections, metrics)
    connections.add(connection("A2", ConnectionStatus.NEEDS_REAUTHORIZATION))
    connections.add(connection("A3", ConnectionStatus.NEEDS_REAUTHORIZATION))
    connections.add(connection("A4", ConnectionStatus.DISCONNECTED))
    report_reauthorization_needed(connections, metrics)

    assert metrics.points == [(CONNECTIONS_NEEDING_REAUTHORIZATION, 0), (CONNECTIONS_NEEDING_REAUTHORIZATION, 2)]


def test_the_definition_runs_for_every_connection_and_reports_after_dispatch() -> None:
    connections, metrics = FakeConnections(), FakeMetrics()
    definition = authorization_sync(
        connections=connections, tokens=connections, refresh=lambda _: None, metrics=metrics, clock=lambda: T0
    )

    assert (definition.name, definition.always_on) == ("authorization", True)
    assert definition.enabled_for(ConnectionSettings(enabled_syncs=frozenset()))
    assert definition.run(context_of(connections, "A1")) == {"days_until_reauthorization": 265}
    assert definition.after_dispatch is not None
    definition.after_dispatch()
    assert metrics.points[-1] == (CONNECTIONS_NEEDING_REAUTHORIZATION, 0)
