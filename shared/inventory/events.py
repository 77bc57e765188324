"""Events the inventory pipeline puts on the stack's bus (README, "Inventory events").

`InventoryRejected` (source `sellersync.inventory`, schema version 1): Amazon refused one SKU's values in one
marketplace (a feed message or a fast-lane patch), or a transient error outlasted the retries. Detail:
`schemaVersion`, `connectionId`, `marketplaceId`, `sku`, `rev`, `channel` (feed | patch), `feedId` (feeds only),
`code`, `message`, `values` (quantity, handlingDays, price, minimumPrice, currency).
"""

import json
from collections.abc import Sequence
from typing import Any

from shared.inventory.state import Outcome

SOURCE = "sellersync.inventory"
INVENTORY_REJECTED = "InventoryRejected"
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
