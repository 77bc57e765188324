"""The listings notifications a listing change makes (LISTINGS-SHIPMENTS-CANCELLATIONS.md A4), for EventBridge
destinations: what changed is found by comparing the listing before and after (`snapshot`, then `listing_changed`).

- LISTINGS_ITEM_STATUS_CHANGE per marketplace whose status set (BUYABLE, DISCOVERABLE; DELETED once the offer is
  gone) changed, with the listing's creation time;
- LISTINGS_ITEM_MFN_QUANTITY_CHANGE once when a merchant-fulfilled quantity changed, without a MarketplaceId (Amazon's
  quantity is one per unified account), FulfillmentChannelCode DEFAULT;
- no LISTINGS_ITEM_ISSUES_CHANGE: the sandbox's listings carry no issues of their own (a refused submission's issues
  are the submission's, as at Amazon), so nothing ever changes them.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from local.sandbox.clock import iso_millis
from local.sandbox.entities import Listing
from local.sandbox.listing_render import status_of
from local.sandbox.notify import (
    LISTINGS_ITEM_MFN_QUANTITY_CHANGE,
    LISTINGS_ITEM_STATUS_CHANGE,
    notify_seller,
)

if TYPE_CHECKING:
    from local.sandbox.world import Sandbox

MERCHANT_CHANNEL = "DEFAULT"


@dataclass(frozen=True)
class ListingSnapshot:
    """What the notifications compare: the status per marketplace and the merchant-fulfilled quantities."""

    statuses: dict[str, tuple[str, ...]]
    quantities: dict[str, int | None]


def snapshot(listing: Listing | None) -> ListingSnapshot:
    """The listing's notified state now (an empty one for a listing that does not exist)."""
    if listing is None:
        return ListingSnapshot({}, {})
    statuses = {m: tuple(status_of(listing, offer)) for m, offer in listing.offers.items()}
    merchant = listing.fulfillment_channel == MERCHANT_CHANNEL and not listing.is_parent
    quantities = {m: offer.quantity for m, offer in listing.offers.items()} if merchant else {}
    return ListingSnapshot(statuses, quantities)


def listing_changed(sandbox: "Sandbox", seller_id: str, before: ListingSnapshot, listing: Listing, at: float) -> None:
    """Queues the status and quantity notifications of what changed since `before` (deleted offers included)."""
    after = snapshot(listing)
    for marketplace_id in sorted(set(before.statuses) | set(after.statuses)):
        status = after.statuses.get(marketplace_id, ("DELETED",))
        if before.statuses.get(marketplace_id) != status:
            payload: dict[str, Any] = {
                "SellerId": seller_id,
                "MarketplaceId": marketplace_id,
                "Asin": listing.asin,
                "Sku": listing.sku,
                "CreatedDate": iso_millis(listing.created),
                "Status": list(status),
            }
            notify_seller(sandbox, seller_id, LISTINGS_ITEM_STATUS_CHANGE, payload, at)
    changed = [m for m in after.quantities if after.quantities[m] != before.quantities.get(m)]
    if changed and after.quantities[changed[0]] is not None:
        quantity = {
            "SellerId": seller_id,
            "FulfillmentChannelCode": MERCHANT_CHANNEL,
            "Sku": listing.sku,
            "Quantity": after.quantities[changed[0]],
        }
        notify_seller(sandbox, seller_id, LISTINGS_ITEM_MFN_QUANTITY_CHANGE, quantity, at)
