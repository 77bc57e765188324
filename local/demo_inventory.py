"""The demo's inventory step: the merchant's stock and prices go out through the deployed pipeline to the sandbox.

Settings for the demo seller: the `inventory` sync enabled, a buffer, a ceiling, pricing on with a minimum price.
Four of the seller's merchant-fulfilled listings (present in every marketplace of the connection) get a value as
InventoryChanged events on the stack's bus, as the merchant's system would send them:
- plenty in stock with a new price in the first marketplace's currency (capped at the ceiling; priced only where that
  currency is sold);
- a few, below the buffer (advertises 0: the fast lane);
- none (a stock-out: the fast lane);
- a price below the minimum in the first marketplace (advertises 0 there).
The deployed functions do the rest (input, fast lane, the feed lane after its batching window, the results after
FEED_PROCESSING_FINISHED). The demo waits until every (SKU, marketplace) has Amazon's verdict, then reads what the
sandbox's listings now hold and compares it with what was accepted.
"""

import json
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from infra.config import Table
from infra.outputs import Output, table_output_key
from local.amazon import LocalWorld
from local.sandbox.inspector import ListingRow, SandboxInspector
from shared.clock import utc_now
from shared.inventory import SYNC_TYPE as INVENTORY
from shared.inventory.input import INVENTORY_CHANGED
from shared.inventory.state import bucket_of, unanswered
from shared.models.inventory import MarketState, OfferValues
from shared.models.settings import ConnectionSettings
from shared.repositories.inventory import InventoryRepository
from shared.spapi.marketplaces import marketplace_by_id

DEMO_SOURCE = "sellersync.demo"
BUFFER = 3
CEILING = 40
MINIMUM_PRICE = Decimal("8.00")
HANDLING_DAYS = 2


@dataclass
class OfferRow:
    """One SKU in one marketplace: what the merchant sent, what the rules made of it, and what Amazon now holds."""

    sku: str
    marketplace: str
    merchant: str
    rules: list[str]
    desired: dict[str, Any]
    lane: str
    verdict: str
    amazon: dict[str, Any]
    matches: bool


@dataclass
class InventorySent:
    """The demo's inventory run."""

    settings: dict[str, Any]
    events_sent: int
    rows: list[OfferRow]
    feeds: list[str]
    patches: int
    stock_out_seconds: float | None
    seconds: float
    error: str | None

    @property
    def ok(self) -> bool:
        """Every value reached Amazon as accepted, and the stock-outs were visible in time."""
        visible = self.stock_out_seconds is not None
        return self.error is None and visible and bool(self.rows) and all(r.matches for r in self.rows)


def demo_settings(settings: ConnectionSettings) -> ConnectionSettings:
    """The connection's settings with inventory on: buffer, ceiling, pricing with a minimum price, handling days; every
    change by feed (`patch_first_max_changes` 0), so the demo shows both lanes whatever the input function's batches
    hold (by default a batch of at most 5 changes is patched at once, docs/inventory.md)."""
    return settings.model_copy(
        update={
            "enabled_syncs": settings.enabled_syncs | {INVENTORY},
            "inventory_buffer": BUFFER,
            "inventory_ceiling": CEILING,
            "pricing_disabled": False,
            "minimum_price": MINIMUM_PRICE,
            "default_handling_days": HANDLING_DAYS,
            "patch_first_max_changes": 0,
        }
    )


def pick_listings(listings: list[ListingRow], marketplace_ids: list[str], count: int = 4) -> list[str]:
    """The first `count` merchant-fulfilled, non-parent SKUs listed in every one of the marketplaces."""
    where: dict[str, set[str]] = {}
    for row in listings:
        if row.fulfillment_channel == "DEFAULT" and not row.is_parent:
            where.setdefault(row.sku, set()).add(row.marketplace_id)
    return sorted(sku for sku, markets in where.items() if markets >= set(marketplace_ids))[:count]


def demo_records(connection_id: str, skus: list[str], currency: str, price: Decimal) -> list[dict[str, Any]]:
    """The InventoryChanged details the demo sends (see the module doc), true a second ago."""
    as_of = (utc_now() - timedelta(seconds=1)).isoformat()
    plenty, few, none, cheap = skus
    base = {"connectionId": connection_id, "asOf": as_of}
    return [
        {**base, "sku": plenty, "available": 120, "price": str(price), "currency": currency, "handlingDays": 1},
        {**base, "sku": few, "available": BUFFER - 1},
        {**base, "sku": none, "available": 0},
        {**base, "sku": cheap, "available": 15, "price": str(MINIMUM_PRICE - Decimal("3.01")), "currency": currency},
    ]


def merchant_text(detail: dict[str, Any]) -> str:
    """`available 120, 25.52 GBP, 1 d` for the report."""
    text = f"available {detail['available']}"
    if "price" in detail:
        text += f", {detail['price']} {detail['currency']}"
    if "handlingDays" in detail:
        text += f", {detail['handlingDays']} d"
    return text


def send_inventory(
    world: LocalWorld, connection_id: str, selling_partner_id: str, wait_seconds: float = 120.0
) -> InventorySent:
    """Enables inventory with the demo's rules, sends the four values as events and waits for Amazon's verdicts."""
    started = time.monotonic()
    deployed = world.stack.deployed
    aws, outputs = deployed.aws, deployed.outputs
    dynamodb = aws.client("dynamodb")
    connections = world.connections()
    connection = connections.get_connection(connection_id)
    if connection is None:
        return _failed("the demo connection is gone", started)
    settings, version = connections.get_versioned_settings(connection_id)
    settings = demo_settings(settings)
    connections.put_settings(connection_id, settings, expected_version=version)
    inspector = SandboxInspector(world.sandbox.url)
    marketplaces = list(connection.marketplace_ids)
    skus = pick_listings(inspector.listings(selling_partner_id), marketplaces)
    if len(skus) < 4:
        return _failed(f"the sandbox seller has only {len(skus)} merchant-fulfilled SKUs in every marketplace", started)
    first = marketplaces[0]
    currency = marketplace_by_id(first).currency
    current = Decimal(str(inspector.listing(selling_partner_id, skus[0], first).price or "20.00"))
    details = demo_records(connection_id, skus, currency, (current * Decimal("1.1")).quantize(Decimal("0.01")))
    entries = [
        {
            "Source": DEMO_SOURCE,
            "DetailType": INVENTORY_CHANGED,
            "Detail": json.dumps(detail),
            "EventBusName": outputs[Output.EVENT_BUS_NAME],
        }
        for detail in details
    ]
    failed = aws.client("events").put_events(Entries=entries)["FailedEntryCount"]
    if failed:
        return _failed(f"{failed} InventoryChanged event(s) refused by the bus", started)
    sent_at = time.monotonic()
    repository = InventoryRepository(outputs[table_output_key(Table.INVENTORY)], dynamodb)
    # The stock-outs: below the buffer or none (every marketplace), and the price below the minimum (the first).
    zeros = [(sku, m) for sku in skus[1:3] for m in marketplaces] + [(skus[3], first)]
    stock_out_seconds = _wait_for_zeros(inspector, selling_partner_id, zeros, sent_at, wait_seconds)
    markets = _wait_for_verdicts(repository, connection_id, skus, marketplaces, sent_at + wait_seconds)
    listings = {(r.sku, r.marketplace_id): r for r in inspector.listings(selling_partner_id)}
    by_sku = {d["sku"]: d for d in details}
    rows = [
        _row(sku, mp, by_sku[sku], markets.get((sku, mp)), listings.get((sku, mp)))
        for sku in skus
        for mp in marketplaces
    ]
    unanswered = [f"{r.sku} {r.marketplace}" for r in rows if r.verdict == "pending"]
    return InventorySent(
        settings={
            "buffer": BUFFER,
            "ceiling": CEILING,
            "minimum_price": str(MINIMUM_PRICE),
            "pricing": "on",
            "default_handling_days": HANDLING_DAYS,
        },
        events_sent=len(entries),
        rows=rows,
        feeds=sorted({m.verdict.feed_id for m in markets.values() if m.verdict and m.verdict.feed_id}),
        patches=sum(1 for m in markets.values() if m.verdict and m.verdict.channel == "patch"),
        stock_out_seconds=stock_out_seconds,
        seconds=round(time.monotonic() - started, 1),
        error=f"no verdict within {wait_seconds} s for {', '.join(unanswered)}" if unanswered else None,
    )


def _failed(reason: str, started: float) -> InventorySent:
    return InventorySent({}, 0, [], [], 0, None, round(time.monotonic() - started, 1), reason)


def _wait_for_zeros(
    inspector: SandboxInspector, seller_id: str, zeros: list[tuple[str, str]], since: float, wait_seconds: float
) -> float | None:
    """Seconds until every (SKU, marketplace) in `zeros` shows quantity 0 at Amazon (None: not in time)."""
    while time.monotonic() - since < wait_seconds:
        held = {(r.sku, r.marketplace_id): r.quantity for r in inspector.listings(seller_id)}
        if all(held.get(key) == 0 for key in zeros):
            return round(time.monotonic() - since, 2)
        time.sleep(0.2)
    return None


def _wait_for_verdicts(
    repository: InventoryRepository, connection_id: str, skus: list[str], marketplaces: list[str], deadline: float
) -> dict[tuple[str, str], MarketState]:
    """The SKUs' market states once every one has a verdict for its current revision (or at the deadline)."""
    while True:
        buckets = repository.get_buckets(connection_id, {bucket_of(s) for s in skus})
        markets: dict[tuple[str, str], MarketState] = {}
        for sku in skus:
            state = buckets[bucket_of(sku)].bucket.skus.get(sku)
            for mp in marketplaces:
                if state is not None and mp in state.markets:
                    markets[sku, mp] = state.markets[mp]
        done = len(markets) == len(skus) * len(marketplaces) and not any(unanswered(m) for m in markets.values())
        if done or time.monotonic() >= deadline:
            return markets
        time.sleep(0.5)


def _amazon(listing: ListingRow | None) -> dict[str, Any]:
    if listing is None:
        return {}
    held: dict[str, Any] = {"quantity": listing.quantity, "handling_days": listing.handling_days}
    if listing.price is not None:
        held |= {"price": listing.price, "minimum_price": listing.minimum_price, "currency": listing.currency}
    return held


def _holds(values: OfferValues, listing: ListingRow | None) -> bool:
    """Whether the sandbox's listing carries the accepted values (a price only where one was sent)."""
    if listing is None or (listing.quantity, listing.handling_days) != (values.quantity, values.handling_days):
        return False
    if values.price is None:
        return True
    minimum = None if values.minimum_price is None else Decimal(str(listing.minimum_price))
    return (Decimal(str(listing.price)), minimum, listing.currency) == (
        values.price,
        values.minimum_price,
        values.currency,
    )


def _row(
    sku: str, marketplace_id: str, detail: dict[str, Any], market: MarketState | None, listing: ListingRow | None
) -> OfferRow:
    country = marketplace_by_id(marketplace_id).country_code
    if market is None or market.verdict is None or unanswered(market):
        desired = {} if market is None else market.desired.model_dump(mode="json", exclude_none=True)
        reasons = [] if market is None else list(market.reasons)
        return OfferRow(sku, country, merchant_text(detail), reasons, desired, "-", "pending", _amazon(listing), False)
    verdict = market.verdict
    lane = f"feed {verdict.feed_id}" if verdict.channel == "feed" else "fast lane (patchListingsItem)"
    answer = "accepted" if verdict.status == "ACCEPTED" else f"rejected: {verdict.code} {verdict.message or ''}"
    return OfferRow(
        sku=sku,
        marketplace=country,
        merchant=merchant_text(detail),
        rules=list(market.reasons),
        desired=market.desired.model_dump(mode="json", exclude_none=True),
        lane=lane,
        verdict=answer.rstrip(),
        amazon=_amazon(listing),
        matches=verdict.status == "ACCEPTED" and _holds(market.desired, listing),
    )
