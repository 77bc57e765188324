"""A connection: one seller's authorization of Seller Sync in one SP-API region.

The connection id is `<region>-<selling_partner_id>`, lower-case (e.g. `eu-a1b2c3d4e5`): deterministic, so a
re-authorization of the same seller in the same region lands on the same connection, and readable in the console.
Amazon's selling partner ids are upper-case alphanumerics, so lower-casing loses nothing and two sellers never share
an id. The refresh token is deliberately not a field: the repository keeps it encrypted and hands it out only on
request.

`paused` holds the pauses an operator set (`sellersync connections pause`), keyed by sync type, or PAUSE_ALL for the
whole connection: a pause is not a status (the connection stays ACTIVE, its work is kept, not dropped), so it is a
map beside the status, each entry saying who paused, when and why (docs/operations.md, "Pausing a connection").
"""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from shared.spapi.marketplaces import Region, UnknownMarketplaceError, marketplace_by_id

# An LWA refresh token is valid for 365 days after the seller's authorization.
REAUTHORIZATION_PERIOD = timedelta(days=365)

# The `paused` key of a pause of the whole connection (sync type names are lower-case words, never this).
PAUSE_ALL = "*"
# The `paused` key of the shipments lanes (not a sync type): pending cancellations are kept, not submitted.
PAUSE_SHIPMENTS = "shipments"

SellingPartnerId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,64}$")]


class ConnectionStatus(StrEnum):
    """Whether syncs may run for a connection."""

    ACTIVE = "ACTIVE"
    NEEDS_REAUTHORIZATION = "NEEDS_REAUTHORIZATION"
    DISCONNECTED = "DISCONNECTED"


class Pause(BaseModel):
    """One pause: of the whole connection or of one sync type, who set it, when and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    by: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    at: AwareDatetime
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


def connection_id_for(selling_partner_id: str, region: Region) -> str:
    """The deterministic connection id of a seller in a region: `<region>-<selling_partner_id>`, lower-case."""
    return f"{region.value}-{selling_partner_id}".lower()


class Connection(BaseModel):
    """One seller's authorization in one region, without its refresh token."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    selling_partner_id: SellingPartnerId
    region: Region
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    marketplace_ids: tuple[str, ...] = Field(description="enabled marketplaces, sorted and unique")
    status: ConnectionStatus = ConnectionStatus.ACTIVE
    status_reason: Annotated[str, StringConstraints(max_length=500)] | None = None
    authorized_at: AwareDatetime
    paused: dict[str, Pause] = Field(default_factory=dict, description="pauses by sync type, PAUSE_ALL: all")
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @field_validator("marketplace_ids")
    @classmethod
    def _sorted_unique(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(ids)))

    @model_validator(mode="after")
    def _marketplaces_in_region(self) -> Self:
        for marketplace_id in self.marketplace_ids:
            try:
                marketplace = marketplace_by_id(marketplace_id)
            except UnknownMarketplaceError as exc:
                raise ValueError(str(exc)) from None
            if marketplace.region is not self.region:
                raise ValueError(
                    f"marketplace {marketplace_id} ({marketplace.country_code}) is in region "
                    f"{marketplace.region}, not in the connection's region {self.region}"
                )
        return self

    @property
    def connection_id(self) -> str:
        """The deterministic id, see `connection_id_for`."""
        return connection_id_for(self.selling_partner_id, self.region)

    @property
    def reauthorize_by(self) -> datetime:
        """When the refresh token expires: the seller must authorize again before this."""
        return self.authorized_at + REAUTHORIZATION_PERIOD

    def days_until_reauthorization(self, now: datetime) -> int:
        """Whole days left before `reauthorize_by` (negative once it has passed)."""
        return (self.reauthorize_by - now).days

    def pause_of(self, sync_type: str) -> Pause | None:
        """The pause holding this sync type: the whole connection's first, else the sync type's own; None: runs."""
        return self.paused.get(PAUSE_ALL) or self.paused.get(sync_type)
