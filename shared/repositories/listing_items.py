"""How a listing is kept in the listings table: its keys and its item, to and from the Listing model.

Shared by ListingsRepository (shared/repositories/listings.py) and the catalog import's writes with their outbox
(shared/repositories/listings_import.py), so both read and write exactly the same item.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from shared.models.listings import Listing
from shared.repositories.errors import RepositoryError
from shared.repositories.items import from_item

GSI1 = "gsi1"
SKU_PREFIX = "SKU#"
STATE_SK = "STATE"
CONDITION_FAILED = "ConditionalCheckFailedException"
# Attributes of an item that are not Listing fields.
ITEM_KEYS = {"pk", "sk", "gsi1pk", "gsi1sk", "content_hash", "event_id"}


def listings_pk(connection_id: str, marketplace_id: str) -> str:
    """The partition of a connection's catalog in one marketplace."""
    return f"LISTINGS#{connection_id}#{marketplace_id}"


def family_pk(connection_id: str, marketplace_id: str, parent_sku: str) -> str:
    """The gsi1 partition of a parent's children."""
    return f"FAMILY#{connection_id}#{marketplace_id}#{parent_sku}"


def listing_key(connection_id: str, marketplace_id: str, sku: str) -> dict[str, Any]:
    """The key of one SKU's item."""
    return {"pk": {"S": listings_pk(connection_id, marketplace_id)}, "sk": {"S": f"{SKU_PREFIX}{sku}"}}


def error_code(exc: ClientError) -> str:
    """DynamoDB's error code of a failed call."""
    return str(exc.response.get("Error", {}).get("Code", ""))


class InvalidStoredListingError(RepositoryError):
    """A listing item no longer validates (typically edited by hand in the console)."""

    def __init__(self, pk: str, sk: str, error: ValidationError) -> None:
        super().__init__(f"stored listing {sk!r} of {pk!r} is invalid: {error.error_count()} errors")
        self.pk = pk
        self.sk = sk


def listing_item(listing: Listing) -> dict[str, Any]:
    """The plain attribute values of a listing's item, keys and index included (None: attribute absent)."""
    values: dict[str, Any] = listing.model_dump(mode="python")
    values["status"] = listing.status.value
    values["fulfillment_channel"] = listing.fulfillment_channel.value
    values["issues"] = [issue.model_dump() for issue in listing.issues]
    family = listing.parent_sku is not None
    values["gsi1pk"] = (
        family_pk(listing.connection_id, listing.marketplace_id, listing.parent_sku) if listing.parent_sku else None
    )
    values["gsi1sk"] = listing.sku if family else None
    values["content_hash"] = listing.content_hash()
    return values


def listing_from_item(item: Mapping[str, Any]) -> Listing:
    """The Listing of a stored item (raises InvalidStoredListingError when it no longer validates)."""
    values = from_item(item)
    fields = {k: v for k, v in values.items() if k not in ITEM_KEYS}
    for name in ("quantity", "handling_days"):
        if fields.get(name) is not None:
            fields[name] = int(fields[name])
    try:
        return Listing.model_validate(fields)
    except ValidationError as exc:
        raise InvalidStoredListingError(str(values.get("pk")), str(values.get("sk")), exc) from None
