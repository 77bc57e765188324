"""The oauth_states table: single-use connect invites and the short-lived OAuth `state` nonces bound to them.

Items (every `expires_at` is epoch seconds, the table's TTL attribute; TTL deletion is lazy, so every read also
compares it with the clock):
- pk `INVITE#<invite_id>`, sk `INVITE`: a recorded invite (`region`, `name`, `connection_id` of a re-authorization
  link, `created_at`), and `used_at` once consumed. Kept until the invite expires, so a second use is told apart
  from an unknown invite.
- pk `STATE#<nonce>`, sk `STATE`: one consent round trip (`invite_id`, `region`, `name`, `connection_id`,
  `created_at`), deleted when consumed. A nonce never reaches a log or an error message beyond its first characters.

Single use rests on DynamoDB's conditional writes, which are atomic per item: consuming an invite is an UpdateItem
that sets `used_at` only if it is absent, consuming a state is a DeleteItem that requires the item, so of two
concurrent consumers exactly one wins.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shared.clock import utc_now
from shared.models.oauth import ExpiredInviteError, Invite, StoredState
from shared.repositories.errors import RepositoryError
from shared.repositories.items import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Amazon's spapi_oauth_code lives 5 minutes; a state outliving the consent by twice that is plenty.
STATE_TTL = timedelta(minutes=10)
INVITE, STATE = "INVITE", "STATE"
# secrets.token_urlsafe(32): 256 random bits, 43 urlsafe base64 characters.
_NONCE = re.compile(r"[A-Za-z0-9_-]{43}")
_SHOWN_NONCE_CHARS = 6


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _shown(nonce: str) -> str:
    return f"{nonce[:_SHOWN_NONCE_CHARS]}…"


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class InviteNotFoundError(RepositoryError):
    """No recorded invite with this id (never recorded, or its TTL removed it after expiry)."""

    def __init__(self, invite_id: str) -> None:
        super().__init__(f"no invite {invite_id!r}")
        self.invite_id = invite_id


class InviteAlreadyUsedError(RepositoryError):
    """The invite was consumed before: a connect link works once."""

    def __init__(self, invite_id: str, used_at: datetime | None) -> None:
        super().__init__(f"invite {invite_id!r} was already used")
        self.invite_id = invite_id
        self.used_at = used_at


class UnknownStateError(RepositoryError):
    """No such state: forged, mistyped or already consumed (indistinguishable by design)."""

    def __init__(self, nonce: str) -> None:
        super().__init__(f"unknown OAuth state {_shown(nonce)}")


class ExpiredStateError(RepositoryError):
    """The state exists but its TTL has passed (DynamoDB had not deleted it yet): start the consent again."""

    def __init__(self, nonce: str, expires_at: datetime) -> None:
        super().__init__(f"OAuth state {_shown(nonce)} expired at {expires_at.isoformat()}")
        self.expires_at = expires_at


class StateSellerMismatchError(RepositoryError):
    """The Log-in URI hop bound this state to another seller than the one now named."""

    def __init__(self, bound_seller: str) -> None:
        super().__init__(f"the OAuth state is bound to seller {bound_seller}")
        self.bound_seller = bound_seller


class OAuthStatesRepository:
    """Records and consumes invites and OAuth states (see the module doc for the items)."""

    def __init__(
        self, table_name: str, dynamodb_client: DynamoDBClient, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._table = table_name
        self._client = dynamodb_client
        self._clock = clock

    def record_invite(self, invite: Invite) -> None:
        """Stores a new invite; raises ClientError (ConditionalCheckFailedException) if its id was recorded before."""
        values = {
            "pk": f"INVITE#{invite.invite_id}",
            "sk": INVITE,
            "invite_id": invite.invite_id,
            "region": invite.region,
            "name": invite.name,
            "country": invite.country,
            "connection_id": invite.connection_id,
            "created_at": self._clock(),
            "expires_at": _epoch(invite.expires_at),
        }
        self._client.put_item(
            TableName=self._table, Item=to_item(values), ConditionExpression="attribute_not_exists(pk)"
        )

    def check_invite(self, invite_id: str) -> None:
        """Raises InviteNotFoundError, InviteAlreadyUsedError or ExpiredInviteError unless the invite is usable now.

        Only a check (a connect link stays usable until a connection is stored with it, so a seller who cancels at
        Amazon can open it again); `consume_invite` is the atomic step.
        """
        response = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": f"INVITE#{invite_id}"}, "sk": {"S": INVITE}}, ConsistentRead=True
        )
        item = response.get("Item")
        if not item or "used_at" in item or int(from_item(item)["expires_at"]) <= _epoch(self._clock()):
            raise _invite_error(invite_id, item)

    def consume_invite(self, invite_id: str) -> datetime:
        """Marks the invite used, once, and returns when; raises InviteNotFoundError, InviteAlreadyUsedError or
        ExpiredInviteError."""
        now = self._clock()
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"INVITE#{invite_id}"}, "sk": {"S": INVITE}},
                UpdateExpression="SET used_at = :now_iso",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(used_at) AND expires_at > :now",
                ExpressionAttributeValues=to_item({":now_iso": now, ":now": _epoch(now)}),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if _error_code(exc) != "ConditionalCheckFailedException":
                raise
            raise _invite_error(invite_id, _old_item(exc)) from None
        return now

    def release_invite(self, invite_id: str, used_at: datetime) -> None:
        """Undoes `consume_invite` of `used_at` (when storing the connection then failed); a no-op otherwise."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"INVITE#{invite_id}"}, "sk": {"S": INVITE}},
                UpdateExpression="REMOVE used_at",
                ConditionExpression="used_at = :used_at",
                ExpressionAttributeValues=to_item({":used_at": used_at}),
            )
        except ClientError as exc:
            if _error_code(exc) != "ConditionalCheckFailedException":
                raise

    def create_state(self, invite: Invite) -> str:
        """A new random 256-bit state nonce bound to the invite, valid for STATE_TTL; returns the nonce."""
        nonce = secrets.token_urlsafe(32)
        now = self._clock()
        values = {
            "pk": f"STATE#{nonce}",
            "sk": STATE,
            "invite_id": invite.invite_id,
            "region": invite.region,
            "name": invite.name,
            "country": invite.country,
            "connection_id": invite.connection_id,
            "created_at": now,
            "expires_at": _epoch(now + STATE_TTL),
        }
        self._client.put_item(
            TableName=self._table, Item=to_item(values), ConditionExpression="attribute_not_exists(pk)"
        )
        return nonce

    def bind_state_seller(self, nonce: str, selling_partner_id: str) -> StoredState:
        """Records which seller the Log-in URI hop announced; the callback must then name the same one.

        Raises UnknownStateError, ExpiredStateError, or StateSellerMismatchError when a different seller was bound.
        """
        if not _NONCE.fullmatch(nonce):
            raise UnknownStateError(nonce)
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"STATE#{nonce}"}, "sk": {"S": STATE}},
                UpdateExpression="SET selling_partner_id = :spid",
                ConditionExpression=(
                    "attribute_exists(pk) AND expires_at > :now AND "
                    "(attribute_not_exists(selling_partner_id) OR selling_partner_id = :spid)"
                ),
                ExpressionAttributeValues=to_item({":now": _epoch(self._clock()), ":spid": selling_partner_id}),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if _error_code(exc) != "ConditionalCheckFailedException":
                raise
            raise _state_error(nonce, _old_item(exc), self._clock()) from None
        return _state_from(from_item(response["Attributes"]))

    def consume_state(self, nonce: str) -> StoredState:
        """Deletes the state and returns what it was bound to; raises UnknownStateError or ExpiredStateError."""
        if not _NONCE.fullmatch(nonce):
            raise UnknownStateError(nonce)
        try:
            response = self._client.delete_item(
                TableName=self._table,
                Key={"pk": {"S": f"STATE#{nonce}"}, "sk": {"S": STATE}},
                ConditionExpression="attribute_exists(pk) AND expires_at > :now",
                ExpressionAttributeValues=to_item({":now": _epoch(self._clock())}),
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if _error_code(exc) != "ConditionalCheckFailedException":
                raise
            raise _state_error(nonce, _old_item(exc), self._clock()) from None
        return _state_from(from_item(response["Attributes"]))


def _old_item(exc: ClientError) -> dict[str, Any] | None:
    """The item a failed conditional write saw (ReturnValuesOnConditionCheckFailure=ALL_OLD), if there was one."""
    item = exc.response.get("Item")
    return item if isinstance(item, dict) else None


def _from_epoch(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)


def _invite_error(invite_id: str, old: dict[str, Any] | None) -> RepositoryError | ExpiredInviteError:
    if not old:
        return InviteNotFoundError(invite_id)
    item = from_item(old)
    if "used_at" in item:
        return InviteAlreadyUsedError(invite_id, datetime.fromisoformat(str(item["used_at"])))
    return ExpiredInviteError(invite_id, _from_epoch(item["expires_at"]))


def _state_error(nonce: str, old: dict[str, Any] | None, now: datetime) -> RepositoryError:
    if not old:
        return UnknownStateError(nonce)
    item = from_item(old)
    expires_at = _from_epoch(item["expires_at"])
    if expires_at <= now:
        return ExpiredStateError(nonce, expires_at)
    return StateSellerMismatchError(str(item.get("selling_partner_id", "")))


def _state_from(item: dict[str, Any]) -> StoredState:
    return StoredState(
        invite_id=item["invite_id"],
        region=item["region"],
        name=item.get("name"),
        country=item.get("country"),
        connection_id=item.get("connection_id"),
        selling_partner_id=item.get("selling_partner_id"),
        created_at=datetime.fromisoformat(str(item["created_at"])),
        expires_at=_from_epoch(item["expires_at"]),
    )
