"""The OAuth onboarding models: a connect invite and a stored OAuth `state`.

An invite is what an administrator hands a seller as a connect link (signed by `shared.oauth.invites`, made single use
by the oauth_states table). A stored state binds one consent round trip to the invite it started from.
"""

import secrets
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.spapi.marketplaces import Marketplace, Region, UnknownMarketplaceError, marketplace_by_country

# The shortest invite signing key accepted (checked when the secret is loaded and when an invite is signed).
MIN_KEY_BYTES = 32

# Where a seller of a region is sent to consent when the connect link names no country: any Seller Central URL of
# the region covers the whole region (REFERENCE.md section 1).
HOME_COUNTRY: dict[Region, str] = {Region.NA: "US", Region.EU: "UK", Region.FE: "JP"}

# secrets.token_urlsafe(16): 128 random bits, 22 urlsafe base64 characters.
InviteId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{22}$")]
ConnectionName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# A connection id as `connection_id_for` makes it: `<region>-<selling partner id>`, lower-case.
ConnectionId = Annotated[str, StringConstraints(pattern=r"^(na|eu|fe)-[a-z0-9]{1,64}$")]


def new_invite_id() -> str:
    """A random 128-bit urlsafe invite id."""
    return secrets.token_urlsafe(16)


class InviteError(ValueError):
    """An invite that cannot be used; handlers map the subclasses to pages."""


class ExpiredInviteError(InviteError):
    """The invite's `expires_at` has passed: the administrator must create a new connect link."""

    def __init__(self, invite_id: str, expires_at: datetime) -> None:
        super().__init__(f"invite {invite_id!r} expired at {expires_at.isoformat()}")
        self.invite_id = invite_id
        self.expires_at = expires_at


class Invite(BaseModel):
    """A connect link's content: which region to authorize, an optional connection name, and until when.

    `connection_id` makes it a re-authorization link: it renews that connection only, and only when the seller who
    consents is that connection's seller. Without it, the link creates a new connection and nothing else.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    invite_id: InviteId = Field(default_factory=new_invite_id)
    region: Region
    name: ConnectionName | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    connection_id: ConnectionId | None = None
    expires_at: AwareDatetime

    @model_validator(mode="after")
    def _country_in_region(self) -> "Invite":
        if self.connection_id is not None and not self.connection_id.startswith(f"{self.region.value.lower()}-"):
            raise ValueError(f"connection {self.connection_id} is not in region {self.region}")
        if self.country is not None:
            try:
                marketplace = marketplace_by_country(self.country)
            except UnknownMarketplaceError as exc:
                raise ValueError(str(exc)) from None
            if marketplace.region is not self.region:
                raise ValueError(f"country {self.country} is in region {marketplace.region}, not in {self.region}")
        return self

    @property
    def home_marketplace(self) -> Marketplace:
        """The marketplace whose Seller Central the seller consents on: the invite's country, or the region's home."""
        return marketplace_by_country(self.country or HOME_COUNTRY[self.region])

    def is_expired(self, now: datetime) -> bool:
        """Whether the invite can no longer be used at `now` (expiry is exclusive: at `expires_at` it is expired)."""
        return now >= self.expires_at


class StoredState(BaseModel):
    """What a consumed OAuth `state` was bound to; the nonce itself is deliberately not a field (never logged)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    invite_id: InviteId
    region: Region
    name: ConnectionName | None = None
    country: str | None = None
    connection_id: ConnectionId | None = Field(None, description="the connection a re-authorization link renews")
    selling_partner_id: str | None = Field(None, description="set by the Log-in URI hop, checked on the callback")
    created_at: AwareDatetime
    expires_at: AwareDatetime

    @property
    def home_marketplace(self) -> Marketplace:
        """The marketplace whose Seller Central this consent round trip uses."""
        return marketplace_by_country(self.country or HOME_COUNTRY[self.region])
