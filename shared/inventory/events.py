"""Events the inventory pipeline puts on the stack's bus (README, "Inventory events").

`InventoryRejected` (source `sellersync.inventory`, schema version 1): Amazon refused one SKU's values in one
marketplace (a feed message or a fast-lane patch), or a transient error outlasted the retries. Detail:
`schemaVersion`, `connectionId`, `marketplaceId`, `sku`, `rev`, `channel` (feed | patch), `feedId` (feeds only),
`code`, `message`, `values` (quantity, handlingDays, price, minimumPrice, currency).

`InventoryPriceRefused` (same source and version): the price guard (`price_change_limit`) refused a merchant's new
price for one SKU in one marketplace; the offer keeps its previous price (its quantity and handling time still go
out). Detail: `schemaVersion`, `connectionId`, `marketplaceId`, `sku`, `price` (refused), `keptPrice`, `currency`,
`reason` (as `sellersync inventory plan` shows it).
"""

import json
from collections.abc import Sequence
from typing import Any

from shared.inventory.answers import Outcome
from shared.inventory.state import PriceRefusal

SOURCE = "sellersync.inventory"
INVENTORY_REJECTED = "InventoryRejected"
INVENTORY_PRICE_REFUSED = "InventoryPriceRefused"
SCHEMA_VERSION = 1


def rejected_detail(connection_id: str, outcome: Outcome) -> dict[str, Any]:
    """The detail of one InventoryRejected event."""
    values = outcome.change.values
    return {
        "schemaVersion": SCHEMA_VERSION,
        "connectionId": connection_id,
        "marketplaceId": outcome.marketplace_id,
        "sku": outcome.change.sku,
        "rev": outcome.change.rev,
        "channel": outcome.channel,
        "feedId": outcome.feed_id,
        "code": outcome.code,
        "message": outcome.message,
        "values": {
            "quantity": values.quantity,
            "handlingDays": values.handling_days,
            "price": str(values.price) if values.price is not None else None,
            "minimumPrice": str(values.minimum_price) if values.minimum_price is not None else None,
            "currency": values.currency,
        },
    }


def rejected_entries(connection_id: str, outcomes: Sequence[Outcome], bus_name: str) -> list[dict[str, Any]]:
    """PutEvents entries, one per rejected outcome."""
    return [
        {
            "Source": SOURCE,
            "DetailType": INVENTORY_REJECTED,
            "Detail": json.dumps(rejected_detail(connection_id, outcome)),
            "EventBusName": bus_name,
        }
        for outcome in outcomes
    ]


def price_refused_entries(connection_id: str, refusals: Sequence[PriceRefusal], bus_name: str) -> list[dict[str, Any]]:
    """PutEvents entries, one per refused price."""
    return [
        {
            "Source": SOURCE,
            "DetailType": INVENTORY_PRICE_REFUSED,
            "Detail": json.dumps(
                {
                    "schemaVersion": SCHEMA_VERSION,
                    "connectionId": connection_id,
                    "marketplaceId": refusal.marketplace_id,
                    "sku": refusal.sku,
                    "price": str(refusal.price),
                    "keptPrice": None if refusal.kept_price is None else str(refusal.kept_price),
                    "currency": refusal.currency,
                    "reason": refusal.reason,
                }
            ),
            "EventBusName": bus_name,
        }
        for refusal in refusals
    ]
