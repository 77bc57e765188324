"""OAuthStatesRepository against the embedded AWS: single-use invites and states, expiry, forgery, races."""

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from botocore.exceptions import ClientError

from local.aws import LocalAws
from shared.models import ExpiredInviteError, Invite
from shared.repositories import (
    ExpiredStateError,
    InviteAlreadyUsedError,
    InviteNotFoundError,
    OAuthStatesRepository,
    StateSellerMismatchError,
    UnknownStateError,
)
from shared.repositories.oauth_states import STATE_TTL
from shared.spapi.marketplaces import Region
from tests.dynamodb import atomic_conditional_writes as serialized_writes
from tests.dynamodb import create_table

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


class Clock:
    """A settable clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _bound_invite(letter: str, region: Region, name: str | None = None, country: str | None = None) -> Invite:
    return Invite(invite_id=letter * 22, region=region, name=name, country=country, expires_at=T0 + timedelta(days=1))


@pytest.fixture(scope="module")
def table(local_aws: LocalAws) -> str:
    """A fresh oauth_states table as infra/constructs/data.py builds it: pk/sk strings, TTL on expires_at."""
    return create_table(local_aws.client("dynamodb"), "oauth_states", ttl="expires_at")


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def repo(local_aws: LocalAws, table: str, clock: Clock) -> OAuthStatesRepository:
    return OAuthStatesRepository(table, local_aws.client("dynamodb"), clock)


@pytest.fixture
def atomic_conditional_writes() -> Iterator[None]:
    """Makes moto's DeleteItem and UpdateItem atomic, as DynamoDB's conditional writes are.

    moto server handles requests on concurrent threads and checks a ConditionExpression and writes without a lock,
    so two conditional deletes of one item can both succeed. The race is moto's, not DynamoDB's; the same patch as
    tests/integration/spapi/test_spapi_ratelimit_shared.py serializes the backend methods (the server runs in this
    process, so the patch reaches it).
    """
    with serialized_writes("delete_item", "update_item"):
        yield


def _invite(expires_in: timedelta = timedelta(days=7)) -> Invite:
    return Invite(region=Region.EU, name="Berlin shop", expires_at=T0 + expires_in)


def test_an_invite_is_consumed_once(repo: OAuthStatesRepository, clock: Clock) -> None:
    invite = _invite()
    repo.record_invite(invite)
    repo.consume_invite(invite.invite_id)

    clock.now = T0 + timedelta(minutes=1)
    with pytest.raises(InviteAlreadyUsedError) as raised:
        repo.consume_invite(invite.invite_id)
    assert raised.value.used_at == T0


def test_an_invite_id_is_never_recorded_twice(repo: OAuthStatesRepository) -> None:
    invite = _invite()
    repo.record_invite(invite)
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        repo.record_invite(invite)


def test_an_unrecorded_invite_is_not_found(repo: OAuthStatesRepository) -> None:
    with pytest.raises(InviteNotFoundError):
        repo.consume_invite(_invite().invite_id)


def test_an_expired_invite_is_not_consumed(repo: OAuthStatesRepository, clock: Clock) -> None:
    # Given an invite whose expiry passed but which TTL has not deleted yet
    invite = _invite(expires_in=timedelta(hours=1))
    repo.record_invite(invite)
    clock.now = invite.expires_at
    with pytest.raises(ExpiredInviteError):
        repo.consume_invite(invite.invite_id)


def test_a_state_returns_its_binding_once(repo: OAuthStatesRepository) -> None:
    nonce = repo.create_state(_bound_invite("A", Region.FE, "Tokyo shop", country="AU"))
    assert len(nonce) == 43

    state = repo.consume_state(nonce)
    assert (state.invite_id, state.region, state.name, state.country) == ("A" * 22, Region.FE, "Tokyo shop", "AU")
    assert state.home_marketplace.country_code == "AU"
    assert (state.created_at, state.expires_at) == (T0, T0 + STATE_TTL)

    # A replayed state reads as unknown, like a forged one
    with pytest.raises(UnknownStateError):
        repo.consume_state(nonce)


def test_a_state_without_a_name_round_trips(repo: OAuthStatesRepository) -> None:
    assert repo.consume_state(repo.create_state(_bound_invite("B", Region.NA))).name is None


def test_an_expired_state_is_refused_while_ttl_has_not_deleted_it(repo: OAuthStatesRepository, clock: Clock) -> None:
    nonce = repo.create_state(_bound_invite("C", Region.EU))
    clock.now = T0 + STATE_TTL
    with pytest.raises(ExpiredStateError) as raised:
        repo.consume_state(nonce)
    assert raised.value.expires_at == T0 + STATE_TTL
    assert nonce not in str(raised.value)

    # One second earlier it would still have been accepted
    clock.now = T0 + STATE_TTL - timedelta(seconds=1)
    assert repo.consume_state(nonce).invite_id == "C" * 22


@pytest.mark.parametrize("forged", ["x" * 43, "", "short", "y" * 2000, "../../etc", "a" * 42 + "="])
def test_a_forged_state_is_unknown_and_not_echoed(repo: OAuthStatesRepository, forged: str) -> None:
    with pytest.raises(UnknownStateError) as raised:
        repo.consume_state(forged)
    assert forged[6:] == "" or forged not in str(raised.value)


def _race(attempts: Sequence[Callable[[], object]], losing_error: type[Exception]) -> list[str]:
    """Runs the attempts at once, one thread each; 'won' or 'lost' (raised `losing_error`) per attempt, sorted."""
    outcomes: list[str] = []
    barrier = threading.Barrier(len(attempts))

    def run(attempt: Callable[[], object]) -> None:
        barrier.wait()
        try:
            attempt()
            outcomes.append("won")
        except losing_error:
            outcomes.append("lost")

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.usefixtures("atomic_conditional_writes")
def test_two_concurrent_consumers_of_one_state_exactly_one_wins(local_aws: LocalAws, table: str) -> None:
    # Given ten states, each raced by two consumers with their own clients (as two Lambdas)
    repos = [OAuthStatesRepository(table, local_aws.client("dynamodb"), lambda: T0) for _ in range(2)]
    for _ in range(10):
        nonce = repos[0].create_state(_bound_invite("D", Region.EU))
        # Then exactly one of them gets the state
        assert _race([partial(r.consume_state, nonce) for r in repos], UnknownStateError) == ["lost", "won"]


@pytest.mark.usefixtures("atomic_conditional_writes")
def test_two_concurrent_consumers_of_one_invite_exactly_one_wins(local_aws: LocalAws, table: str) -> None:
    repos = [OAuthStatesRepository(table, local_aws.client("dynamodb"), lambda: T0) for _ in range(2)]
    for _ in range(10):
        invite = _invite()
        repos[0].record_invite(invite)
        attempts = [partial(r.consume_invite, invite.invite_id) for r in repos]
        assert _race(attempts, InviteAlreadyUsedError) == ["lost", "won"]


def test_checking_an_invite_does_not_use_it(repo: OAuthStatesRepository, clock: Clock) -> None:
    invite = Invite(region=Region.EU, expires_at=T0 + timedelta(days=1))
    with pytest.raises(InviteNotFoundError):
        repo.check_invite(invite.invite_id)
    repo.record_invite(invite)
    repo.check_invite(invite.invite_id)
    repo.check_invite(invite.invite_id)

    used_at = repo.consume_invite(invite.invite_id)
    with pytest.raises(InviteAlreadyUsedError):
        repo.check_invite(invite.invite_id)

    # Releasing another use changes nothing; releasing this one makes the invite usable again
    repo.release_invite(invite.invite_id, used_at + timedelta(seconds=1))
    with pytest.raises(InviteAlreadyUsedError):
        repo.check_invite(invite.invite_id)
    repo.release_invite(invite.invite_id, used_at)
    repo.check_invite(invite.invite_id)

    clock.now = invite.expires_at
    with pytest.raises(ExpiredInviteError):
        repo.check_invite(invite.invite_id)


def test_the_login_hop_binds_a_state_to_one_seller(repo: OAuthStatesRepository, clock: Clock) -> None:
    nonce = repo.create_state(_bound_invite("E", Region.EU))
    assert repo.bind_state_seller(nonce, "A1SELLER").selling_partner_id == "A1SELLER"
    # The same seller again is fine (a reloaded page); another seller is refused and the binding stays
    assert repo.bind_state_seller(nonce, "A1SELLER").selling_partner_id == "A1SELLER"
    with pytest.raises(StateSellerMismatchError):
        repo.bind_state_seller(nonce, "A2OTHER")
    assert repo.consume_state(nonce).selling_partner_id == "A1SELLER"
    with pytest.raises(UnknownStateError):
        repo.bind_state_seller(nonce, "A1SELLER")

    expired = repo.create_state(_bound_invite("F", Region.EU))
    clock.now = T0 + STATE_TTL
    with pytest.raises(ExpiredStateError):
        repo.bind_state_seller(expired, "A1SELLER")
    with pytest.raises(UnknownStateError):
        repo.bind_state_seller("not-a-nonce", "A1SELLER")
