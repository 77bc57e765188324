"""The demo's catalog step: the seller's listings imported from Amazon by the deployed `catalog` sync.

The demo enables the sync for its seller and runs it as `sellersync sync catalog` does: the first run requests the All
Listings Report of every marketplace, a continuation job (on the sync's work queue) comes back once Amazon has made
them, streams and applies them to the listings table. The demo waits for that, then reads the table: per marketplace
the listings stored, their statuses and channels, the families (a parent and its children), the rows only the Listings
Items API could spell, and the quantities a merchant-fulfilled SKU's inventory would start from
(`seed_inventory_from_amazon`, docs/inventory.md): each family as its tree, every child with its starting quantity
(`never` for an Amazon-fulfilled one: inventory never pushes it stock), then the first standalone SKUs'.
"""

import time
from dataclasses import dataclass, field

from infra.config import Table
from infra.outputs import function_output_key, table_output_key
from local.amazon import LocalWorld
from shared.catalog import SYNC_TYPE as CATALOG
from shared.models.listings import FulfillmentChannel, Listing, starting_quantity
from shared.repositories.listings import ListingsRepository
from shared.repositories.sync_status import SyncStatusRepository
from shared.spapi.marketplaces import marketplace_by_id


@dataclass
class MarketplaceCatalog:
    """One marketplace's imported catalog."""

    marketplace: str
    listings: int
    by_status: dict[str, int]
    merchant: int
    amazon: int
    # Per parent SKU, its children as `SKU (starting quantity)`, `SKU (never)` when Amazon fulfils it.
    families: dict[str, list[str]]
    # The first standalone SKUs (in no family) with a starting quantity.
    starting: dict[str, int]


@dataclass
class CatalogImported:
    """The demo's catalog run."""

    marketplaces: list[MarketplaceCatalog] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Every marketplace has listings."""
        return self.error is None and bool(self.marketplaces) and all(m.listings for m in self.marketplaces)


def import_catalog(world: LocalWorld, connection_id: str, wait_seconds: float = 60.0) -> CatalogImported:
    """Runs the step (see the module doc)."""
    started = time.monotonic()
    deployed = world.stack.deployed
    outputs, dynamodb = deployed.outputs, deployed.aws.client("dynamodb")
    connections = world.connections()
    settings, version = connections.get_versioned_settings(connection_id)
    enabled = settings.model_copy(update={"enabled_syncs": settings.enabled_syncs | {CATALOG}})
    connections.put_settings(connection_id, enabled, expected_version=version)
    event = {"sync_type": CATALOG, "action": "run", "connection_id": connection_id}
    first = world.stack.runtime.invoke(outputs[function_output_key(CATALOG)], event)
    if not first.ok:
        return CatalogImported(error=f"the catalog sync failed: {first.error_message}", seconds=_since(started))
    statuses = SyncStatusRepository(outputs[table_output_key(Table.CONNECTIONS)], dynamodb)
    deadline = time.monotonic() + wait_seconds
    counts: dict[str, int] = {}
    while time.monotonic() < deadline:
        status = statuses.get(connection_id, CATALOG)
        if status is not None and status.counts.get("rows") and not status.counts.get("reports_pending"):
            counts = dict(status.counts)
            break
        time.sleep(0.5)
    else:
        return CatalogImported(error=f"the reports were not applied within {wait_seconds} s", seconds=_since(started))
    store = ListingsRepository(outputs[table_output_key(Table.LISTINGS)], dynamodb)
    connection = connections.get_connection(connection_id)
    marketplaces = list(connection.marketplace_ids) if connection else []
    shown = [_marketplace(list(store.list(connection_id, m)), m) for m in marketplaces]
    return CatalogImported(marketplaces=shown, counts=counts, seconds=_since(started))


def _marketplace(listings: list[Listing], marketplace_id: str) -> MarketplaceCatalog:
    by_status: dict[str, int] = {}
    families: dict[str, list[str]] = {}
    for listing in listings:
        by_status[listing.status.value] = by_status.get(listing.status.value, 0) + 1
        if listing.parent_sku:
            families.setdefault(listing.parent_sku, []).append(f"{listing.sku} ({_start(listing)})")
    standalone = [x for x in listings if not x.parent_sku and not x.is_parent]
    starting = {x.sku: q for x in standalone if (q := starting_quantity(x)) is not None}
    return MarketplaceCatalog(
        marketplace=marketplace_by_id(marketplace_id).country_code,
        listings=len(listings),
        by_status=dict(sorted(by_status.items())),
        merchant=sum(x.fulfillment_channel == "MERCHANT" for x in listings),
        amazon=sum(x.fulfillment_channel == "AMAZON" for x in listings),
        families={parent: sorted(children) for parent, children in sorted(families.items())},
        starting=dict(sorted(starting.items())[:5]),
    )


def _start(listing: Listing) -> str:
    """A child's starting quantity as the tree shows it."""
    if listing.fulfillment_channel is FulfillmentChannel.AMAZON:
        return "never"
    quantity = starting_quantity(listing)
    return "-" if quantity is None else str(quantity)


def _since(started: float) -> float:
    return round(time.monotonic() - started, 1)
