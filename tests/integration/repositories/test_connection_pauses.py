"""ConnectionPauses against the embedded AWS: the `paused` map written with conditions, read with the connection."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from local.aws import LocalAws
from shared.models import Connection
from shared.models.connection import PAUSE_ALL, Pause
from shared.repositories import ConnectionNotFoundError, ConnectionsRepository, KmsEncryptor
from shared.repositories.connection_pauses import ConnectionPauses
from shared.spapi.marketplaces import Region
from tests.dynamodb import create_table

pytestmark = pytest.mark.integration

T0 = datetime(2026, 12, 7, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def table(local_aws: LocalAws) -> str:
    return create_table(local_aws.client("dynamodb"), "connections", gsi1=True)


@pytest.fixture(scope="module")
def repo(local_aws: LocalAws, table: str) -> ConnectionsRepository:
    kms = local_aws.client("kms")
    key = kms.create_key(Description=f"pauses-test-{uuid.uuid4().hex[:8]}")["KeyMetadata"]["Arn"]
    return ConnectionsRepository(table, local_aws.client("dynamodb"), KmsEncryptor(key, kms), clock=lambda: T0)


@pytest.fixture
def pauses(local_aws: LocalAws, table: str) -> ConnectionPauses:
    return ConnectionPauses(table, local_aws.client("dynamodb"), clock=lambda: T0)


def _connect(repo: ConnectionsRepository, at: datetime = T0) -> Connection:
    connection = Connection(
        selling_partner_id=f"A{uuid.uuid4().hex[:10].upper()}",
        region=Region.EU,
        name="Test shop",
        marketplace_ids=("A1PA6795UKMFR9",),
        authorized_at=at,
        created_at=at,
        updated_at=at,
    )
    repo.put_connection(connection, SecretStr("Atzr|token"))
    return connection


def test_a_pause_is_read_with_the_connection_and_the_first_pause_stands(
    repo: ConnectionsRepository, pauses: ConnectionPauses
) -> None:
    cid = _connect(repo).connection_id

    assert pauses.pause(cid, "inventory", "alice", "warehouse move") is True
    assert pauses.pause(cid, "inventory", "bob", "again") is False  # conditional: not overwritten

    stored = repo.get_connection(cid)
    assert stored is not None
    assert stored.paused == {"inventory": Pause(by="alice", at=T0, reason="warehouse move")}
    assert stored.pause_of("inventory") is not None and stored.pause_of("orders") is None


def test_resume_removes_the_pause_once(repo: ConnectionsRepository, pauses: ConnectionPauses) -> None:
    cid = _connect(repo).connection_id
    pauses.pause(cid, PAUSE_ALL, "alice")
    pauses.pause(cid, "orders", "alice")

    assert pauses.resume(cid, PAUSE_ALL) is True
    assert pauses.resume(cid, PAUSE_ALL) is False  # run twice: only the first one released anything

    stored = repo.get_connection(cid)
    assert stored is not None and set(stored.paused) == {"orders"}


def test_resume_of_a_connection_never_paused_changes_nothing(
    repo: ConnectionsRepository, pauses: ConnectionPauses
) -> None:
    cid = _connect(repo).connection_id

    assert pauses.resume(cid, "orders") is False
    stored = repo.get_connection(cid)
    assert stored is not None and stored.paused == {}


def test_a_reauthorization_keeps_the_pauses(repo: ConnectionsRepository, pauses: ConnectionPauses) -> None:
    connection = _connect(repo)
    pauses.pause(connection.connection_id, "orders", "alice")

    renewed = connection.model_copy(update={"authorized_at": T0 + timedelta(days=1)})
    repo.put_connection(renewed, SecretStr("Atzr|new"), mode="renew")

    stored = repo.get_connection(connection.connection_id)
    assert stored is not None and set(stored.paused) == {"orders"}


def test_pausing_an_unknown_connection_raises(pauses: ConnectionPauses) -> None:
    with pytest.raises(ConnectionNotFoundError):
        pauses.pause("eu-nosuchseller", "orders", "alice")
    with pytest.raises(ConnectionNotFoundError):
        pauses.resume("eu-nosuchseller", "orders")
