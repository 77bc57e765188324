"""Orders API v0 confirmShipment: the one v0 operation we call (not deprecated)."""

from typing import Literal, Self

from pydantic import AwareDatetime, Field, model_validator

from shared.spapi.models.base import SpApiModel


class ConfirmShipmentOrderItem(SpApiModel):
    """An item (and quantity) inside the confirmed package."""

    order_item_id: str
    quantity: int = Field(ge=1)
    transparency_codes: list[str] | None = None


class PackageDetail(SpApiModel):
    """One package of a shipment confirmation; resending the same packageReferenceId edits that package."""

    package_reference_id: str
    carrier_code: str
    tracking_number: str
    ship_date: AwareDatetime
    order_items: list[ConfirmShipmentOrderItem]
    carrier_name: str | None = None
    shipping_method: str | None = None
    ship_from_supply_source_id: str | None = None

    @model_validator(mode="after")
    def _other_needs_name(self) -> Self:
        if self.carrier_code == "Other" and not self.carrier_name:
            raise ValueError("carrier_name is required when carrier_code is 'Other'")
        return self


class ConfirmShipmentRequest(SpApiModel):
    """The body of confirmShipment (Orders v0)."""

    marketplace_id: str
    package_detail: PackageDetail
    cod_collection_method: Literal["DirectPayment"] | None = None
