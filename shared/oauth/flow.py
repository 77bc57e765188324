"""The website authorization workflow, as plain functions over injected dependencies (REFERENCE.md 2.2 and 2.3).

1. `start_consent` (`GET /connect?invite=…`): the signed invite must verify and be recorded and unused; a fresh
   `state` is stored (10 minutes) and the browser goes to the region's Seller Central consent page. The state also
   goes into a cookie, for the Log-in URI hop, which does not echo our state.
2. `login_hop` (`GET /oauth/login`, Amazon's Log-in URI): Amazon sends `amazon_callback_uri`, `amazon_state` and
   `selling_partner_id`. The state comes from the cookie; it is bound to that seller, and the browser goes back to
   Amazon (only to an Amazon host) with both states.
3. `complete_consent` (`GET /oauth/callback`, the Redirect URI): the state must be the one in this browser's cookie,
   it is consumed (atomically, once), the invite must still be unused, the code is exchanged at LWA, the marketplaces
   are read, the seller id is proven to be the token's (ownership.py), the invite must allow writing that seller's
   connection (a connect link creates, a re-authorization link renews its own connection), and only then is the
   invite consumed and the connection stored. A failure before the last step stores nothing; a failure storing the
   connection gives the invite back.

Where the browser goes at Amazon (URLs, host checks, OAuthConfig) is amazon.py.

Every failure raises OAuthFailure with an outcome (see outcomes.py); the handler turns it into a page, a log line and
a metric. Nothing here logs or returns a code, token or state.
"""

import contextlib
import hmac
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from pydantic import SecretStr

from shared.models.connection import connection_id_for
from shared.models.oauth import ExpiredInviteError, StoredState
from shared.oauth.amazon import CONSENT_PATH, OAuthConfig, amazon_callback, seller_central
from shared.oauth.authorization import StoredAuthorization, participating_marketplaces, store_authorization
from shared.oauth.invites import InvalidInviteError, verify_invite
from shared.oauth.outcomes import OAuthFailure, Outcome
from shared.oauth.ownership import (
    SellerApiFactory,
    already_connected,
    proof_marketplace,
    prove_seller,
    read_participations,
    write_mode,
)
from shared.repositories.connections import ConnectionsRepository, WriteMode
from shared.repositories.errors import ConnectionExistsError, ConnectionNotFoundError, RepositoryError
from shared.repositories.oauth_states import (
    ExpiredStateError,
    InviteAlreadyUsedError,
    InviteNotFoundError,
    OAuthStatesRepository,
    StateSellerMismatchError,
    UnknownStateError,
)
from shared.secrets import LwaApp, SecretConfigurationError
from shared.spapi.errors import InvalidAuthorizationCodeError, InvalidClientError, LwaError, TransientAuthError
from shared.spapi.lwa import TokenGrant
from shared.spapi.marketplaces import Marketplace

STATE_COOKIE = "sellersync_state"
SELLING_PARTNER_ID_PATTERN = r"^[A-Z0-9]{1,64}$"


@dataclass(frozen=True)
class OAuthDeps:
    """What the workflow needs; secrets are read lazily, only by the step that needs them."""

    states: OAuthStatesRepository
    connections: ConnectionsRepository
    invite_key: Callable[[], bytes]
    lwa_app: Callable[[], LwaApp]
    exchange_code: Callable[[LwaApp, SecretStr, str], TokenGrant]
    seller_api: SellerApiFactory
    clock: Callable[[], datetime]


@dataclass(frozen=True)
class Redirect:
    """Send the browser on; `state_cookie` set (a nonce) or cleared (empty string) when not None."""

    location: str
    outcome: Outcome
    state_cookie: str | None = None
    context: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Connected:
    """The callback stored a connection."""

    stored: StoredAuthorization
    invite_id: str

    @property
    def outcome(self) -> Outcome:
        """CONNECTED, or REAUTHORIZED for a seller and region that were connected before."""
        return Outcome.REAUTHORIZED if self.stored.reauthorized else Outcome.CONNECTED


def start_consent(invite_token: str | None, config: OAuthConfig, deps: OAuthDeps) -> Redirect:
    """`GET /connect`: checks the invite, stores a state, redirects to the consent page with the state cookie."""
    if not invite_token:
        raise OAuthFailure(Outcome.MISSING_INVITE)
    with _failing_as({InvalidInviteError: Outcome.INVALID_INVITE, **_INVITE_ERRORS}):
        invite = verify_invite(invite_token, deps.invite_key(), deps.clock())
        deps.states.check_invite(invite.invite_id)
    app = _app(deps)
    nonce = deps.states.create_state(invite)
    query = {"application_id": app.application_id, "state": nonce, "redirect_uri": config.redirect_uri}
    if config.draft_app:
        query["version"] = "beta"
    location = f"{seller_central(invite, config)}{CONSENT_PATH}?{urlencode(query)}"
    context = {"invite_id": invite.invite_id, "region": invite.region.value}
    return Redirect(location, Outcome.REDIRECTED_TO_AMAZON, state_cookie=nonce, context=context)


def login_hop(query: Mapping[str, str], state_cookie: str | None, config: OAuthConfig, deps: OAuthDeps) -> Redirect:
    """`GET /oauth/login`: binds our state (from the cookie) to the seller and sends the browser back to Amazon."""
    callback, amazon_state = query.get("amazon_callback_uri"), query.get("amazon_state")
    if not callback or not amazon_state:
        raise OAuthFailure(Outcome.MISSING_PARAMETERS, "amazon_callback_uri or amazon_state missing")
    if not state_cookie:
        raise OAuthFailure(Outcome.NO_SESSION, "no state cookie: the flow did not start from a connect link")
    seller = _selling_partner_id(query.get("selling_partner_id"))
    state = _bound_state(deps, state_cookie, seller)
    target = amazon_callback(callback, state, config)
    back = {"amazon_state": amazon_state, "state": state_cookie, "redirect_uri": config.redirect_uri}
    if config.draft_app:
        back["version"] = "beta"
    separator = "&" if urlsplit(target).query else "?"
    context = {"invite_id": state.invite_id, "region": state.region.value, "selling_partner_id": seller}
    return Redirect(f"{target}{separator}{urlencode(back)}", Outcome.REDIRECTED_TO_CALLBACK, context=context)


def complete_consent(
    query: Mapping[str, str], state_cookie: str | None, config: OAuthConfig, deps: OAuthDeps
) -> Connected:
    """`GET /oauth/callback`: checks the browser, consumes the state, proves the seller, stores the connection."""
    nonce = query.get("state")
    same_browser = bool(nonce and state_cookie and hmac.compare_digest(nonce.encode(), state_cookie.encode()))
    if "error" in query:
        # The seller chose Cancel (or Amazon refused): the state is spent, the invite stays usable.
        if nonce and same_browser:
            _consume_quietly(deps, nonce)
        raise OAuthFailure(Outcome.CANCELLED, f"error={query.get('error', '')[:50]}")
    if not nonce:
        raise OAuthFailure(Outcome.MISSING_PARAMETERS, "state missing")
    if not same_browser:
        raise OAuthFailure(Outcome.WRONG_BROWSER, "no state cookie" if not state_cookie else "state cookie differs")
    state = _consumed_state(deps, nonce)
    code, seller_text = query.get("spapi_oauth_code"), query.get("selling_partner_id")
    if not code or not seller_text:
        raise OAuthFailure(Outcome.MISSING_PARAMETERS, "spapi_oauth_code or selling_partner_id missing")
    seller = _selling_partner_id(seller_text)
    if state.selling_partner_id is not None and state.selling_partner_id != seller:
        raise OAuthFailure(Outcome.SELLER_MISMATCH, f"state bound to {state.selling_partner_id}, callback {seller}")
    _check_invite(deps, state.invite_id)
    grant = _exchange(deps, SecretStr(code), config.redirect_uri)
    api = deps.seller_api(state.region, seller, grant.access_token.token)
    marketplaces = participating_marketplaces(state.region, read_participations(api))
    prove_seller(api, seller, proof_marketplace(marketplaces, state))
    mode = write_mode(deps.connections, state, seller)
    stored = _store(deps, state, seller, grant, marketplaces, mode)
    return Connected(stored=stored, invite_id=state.invite_id)


def _store(
    deps: OAuthDeps,
    state: StoredState,
    seller: str,
    grant: TokenGrant,
    marketplaces: list[Marketplace],
    mode: WriteMode,
) -> StoredAuthorization:
    """Consumes the invite, then stores; gives the invite back when storing fails (a lost race refuses cleanly)."""
    used_at = _consume_invite(deps, state.invite_id)
    try:
        return store_authorization(
            deps.connections,
            selling_partner_id=seller,
            region=state.region,
            refresh_token=grant.refresh_token,
            marketplaces=marketplaces,
            name=state.name,
            clock=deps.clock,
            mode=mode,
        )
    except Exception as exc:
        deps.states.release_invite(state.invite_id, used_at)
        if isinstance(exc, ConnectionExistsError):
            raise already_connected(connection_id_for(seller, state.region)) from None
        if isinstance(exc, ConnectionNotFoundError):
            raise OAuthFailure(Outcome.WRONG_ACCOUNT, f"connection {exc.connection_id} no longer exists") from None
        raise


_INVITE_ERRORS: dict[type[Exception], Outcome] = {
    InviteAlreadyUsedError: Outcome.USED_INVITE,
    ExpiredInviteError: Outcome.EXPIRED_INVITE,
    InviteNotFoundError: Outcome.UNKNOWN_INVITE,
}


@contextlib.contextmanager
def _failing_as(outcomes: Mapping[type[Exception], Outcome], prefix: str = "") -> Iterator[None]:
    """Turns the listed exceptions into OAuthFailure with their outcome (the first matching entry wins)."""
    try:
        yield
    except tuple(outcomes) as exc:
        outcome = next(o for kind, o in outcomes.items() if isinstance(exc, kind))
        raise OAuthFailure(outcome, f"{prefix}{exc}") from None


def _app(deps: OAuthDeps) -> LwaApp:
    try:
        return deps.lwa_app()
    except SecretConfigurationError as exc:
        raise OAuthFailure(Outcome.APP_NOT_CONFIGURED, str(exc)) from None


def _selling_partner_id(value: str | None) -> str:
    if not value or not re.fullmatch(SELLING_PARTNER_ID_PATTERN, value):
        raise OAuthFailure(Outcome.INVALID_PARAMETERS, "selling_partner_id missing or malformed")
    return value


def _bound_state(deps: OAuthDeps, nonce: str, seller: str) -> StoredState:
    with _failing_as(
        {
            UnknownStateError: Outcome.NO_SESSION,
            ExpiredStateError: Outcome.EXPIRED_STATE,
            StateSellerMismatchError: Outcome.SELLER_MISMATCH,
        }
    ):
        return deps.states.bind_state_seller(nonce, seller)


def _consume_quietly(deps: OAuthDeps, nonce: str) -> None:
    with contextlib.suppress(RepositoryError):
        deps.states.consume_state(nonce)


def _consumed_state(deps: OAuthDeps, nonce: str) -> StoredState:
    with _failing_as({UnknownStateError: Outcome.UNKNOWN_STATE, ExpiredStateError: Outcome.EXPIRED_STATE}):
        return deps.states.consume_state(nonce)


def _check_invite(deps: OAuthDeps, invite_id: str) -> None:
    with _failing_as(_INVITE_ERRORS):
        deps.states.check_invite(invite_id)


def _consume_invite(deps: OAuthDeps, invite_id: str) -> datetime:
    with _failing_as(_INVITE_ERRORS):
        return deps.states.consume_invite(invite_id)


def _exchange(deps: OAuthDeps, code: SecretStr, redirect_uri: str) -> TokenGrant:
    app = _app(deps)
    with _failing_as(
        {
            InvalidAuthorizationCodeError: Outcome.INVALID_CODE,
            InvalidClientError: Outcome.APP_CREDENTIALS_REJECTED,
            TransientAuthError: Outcome.AMAZON_UNAVAILABLE,
            LwaError: Outcome.APP_CREDENTIALS_REJECTED,
        }
    ):
        return deps.exchange_code(app, code, redirect_uri)
