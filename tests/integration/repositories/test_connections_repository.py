"""ConnectionsRepository against the embedded AWS: DynamoDB items, KMS-encrypted tokens, conditional writes."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from pydantic import SecretStr

from local.aws import LocalAws
from shared.models import Connection, ConnectionSettings, ConnectionStatus
from shared.repositories import (
    ConcurrentUpdateError,
    ConnectionExistsError,
    ConnectionNotFoundError,
    ConnectionsRepository,
    DecryptionError,
    InvalidStoredSettingsError,
    KmsEncryptor,
    NoRefreshTokenError,
)
from shared.spapi.marketplaces import Region
from tests.dynamodb import create_table

pytestmark = pytest.mark.integration

DE, FR, UK = "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "A1F83G8C2ARO7P"
T0 = datetime(2026, 1, 10, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def table(local_aws: LocalAws) -> str:
    """A fresh connections table: pk/sk and the sparse gsi1, as infra/constructs/data.py builds it."""
    return create_table(local_aws.client("dynamodb"), "connections", gsi1=True)


@pytest.fixture(scope="module")
def key_arn(local_aws: LocalAws) -> str:
    """A symmetric KMS key of this module."""
    key = local_aws.client("kms").create_key(Description=f"connections-test-{uuid.uuid4().hex[:8]}")
    return str(key["KeyMetadata"]["Arn"])


@pytest.fixture
def repo(local_aws: LocalAws, table: str, key_arn: str) -> ConnectionsRepository:
    """A repository on the module's table and key, with a fixed clock."""
    kms = local_aws.client("kms")
    return ConnectionsRepository(table, local_aws.client("dynamodb"), KmsEncryptor(key_arn, kms), clock=lambda: T0)


def _seller() -> str:
    return f"A{uuid.uuid4().hex[:10].upper()}"


def _connection(seller: str, at: datetime = T0, marketplaces: tuple[str, ...] = (DE,)) -> Connection:
    return Connection(
        selling_partner_id=seller,
        region=Region.EU,
        name="Test shop",
        marketplace_ids=marketplaces,
        authorized_at=at,
        created_at=at,
        updated_at=at,
    )


def _raw(local_aws: LocalAws, table: str, connection_id: str, sk: str) -> dict[str, Any]:
    key = {"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": sk}}
    return dict(local_aws.client("dynamodb").get_item(TableName=table, Key=key)["Item"])


def test_a_new_connection_gets_default_settings(repo: ConnectionsRepository) -> None:
    connection = _connection(_seller())

    repo.put_connection(connection, SecretStr("Atzr|test-fake-1"))

    assert repo.get_connection(connection.connection_id) == connection
    assert repo.get_versioned_settings(connection.connection_id) == (ConnectionSettings(), 1)
    assert repo.get_refresh_token(connection.connection_id).get_secret_value() == "Atzr|test-fake-1"


def test_reauthorizing_updates_token_and_status_and_keeps_settings(repo: ConnectionsRepository) -> None:
    # Given a connection whose settings were tuned and which then lost its authorization
    first = _connection(_seller())
    cid = first.connection_id
    repo.put_connection(first, SecretStr("Atzr|test-fake-1"))
    tuned = ConnectionSettings(inventory_buffer=3, enabled_syncs=frozenset({"orders"}))
    repo.put_settings(cid, tuned, expected_version=1)
    repo.update_status(cid, ConnectionStatus.NEEDS_REAUTHORIZATION, "invalid_grant")

    # When the seller authorizes again, with one more marketplace
    later = T0 + timedelta(days=300)
    repo.put_connection(_connection(first.selling_partner_id, later, (DE, FR)), SecretStr("Atzr|test-fake-2"))

    # Then the token, status, marketplaces and dates are new; creation date and settings are kept
    stored = repo.get_connection(cid)
    assert stored is not None
    assert (stored.status, stored.status_reason, stored.marketplace_ids) == (ConnectionStatus.ACTIVE, None, (FR, DE))
    assert (stored.authorized_at, stored.created_at) == (later, T0)
    assert repo.get_refresh_token(cid).get_secret_value() == "Atzr|test-fake-2"
    assert repo.get_versioned_settings(cid) == (tuned, 2)


def test_create_only_and_renew_only_writes_refuse_the_other_case(repo: ConnectionsRepository) -> None:
    # Given one connection
    first = _connection(_seller())
    repo.put_connection(first, SecretStr("Atzr|test-fake-1"), "create")

    # A create-only write of the same connection changes nothing
    with pytest.raises(ConnectionExistsError):
        repo.put_connection(
            _connection(first.selling_partner_id, T0 + timedelta(days=1)), SecretStr("Atzr|x"), "create"
        )
    assert repo.get_refresh_token(first.connection_id).get_secret_value() == "Atzr|test-fake-1"
    # A renew-only write of a connection that does not exist creates nothing
    missing = _connection(_seller())
    with pytest.raises(ConnectionNotFoundError):
        repo.put_connection(missing, SecretStr("Atzr|y"), "renew")
    assert repo.get_connection(missing.connection_id) is None
    # And renewing the existing one works
    repo.put_connection(_connection(first.selling_partner_id, T0 + timedelta(days=2)), SecretStr("Atzr|z"), "renew")
    assert repo.get_refresh_token(first.connection_id).get_secret_value() == "Atzr|z"


def test_token_is_encrypted_at_rest_and_bound_to_its_connection(
    repo: ConnectionsRepository, local_aws: LocalAws, table: str, key_arn: str
) -> None:
    one, other = _connection(_seller()), _connection(_seller())
    repo.put_connection(one, SecretStr("Atzr|test-fake-1"))
    repo.put_connection(other, SecretStr("Atzr|test-fake-2"))

    raw = _raw(local_aws, table, one.connection_id, "META")

    assert "Atzr|test-fake-1" not in repr(raw)
    ciphertext = raw["refresh_token_ciphertext"]["B"]
    encryptor = KmsEncryptor(key_arn, local_aws.client("kms"))
    with pytest.raises(DecryptionError):
        encryptor.decrypt(ciphertext, {"connection_id": other.connection_id})
    # And a ciphertext copied onto the other connection's item does not decrypt there.
    local_aws.client("dynamodb").update_item(
        TableName=table,
        Key={"pk": {"S": f"CONN#{other.connection_id}"}, "sk": {"S": "META"}},
        UpdateExpression="SET refresh_token_ciphertext = :c",
        ExpressionAttributeValues={":c": {"B": ciphertext}},
    )
    with pytest.raises(DecryptionError):
        repo.get_refresh_token(other.connection_id)


def test_items_are_plain_console_readable_attributes(
    repo: ConnectionsRepository, local_aws: LocalAws, table: str
) -> None:
    connection = _connection(_seller())
    repo.put_connection(connection, SecretStr("Atzr|test-fake-1"))

    meta = _raw(local_aws, table, connection.connection_id, "META")
    settings = _raw(local_aws, table, connection.connection_id, "SETTINGS")

    assert meta["status"] == {"S": "ACTIVE"}
    assert meta["marketplace_ids"] == {"L": [{"S": DE}]}
    assert meta["reauthorize_by"] == {"S": (T0 + timedelta(days=365)).isoformat()}
    assert meta["gsi1pk"] == {"S": "CONNECTIONS"}
    assert settings["pricing_disabled"] == {"BOOL": True}
    assert settings["order_statuses_to_import"] == {"L": [{"S": "PARTIALLY_SHIPPED"}, {"S": "UNSHIPPED"}]}
    assert settings["version"] == {"N": "1"}


def test_disconnect_removes_the_token_and_keeps_the_rest(repo: ConnectionsRepository) -> None:
    connection = _connection(_seller())
    cid = connection.connection_id
    repo.put_connection(connection, SecretStr("Atzr|test-fake-1"))

    repo.disconnect(cid)

    stored = repo.get_connection(cid)
    assert stored is not None
    assert stored.status is ConnectionStatus.DISCONNECTED
    assert (stored.authorized_at, stored.created_at, stored.marketplace_ids) == (T0, T0, (DE,))
    assert repo.get_settings(cid) == ConnectionSettings()
    with pytest.raises(NoRefreshTokenError):
        repo.get_refresh_token(cid)


def test_status_update_is_conditional(repo: ConnectionsRepository) -> None:
    connection = _connection(_seller())
    cid = connection.connection_id
    repo.put_connection(connection, SecretStr("Atzr|test-fake-1"))

    repo.update_status(cid, ConnectionStatus.NEEDS_REAUTHORIZATION, "invalid_grant", ConnectionStatus.ACTIVE)
    with pytest.raises(ConcurrentUpdateError):
        repo.update_status(cid, ConnectionStatus.DISCONNECTED, None, expected_status=ConnectionStatus.ACTIVE)
    with pytest.raises(ConnectionNotFoundError):
        repo.update_status("eu-nosuchseller", ConnectionStatus.ACTIVE, None)

    stored = repo.get_connection(cid)
    assert stored is not None
    assert (stored.status, stored.status_reason) == (ConnectionStatus.NEEDS_REAUTHORIZATION, "invalid_grant")


def test_settings_writes_use_optimistic_concurrency(repo: ConnectionsRepository) -> None:
    connection = _connection(_seller())
    cid = connection.connection_id
    repo.put_connection(connection, SecretStr("Atzr|test-fake-1"))
    _, version = repo.get_versioned_settings(cid)

    # Given two editors who read version 1; the first one saves
    assert repo.put_settings(cid, ConnectionSettings(inventory_buffer=1), version) == 2

    # Then the second one, still at version 1, is refused and the first one's change stays
    with pytest.raises(ConcurrentUpdateError):
        repo.put_settings(cid, ConnectionSettings(inventory_buffer=9), version)
    assert repo.get_settings(cid).inventory_buffer == 1
    with pytest.raises(ConnectionNotFoundError):
        repo.put_settings("eu-nosuchseller", ConnectionSettings(), 0)


def test_settings_edited_invalid_in_the_console_raise_a_typed_error(
    repo: ConnectionsRepository, local_aws: LocalAws, table: str
) -> None:
    connection = _connection(_seller())
    cid = connection.connection_id
    repo.put_connection(connection, SecretStr("Atzr|test-fake-1"))
    repo.put_settings(cid, ConnectionSettings(minimum_price=Decimal("2.50")), 1)
    local_aws.client("dynamodb").update_item(
        TableName=table,
        Key={"pk": {"S": f"CONN#{cid}"}, "sk": {"S": "SETTINGS"}},
        UpdateExpression="SET inventory_buffer = :n, typo_field = :t",
        ExpressionAttributeValues={":n": {"N": "-4"}, ":t": {"S": "x"}},
    )

    with pytest.raises(InvalidStoredSettingsError) as caught:
        repo.get_settings(cid)

    assert caught.value.connection_id == cid
    assert any(e.startswith("inventory_buffer:") for e in caught.value.errors)
    assert any(e.startswith("typo_field:") for e in caught.value.errors)


def test_list_connections_by_status_queries_the_index(
    repo: ConnectionsRepository, local_aws: LocalAws, table: str
) -> None:
    active, lapsed = _connection(_seller()), _connection(_seller())
    for connection in (active, lapsed):
        repo.put_connection(connection, SecretStr("Atzr|test-fake-1"))
    repo.update_status(lapsed.connection_id, ConnectionStatus.NEEDS_REAUTHORIZATION, "expired")
    client = local_aws.client("dynamodb")

    with mock.patch.object(client, "scan", side_effect=AssertionError("no scans")):
        spy = ConnectionsRepository(table, client, mock.Mock())
        needing = {c.connection_id for c in spy.list_connections(ConnectionStatus.NEEDS_REAUTHORIZATION)}
        every = {c.connection_id for c in spy.list_connections()}

    assert lapsed.connection_id in needing
    assert active.connection_id not in needing
    assert {active.connection_id, lapsed.connection_id} <= every
