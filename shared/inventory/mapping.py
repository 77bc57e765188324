"""The merchant's records turned into per-Amazon-SKU records through the connection's SKU map (docs/catalog.md
"SKU mapping").

A record names the merchant's SKU; the inventory state, the rules and the feeds work per Amazon SKU. A record of
merchant SKU `m` becomes one record per Amazon SKU in `SkuMap.amazon_skus_for(m)`, identical but for the SKU: the
Amazon SKUs mapped to `m` (its own name among them only when mapped to itself), else `m` itself. A record sent under
the name of an Amazon SKU mapped to another merchant SKU, with nothing mapped to it, reaches no SKU: it is counted
(`mapped_elsewhere`) and kept nowhere, so an old code the merchant still sends cannot overwrite the stock its new
merchant SKU gives the listing."""

from collections.abc import Sequence
from dataclasses import dataclass

from shared.models.inventory import InventoryRecord
from shared.models.sku_map import SkuMap

# The status counted for a record whose SKU is an Amazon SKU mapped to another merchant SKU (nothing mapped to it).
MAPPED_ELSEWHERE = "mapped_elsewhere"


@dataclass(frozen=True)
class FannedOut:
    """The per-Amazon-SKU records, and how many of the merchant's records reached no Amazon SKU."""

    records: tuple[InventoryRecord, ...]
    mapped_elsewhere: int


def fan_out(records: Sequence[InventoryRecord], sku_map: SkuMap) -> FannedOut:
    """One record per (merchant record, Amazon SKU it feeds); identity when the map is empty."""
    if not len(sku_map):
        return FannedOut(tuple(records), 0)
    out: list[InventoryRecord] = []
    dropped = 0
    for record in records:
        targets = sku_map.amazon_skus_for(record.sku)
        if not targets:
            dropped += 1
        out.extend(record if sku == record.sku else record.model_copy(update={"sku": sku}) for sku in targets)
    return FannedOut(tuple(out), dropped)
