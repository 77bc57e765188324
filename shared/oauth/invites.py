"""Connect invites: signed, expiring links an administrator gives a seller to start the OAuth consent.

Token: `<payload>.<signature>`, both unpadded urlsafe base64. The payload is the Invite as compact JSON; the
signature is HMAC-SHA256 under the caller's key over a fixed context label and the payload's base64 text, so a
signature made for anything else with the same key never verifies as an invite, and any change to the text (even a
non-canonical base64 spelling of the same bytes) fails. The signature is compared as canonical text in constant time.
A token says nothing about use: single use is enforced by `OAuthStatesRepository.consume_invite`.
"""

import base64
import binascii
import hashlib
import hmac
from datetime import datetime

from pydantic import ValidationError

from shared.models.oauth import MIN_KEY_BYTES, ExpiredInviteError, Invite, InviteError

__all__ = ["ExpiredInviteError", "InvalidInviteError", "Invite", "InviteError", "sign_invite", "verify_invite"]

_CONTEXT = b"seller-sync/connect-invite/v1\n"
# An invite's JSON is ~150 bytes; anything far longer is not ours and is refused before any work.
MAX_TOKEN_CHARS = 1024


class InvalidInviteError(InviteError):
    """The token is not an invite signed with our key: bad format, bad signature or an unreadable payload."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def _signature(payload: str, key: bytes) -> str:
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the invite signing key must be at least {MIN_KEY_BYTES} bytes")
    return _b64encode(hmac.new(key, _CONTEXT + payload.encode("ascii"), hashlib.sha256).digest())


def sign_invite(invite: Invite, key: bytes) -> str:
    """The invite's token `<payload b64url>.<HMAC-SHA256 b64url>`; raises ValueError on a key under 32 bytes."""
    payload = _b64encode(invite.model_dump_json(exclude_none=True).encode())
    return f"{payload}.{_signature(payload, key)}"


def verify_invite(token: str, key: bytes, now: datetime) -> Invite:
    """The invite a token carries; raises InvalidInviteError (format, signature) or ExpiredInviteError."""
    if not token.isascii() or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise InvalidInviteError("malformed invite token")
    payload, signature = token.split(".")
    if not hmac.compare_digest(_signature(payload, key), signature):
        raise InvalidInviteError("invite signature does not match")
    try:
        invite = Invite.model_validate_json(_b64decode(payload))
    except (binascii.Error, ValueError, ValidationError):
        # Signed by our key yet unreadable: a key shared with something else, or a format change.
        raise InvalidInviteError("invite payload is unreadable") from None
    if invite.is_expired(now):
        raise ExpiredInviteError(invite.invite_id, invite.expires_at)
    return invite
