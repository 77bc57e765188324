"""Connect invites: a signed token round-trips, and anything but the exact token we signed is refused."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.oauth.invites import (
    ExpiredInviteError,
    InvalidInviteError,
    Invite,
    InviteError,
    _signature,
    sign_invite,
    verify_invite,
)
from shared.spapi.marketplaces import Region

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
INVITE = Invite(region=Region.EU, name="Berlin shop", expires_at=NOW + timedelta(days=7))
TOKEN = sign_invite(INVITE, KEY)
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_signed_invite_verifies_to_the_same_invite() -> None:
    assert verify_invite(TOKEN, KEY, NOW) == INVITE


def test_an_invite_without_a_name_round_trips() -> None:
    invite = Invite(region=Region.NA, expires_at=NOW + timedelta(hours=1))
    assert verify_invite(sign_invite(invite, KEY), KEY, NOW) == invite


def test_a_reauthorization_invite_round_trips_and_only_within_its_region() -> None:
    renewal = Invite(region=Region.EU, connection_id="eu-a1b2c3d4e5", expires_at=NOW + timedelta(days=1))
    assert verify_invite(sign_invite(renewal, KEY), KEY, NOW).connection_id == "eu-a1b2c3d4e5"
    assert "connection_id" not in json.loads(base64.urlsafe_b64decode(TOKEN.split(".")[0] + "==="))
    for region, connection_id in ((Region.NA, "eu-a1b2c3d4e5"), (Region.EU, "EU-A1B2"), (Region.EU, "eu-")):
        with pytest.raises(ValueError, match="connection|pattern"):
            Invite(region=region, connection_id=connection_id, expires_at=NOW)


def test_invite_ids_are_random_128_bit_urlsafe() -> None:
    ids = {Invite(region=Region.FE, expires_at=NOW).invite_id for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 22 and set(i) <= set(B64URL) for i in ids)


def test_the_token_is_payload_dot_signature_in_unpadded_base64url() -> None:
    payload, signature = TOKEN.split(".")
    assert set(payload + signature) <= set(B64URL)
    assert len(base64.urlsafe_b64decode(signature + "=")) == 32
    assert json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["invite_id"] == INVITE.invite_id


def test_a_tampered_payload_is_refused() -> None:
    # Given a payload that names another region, re-encoded but still carrying the original signature
    payload, signature = TOKEN.split(".")
    forged = INVITE.model_copy(update={"region": Region.NA}).model_dump_json().encode()
    with pytest.raises(InvalidInviteError):
        verify_invite(f"{_b64(forged)}.{signature}", KEY, NOW)


def test_a_tampered_signature_is_refused() -> None:
    payload, signature = TOKEN.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    with pytest.raises(InvalidInviteError):
        verify_invite(f"{payload}.{flipped}", KEY, NOW)


def test_a_token_signed_with_another_key_is_refused() -> None:
    with pytest.raises(InvalidInviteError):
        verify_invite(sign_invite(INVITE, OTHER_KEY), KEY, NOW)


def test_an_expired_invite_is_refused_with_its_id() -> None:
    with pytest.raises(ExpiredInviteError) as raised:
        verify_invite(TOKEN, KEY, INVITE.expires_at)
    assert raised.value.invite_id == INVITE.invite_id
    assert verify_invite(TOKEN, KEY, INVITE.expires_at - timedelta(seconds=1)) == INVITE


def test_a_validly_signed_but_unreadable_payload_is_refused() -> None:
    # A key shared with something that signs other JSON under our context must still not yield an invite
    payload = _b64(b'{"not": "an invite"}')
    with pytest.raises(InvalidInviteError):
        verify_invite(f"{payload}.{_signature(payload, KEY)}", KEY, NOW)


@pytest.mark.parametrize(
    "garbage",
    ["", ".", "a.b", "no-dot", "a.b.c", f"{TOKEN}.", f".{TOKEN}", TOKEN + "é", "x" * 5000, f"{TOKEN}=", " " + TOKEN],
)
def test_garbage_is_refused_as_invalid(garbage: str) -> None:
    with pytest.raises(InvalidInviteError):
        verify_invite(garbage, KEY, NOW)


def test_a_short_signing_key_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        sign_invite(INVITE, b"short")


def test_both_errors_share_a_base_for_handlers() -> None:
    assert issubclass(InvalidInviteError, InviteError)
    assert issubclass(ExpiredInviteError, InviteError)


@st.composite
def _mutations(draw: st.DrawFn) -> str:
    """A token differing from TOKEN: characters replaced, inserted or deleted."""
    chars = list(TOKEN)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["replace", "insert", "delete"]))
        index = draw(st.integers(0, max(len(chars) - 1, 0)))
        char = draw(st.sampled_from(B64URL + ".=+/ "))
        if kind == "replace" and chars:
            chars[index] = char
        elif kind == "insert":
            chars.insert(index, char)
        elif chars:
            del chars[index]
    return "".join(chars)


@given(_mutations())
def test_any_mutation_of_a_valid_token_is_refused(mutated: str) -> None:
    if mutated == TOKEN:
        return
    with pytest.raises(InvalidInviteError):
        verify_invite(mutated, KEY, NOW)


@given(st.text(max_size=300))
def test_arbitrary_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidInviteError):
        verify_invite(text, KEY, NOW)
