"""Every way a connect attempt can end: its HTTP status, what the seller reads, and whether it is our fault.

One table, so the pages, the metrics and the logs cannot disagree. `ours` marks outcomes the seller cannot fix
(our credentials, Amazon or AWS failing): they count in the ConnectServerErrors metric, which has an alarm.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    """How one request to the OAuth endpoints ended (the `outcome` of its log line and metric)."""

    REDIRECTED_TO_AMAZON = "redirected_to_amazon"
    REDIRECTED_TO_CALLBACK = "redirected_to_callback"
    CONNECTED = "connected"
    REAUTHORIZED = "reauthorized"
    CANCELLED = "cancelled"
    MISSING_INVITE = "missing_invite"
    INVALID_INVITE = "invalid_invite"
    UNKNOWN_INVITE = "unknown_invite"
    EXPIRED_INVITE = "expired_invite"
    USED_INVITE = "used_invite"
    NO_SESSION = "no_session"
    MISSING_PARAMETERS = "missing_parameters"
    INVALID_PARAMETERS = "invalid_parameters"
    UNKNOWN_STATE = "unknown_state"
    EXPIRED_STATE = "expired_state"
    SELLER_MISMATCH = "seller_mismatch"
    WRONG_BROWSER = "wrong_browser"
    SELLER_NOT_PROVEN = "seller_not_proven"
    ALREADY_CONNECTED = "already_connected"
    WRONG_ACCOUNT = "wrong_account"
    INVALID_CODE = "invalid_code"
    APP_CREDENTIALS_REJECTED = "app_credentials_rejected"
    APP_NOT_CONFIGURED = "app_not_configured"
    AMAZON_UNAVAILABLE = "amazon_unavailable"
    AMAZON_REFUSED = "amazon_refused"
    INTERNAL_ERROR = "internal_error"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class OutcomeInfo:
    """What the seller is told, with which HTTP status, and whether it is a failure on our side."""

    status: int
    title: str
    message: str
    next_step: str
    ours: bool = False


_RESTART = "Open the connect link you received again and authorize once more."
_ASK_ADMIN = "Ask the administrator of this Seller Sync deployment for a new connect link."

OUTCOMES: dict[Outcome, OutcomeInfo] = {
    Outcome.CANCELLED: OutcomeInfo(
        200,
        "Authorization cancelled",
        "You chose Cancel at Amazon, so nothing was connected and nothing was stored.",
        "If that was a mistake, open the connect link again: it still works.",
    ),
    Outcome.MISSING_INVITE: OutcomeInfo(
        400,
        "Connect link incomplete",
        "This address has no invite in it, so it cannot connect an Amazon account.",
        "Copy the whole connect link from the message you received, or " + _ASK_ADMIN[0].lower() + _ASK_ADMIN[1:],
    ),
    Outcome.INVALID_INVITE: OutcomeInfo(
        400,
        "Connect link not valid",
        "This connect link was not issued by this deployment, or it was changed on the way.",
        "Copy the whole link from the message you received. " + _ASK_ADMIN,
    ),
    Outcome.UNKNOWN_INVITE: OutcomeInfo(
        400,
        "Connect link not recognised",
        "This deployment has no record of this connect link (it may have expired and been cleaned up).",
        _ASK_ADMIN,
    ),
    Outcome.EXPIRED_INVITE: OutcomeInfo(
        410, "Connect link expired", "This connect link has expired: links are valid for a limited time.", _ASK_ADMIN
    ),
    Outcome.USED_INVITE: OutcomeInfo(
        409,
        "Connect link already used",
        "This connect link has already been used to connect an Amazon account. Each link works once.",
        "If the account is connected, there is nothing more to do. To connect another account or to "
        "re-authorize, " + _ASK_ADMIN[0].lower() + _ASK_ADMIN[1:],
    ),
    Outcome.NO_SESSION: OutcomeInfo(
        403,
        "Start from your connect link",
        "Amazon sent you here, but this browser did not start from a connect link of this deployment "
        "(or it took longer than 10 minutes). This deployment only connects accounts through such links.",
        "Open the connect link you received (or " + _ASK_ADMIN[0].lower() + _ASK_ADMIN[1:-1] + ") in this browser.",
    ),
    Outcome.MISSING_PARAMETERS: OutcomeInfo(
        400,
        "Authorization incomplete",
        "Amazon's answer is missing parameters this page needs, so nothing was connected.",
        _RESTART,
    ),
    Outcome.INVALID_PARAMETERS: OutcomeInfo(
        400,
        "Authorization not valid",
        "Amazon's answer carries parameters this page cannot accept, so nothing was connected.",
        _RESTART,
    ),
    Outcome.UNKNOWN_STATE: OutcomeInfo(
        400,
        "Authorization not recognised",
        "This authorization did not start from this deployment, or it was already completed once "
        "(a page reloaded or opened twice). Nothing was changed.",
        "If your account shows as connected, there is nothing more to do. Otherwise: " + _RESTART,
    ),
    Outcome.EXPIRED_STATE: OutcomeInfo(
        410,
        "Authorization took too long",
        "More than 10 minutes passed between opening the connect link and coming back from Amazon.",
        _RESTART,
    ),
    Outcome.SELLER_MISMATCH: OutcomeInfo(
        400,
        "Different Amazon account",
        "Amazon returned a different seller account than the one that signed in at the start.",
        "Sign in to Seller Central with the account you want to connect, then: " + _RESTART,
    ),
    Outcome.WRONG_BROWSER: OutcomeInfo(
        400,
        "Finish in the browser you started in",
        "This authorization was started in another browser (or another connect link was opened since in this "
        "one): only the browser that opened the connect link can finish it. Nothing was stored.",
        "Open the connect link again in this browser and authorize there, without switching browsers.",
    ),
    Outcome.SELLER_NOT_PROVEN: OutcomeInfo(
        403,
        "Amazon account not confirmed",
        "Amazon did not confirm that this authorization belongs to the seller account named in its answer, so "
        "nothing was stored.",
        "Sign in to Seller Central with the account you want to connect, then: " + _RESTART,
    ),
    Outcome.ALREADY_CONNECTED: OutcomeInfo(
        409,
        "Account already connected",
        "This Amazon account is already connected to this deployment in this region. A connect link only creates "
        "new connections, so nothing was changed.",
        "To renew this account's authorization, ask the administrator for a re-authorization link: they create it "
        "with sellersync connect-link --reauthorize followed by the connection shown here.",
    ),
    Outcome.WRONG_ACCOUNT: OutcomeInfo(
        403,
        "Link is for another Amazon account",
        "This re-authorization link renews one particular Amazon account, and you authorized with a different "
        "one. Nothing was stored.",
        "Sign in to Seller Central with the account the link was made for and open it again; to connect this "
        "account instead, " + _ASK_ADMIN[0].lower() + _ASK_ADMIN[1:],
    ),
    Outcome.INVALID_CODE: OutcomeInfo(
        400,
        "Amazon's authorization code was refused",
        "Amazon refused the authorization code: it is valid for 5 minutes and only once, and it must be granted "
        "by the account's primary user (or a user with the needed permissions).",
        _RESTART,
    ),
    Outcome.APP_CREDENTIALS_REJECTED: OutcomeInfo(
        502,
        "Seller Sync is misconfigured",
        "Amazon rejected this deployment's app credentials, so your account could not be connected.",
        "Nothing was stored. Tell the administrator (their alarm has already fired); try again once it is fixed.",
        ours=True,
    ),
    Outcome.APP_NOT_CONFIGURED: OutcomeInfo(
        503,
        "Seller Sync is not set up yet",
        "This deployment's Amazon app credentials have not been filled in yet.",
        "Nothing was stored. Tell the administrator; try again once it is set up.",
        ours=True,
    ),
    Outcome.AMAZON_UNAVAILABLE: OutcomeInfo(
        503,
        "Amazon is not answering",
        "Amazon did not answer in time, so your account could not be connected. Nothing was stored.",
        "Wait a few minutes, then: " + _RESTART,
        ours=True,
    ),
    Outcome.AMAZON_REFUSED: OutcomeInfo(
        502,
        "Amazon refused the request",
        "Amazon refused to list your account's marketplaces for this app, so nothing was stored.",
        "Check that the app has the roles it needs in Seller Central, then: " + _RESTART,
        ours=True,
    ),
    Outcome.INTERNAL_ERROR: OutcomeInfo(
        500,
        "Something went wrong on our side",
        "Seller Sync could not finish connecting your account. Nothing half-done was kept.",
        "Try again in a few minutes from your connect link; if it happens again, tell the administrator.",
        ours=True,
    ),
    Outcome.NOT_FOUND: OutcomeInfo(404, "Page not found", "There is no page at this address.", _RESTART),
}


class OAuthFailure(Exception):
    """Ends a connect attempt with one of the outcomes above.

    `detail` goes to the log, never to the page; `facts` (label -> value, no secrets) are shown on the page.
    """

    def __init__(self, outcome: Outcome, detail: str = "", facts: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{outcome.value}: {detail}" if detail else outcome.value)
        self.outcome = outcome
        self.detail = detail
        self.facts: Mapping[str, str] = dict(facts or {})

    @property
    def info(self) -> OutcomeInfo:
        """The page, status and fault of this outcome."""
        return OUTCOMES[self.outcome]
