"""The connections table: a connection's META item (with its encrypted refresh token) and its SETTINGS item.

Items (pk `CONN#<connection_id>`):
- sk `META`: the Connection's fields as plain attributes (ISO timestamps, `marketplace_ids` a list), the derived
  `reauthorize_by`, and `refresh_token_ciphertext` (B): the token encrypted with KMS under the encryption context
  `{"connection_id": <id>}`, so a ciphertext copied onto another connection does not decrypt. Disconnecting removes it.
  `paused` (M, optional): the operator's pauses, written only by connection_pauses.py.
- sk `SETTINGS`: ConnectionSettings' fields as top-level attributes (sets as sorted lists, unset optionals absent),
  plus `version` (N, optimistic concurrency) and `updated_at`. A missing item reads as the defaults at version 0.

gsi1 is sparse and generic: SYNC# items use `DUE#<sync_type>` / `<next_due_iso>#<id>`; META items use gsi1pk
`CONNECTIONS` and gsi1sk `<status>#<connection_id>`, so listing connections (all, or of one status via
begins_with) is a Query on one small partition, never a Scan. A deployment holds tens of connections, not millions,
so one partition is no hot spot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError
from pydantic import SecretStr, ValidationError

from shared.clock import utc_now
from shared.models.connection import Connection, ConnectionStatus
from shared.models.settings import ConnectionSettings
from shared.repositories.encryption import Encryptor
from shared.repositories.errors import (
    ConcurrentUpdateError,
    ConnectionExistsError,
    ConnectionNotFoundError,
    InvalidStoredConnectionError,
    InvalidStoredSettingsError,
    NoRefreshTokenError,
)
from shared.repositories.items import from_item, to_item, update_expression

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

META, SETTINGS = "META", "SETTINGS"
LIST_PARTITION = "CONNECTIONS"
TOKEN_ATTRIBUTE = "refresh_token_ciphertext"
# The key of the refresh tokens' KMS encryption context: IAM denies decrypting under it to every role that does not
# call Amazon with a seller's token (infra/constructs/common.py `deny_token_decryption`).
TOKEN_CONTEXT_KEY = "connection_id"
_KEY_ATTRIBUTES = {"pk", "sk", "gsi1pk", "gsi1sk"}
# How put_connection may write: create only, renew an existing connection only, or either (private-app `add`).
WriteMode = Literal["create", "renew", "upsert"]


def _key(connection_id: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": sk}}


def _token_context(connection_id: str) -> dict[str, str]:
    return {TOKEN_CONTEXT_KEY: connection_id}


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status_keys(connection_id: str, status: ConnectionStatus) -> dict[str, str]:
    return {"status": status.value, "gsi1pk": LIST_PARTITION, "gsi1sk": f"{status.value}#{connection_id}"}


class ConnectionsRepository:
    """Reads and writes connections, their refresh tokens and their settings (see the module doc for the items)."""

    def __init__(
        self,
        table_name: str,
        dynamodb_client: DynamoDBClient,
        encryptor: Encryptor,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._table = table_name
        self._client = dynamodb_client
        self._encryptor = encryptor
        self._clock = clock

    def put_connection(self, connection: Connection, refresh_token: SecretStr, mode: WriteMode = "upsert") -> None:
        """Creates a connection with default settings, or re-authorizes an existing one.

        Re-authorizing replaces the token, status, marketplaces, name and dates but keeps `created_at` and the
        settings: the create is one transaction whose puts both require new items, and when it is cancelled because
        they exist, the META item alone is updated. `mode="create"` raises ConnectionExistsError instead of
        re-authorizing; `mode="renew"` only re-authorizes and raises ConnectionNotFoundError when there is none.
        """
        cid = connection.connection_id
        token = self._encryptor.encrypt(refresh_token.get_secret_value().encode(), _token_context(cid))
        meta = _meta_values(connection) | {TOKEN_ATTRIBUTE: token}
        if mode == "renew":
            self._reauthorize(cid, meta, must_exist=True)
            return
        defaults = _settings_values(cid, ConnectionSettings(), version=1, updated_at=connection.updated_at)
        new_item = "attribute_not_exists(pk)"
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self._table, "Item": to_item(meta), "ConditionExpression": new_item}},
                    {"Put": {"TableName": self._table, "Item": to_item(defaults), "ConditionExpression": new_item}},
                ]
            )
        except ClientError as exc:
            reasons = exc.response.get("CancellationReasons", [])
            if _error_code(exc) != "TransactionCanceledException" or any(
                r.get("Code") not in (None, "None", "ConditionalCheckFailed") for r in reasons
            ):
                raise
            if mode == "create":
                raise ConnectionExistsError(cid) from None
            self._reauthorize(cid, meta)

    def _reauthorize(self, connection_id: str, meta: dict[str, Any], *, must_exist: bool = False) -> None:
        values = {k: v for k, v in meta.items() if k not in {"pk", "sk"}}
        expression, names, attribute_values = update_expression(values, if_not_exists={"created_at"})
        # Upsert keeps writing when only the SETTINGS item made the create fail (a META deleted by hand).
        condition = "attribute_exists(pk)" if must_exist else "attribute_exists(pk) OR attribute_not_exists(pk)"
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(connection_id, META),
                UpdateExpression=expression,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(attribute_values),
                ConditionExpression=condition,
            )
        except ClientError as exc:
            if _error_code(exc) != "ConditionalCheckFailedException":
                raise
            raise ConnectionNotFoundError(connection_id) from None

    def get_connection(self, connection_id: str) -> Connection | None:
        """The connection, or None when there is none with this id."""
        item = self._get(connection_id, META)
        return None if item is None else _connection_from(connection_id, item)

    def list_connections(self, status: ConnectionStatus | None = None) -> list[Connection]:
        """Every connection (or those of one status), ordered by status then id; a Query on gsi1, no Scan."""
        condition = "gsi1pk = :pk" + ("" if status is None else " AND begins_with(gsi1sk, :prefix)")
        values: dict[str, Any] = {":pk": LIST_PARTITION} | ({} if status is None else {":prefix": f"{status.value}#"})
        return [_connection_from(str(item["connection_id"]), item) for item in self._query_gsi1(condition, values)]

    def _query_gsi1(self, condition: str, values: dict[str, Any]) -> Iterator[dict[str, Any]]:
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression=condition,
            ExpressionAttributeValues=to_item(values),
        )
        for page in pages:
            yield from (from_item(item) for item in page.get("Items", []))

    def get_refresh_token(self, connection_id: str) -> SecretStr:
        """The decrypted refresh token; raises ConnectionNotFoundError or NoRefreshTokenError (disconnected)."""
        item = self._get(connection_id, META)
        if item is None:
            raise ConnectionNotFoundError(connection_id)
        ciphertext = item.get(TOKEN_ATTRIBUTE)
        if ciphertext is None:
            raise NoRefreshTokenError(connection_id)
        return SecretStr(self._encryptor.decrypt(bytes(ciphertext), _token_context(connection_id)).decode())

    def update_status(
        self,
        connection_id: str,
        status: ConnectionStatus,
        reason: str | None,
        expected_status: ConnectionStatus | None = None,
    ) -> None:
        """Sets the status; raises ConnectionNotFoundError, or ConcurrentUpdateError if not in `expected_status`."""
        values = _status_keys(connection_id, status) | {"status_reason": reason, "updated_at": self._clock()}
        self._update_meta(connection_id, values, expected_status)

    def disconnect(self, connection_id: str, reason: str = "disconnected by the operator") -> None:
        """Deletes the refresh token and marks the connection DISCONNECTED; its history and settings stay."""
        values = _status_keys(connection_id, ConnectionStatus.DISCONNECTED) | {
            "status_reason": reason,
            "updated_at": self._clock(),
            TOKEN_ATTRIBUTE: None,
        }
        self._update_meta(connection_id, values, None)

    def _update_meta(self, connection_id: str, values: dict[str, Any], expected: ConnectionStatus | None) -> None:
        expression, names, attribute_values = update_expression(values)
        condition = "attribute_exists(pk)"
        if expected is not None:
            condition += " AND #expected_status = :expected_status"
            names["#expected_status"] = "status"
            attribute_values[":expected_status"] = expected.value
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(connection_id, META),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(attribute_values),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if _error_code(exc) != "ConditionalCheckFailedException":
                raise
            if not exc.response.get("Item"):
                raise ConnectionNotFoundError(connection_id) from None
            raise ConcurrentUpdateError(connection_id) from None

    def get_settings(self, connection_id: str) -> ConnectionSettings:
        """The connection's settings; raises InvalidStoredSettingsError when the stored item no longer validates."""
        return self.get_versioned_settings(connection_id)[0]

    def get_versioned_settings(self, connection_id: str) -> tuple[ConnectionSettings, int]:
        """The settings and their version, to pass as `expected_version` to put_settings."""
        item = self._get(connection_id, SETTINGS)
        if item is None:
            if self._get(connection_id, META) is None:
                raise ConnectionNotFoundError(connection_id)
            return ConnectionSettings(), 0
        fields = {k: v for k, v in item.items() if k not in _KEY_ATTRIBUTES | {"version", "updated_at"}}
        try:
            return ConnectionSettings.model_validate(fields), int(item.get("version", 0))
        except ValidationError as exc:
            raise InvalidStoredSettingsError(connection_id, exc) from None

    def put_settings(self, connection_id: str, settings: ConnectionSettings, expected_version: int) -> int:
        """Writes settings if still at `expected_version`; returns the new version or raises ConcurrentUpdateError."""
        if self._get(connection_id, META) is None:
            raise ConnectionNotFoundError(connection_id)
        validated = ConnectionSettings.model_validate(settings.model_dump())
        item = _settings_values(connection_id, validated, version=expected_version + 1, updated_at=self._clock())
        # Version 0 is what a missing item (or one whose version was deleted in the console) reads as.
        condition = "attribute_not_exists(version) OR " if expected_version == 0 else ""
        condition += "version = :expected"
        values = to_item({":expected": expected_version})
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(item),
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if _error_code(exc) != "ConditionalCheckFailedException":
                raise
            raise ConcurrentUpdateError(connection_id) from None
        return expected_version + 1

    def _get(self, connection_id: str, sk: str) -> dict[str, Any] | None:
        response = self._client.get_item(TableName=self._table, Key=_key(connection_id, sk), ConsistentRead=True)
        return from_item(response["Item"]) if "Item" in response else None


def _meta_values(connection: Connection) -> dict[str, Any]:
    cid = connection.connection_id
    # `paused` is written only by ConnectionPauses (connection_pauses.py): a re-authorization keeps the pauses.
    fields = connection.model_dump(mode="json", exclude_none=True, exclude={"paused"})
    return (
        {"pk": f"CONN#{cid}", "sk": META, "connection_id": cid, "reauthorize_by": connection.reauthorize_by}
        | fields
        | _status_keys(cid, connection.status)
        | {"status_reason": connection.status_reason}
    )


def _settings_values(
    connection_id: str, settings: ConnectionSettings, *, version: int, updated_at: datetime
) -> dict[str, Any]:
    keys = {"pk": f"CONN#{connection_id}", "sk": SETTINGS, "version": version, "updated_at": updated_at}
    return settings.model_dump(exclude_none=True) | keys


def _connection_from(connection_id: str, item: Mapping[str, Any]) -> Connection:
    fields = {name: item[name] for name in Connection.model_fields if name in item}
    try:
        return Connection.model_validate(fields)
    except ValidationError as exc:
        raise InvalidStoredConnectionError(connection_id, exc) from None
