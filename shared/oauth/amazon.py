"""Where the OAuth workflow sends the browser at Amazon: the deployment's config, Seller Central URLs, host checks.

Split from flow.py (the workflow's steps): this module knows Amazon's hosts and URLs, flow.py knows the order of the
checks. A callback URL that is not an Amazon host (or the local override's) is refused as INVALID_PARAMETERS.
"""

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from shared.models.oauth import Invite, StoredState
from shared.oauth.outcomes import OAuthFailure, Outcome
from shared.spapi.marketplaces import MARKETPLACES

CONSENT_PATH = "/apps/authorize/consent"
_AMAZON_HOSTS = frozenset(urlsplit(m.seller_central_url).hostname for m in MARKETPLACES) | {
    "sellercentral-europe.amazon.com"
}


@dataclass(frozen=True)
class OAuthConfig:
    """How this deployment talks to Amazon: its registered Redirect URI, Draft or not, and a Seller Central override."""

    redirect_uri: str
    draft_app: bool
    seller_central_override: str | None = None


def seller_central(state_or_invite: Invite | StoredState, config: OAuthConfig) -> str:
    """The Seller Central base URL of the seller's region; an override may hold `{region}` (e.g. a sandbox's path)."""
    if config.seller_central_override:
        return config.seller_central_override.replace("{region}", state_or_invite.region.value.lower()).rstrip("/")
    return state_or_invite.home_marketplace.seller_central_url.rstrip("/")


def amazon_callback(callback: str, state: StoredState, config: OAuthConfig) -> str:
    """`amazon_callback_uri` made absolute (it has arrived as a bare path) and checked to be an Amazon host."""
    base = seller_central(state, config)
    try:
        target = urljoin(f"{base}/", callback)
        parts = urlsplit(target)
    except ValueError:  # e.g. an unbalanced "[" in the host: not a URL at all
        raise OAuthFailure(Outcome.INVALID_PARAMETERS, "amazon_callback_uri is not a URL") from None
    allowed = set(_AMAZON_HOSTS)
    if config.seller_central_override:
        allowed.add(urlsplit(config.seller_central_override).hostname)
    secure = parts.scheme == "https" or (config.seller_central_override or "").startswith(f"{parts.scheme}://")
    if not secure or parts.hostname not in allowed or parts.username or parts.password:
        raise OAuthFailure(Outcome.INVALID_PARAMETERS, f"amazon_callback_uri host {parts.hostname!r} is not Amazon's")
    return target
