"""The reconciliation with the stored catalog: seeds SKUs the merchant never sent, holds Amazon-fulfilled ones."""

from typing import Any

import pytest

from shared.inventory.reconcile import ReconcileDeps, run_reconciliation
from shared.inventory.seed import ListingFacts
from shared.inventory.state import apply_record, bucket_of
from shared.models.inventory import Accepted, Bucket, Change, InventoryRecord
from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncJob
from shared.sync.dependencies import JobContext
from tests.unit.inventory.fakes import AT, DE, UK, MemoryBuckets, uk_de_connection

SEED = ConnectionSettings(enabled_syncs=frozenset({"inventory"}), seed_inventory_from_amazon=True)
OFF = ConnectionSettings(enabled_syncs=frozenset({"inventory"}))
CATALOG = {
    "SENT": {UK: ListingFacts(False, 3), DE: ListingFacts(True)},  # the merchant sends this one
    "NEVER": {UK: ListingFacts(False, 8, 4)},  # ... never this one
    "FBA": {UK: ListingFacts(True), DE: ListingFacts(True)},
}


class _Queues:
    def __init__(self) -> None:
        self.sent: dict[str, list[Change]] = {}

    def send_changes(self, connection_id: str, marketplace_id: str, changes: list[Change], now: Any) -> int:
        self.sent.setdefault(marketplace_id, []).extend(changes)
        return 1


class _Metrics:
    def add_metric(self, name: str, unit: Any, value: float) -> None:
        pass


class _Catalog:
    def listings(self, connection_id: str, marketplace_ids: Any) -> dict[str, dict[str, ListingFacts]]:
        return CATALOG


def _context(settings: ConnectionSettings) -> JobContext:
    connection = uk_de_connection()
    job = SyncJob(sync_type="inventory", connection_id=connection.connection_id, requested_at=AT)
    return JobContext(job, connection, settings)


def _world(catalog: bool = True) -> tuple[MemoryBuckets, _Queues, ReconcileDeps]:
    buckets, queues = MemoryBuckets(), _Queues()
    record = InventoryRecord(connection_id="c", sku="SENT", available=6, as_of=AT)
    state = apply_record("SENT", None, record, OFF, [UK, DE], AT).state
    assert state is not None
    buckets.items[bucket_of("SENT")] = Bucket(skus={"SENT": state})
    deps = ReconcileDeps(
        buckets=buckets,
        list_buckets=buckets.list_buckets,
        queues=queues,  # type: ignore[arg-type]
        metrics=_Metrics(),
        clock=lambda: AT,
        catalog=_Catalog() if catalog else None,
    )
    return buckets, queues, deps


def _sent(queues: _Queues) -> list[tuple[str, str, int]]:
    return sorted((mp, c.sku, c.values.quantity) for mp, changes in queues.sent.items() for c in changes)


def test_seeding_sends_only_the_merchants_values_and_never_to_amazon_fulfilled_listings() -> None:
    buckets, queues, deps = _world()
    report = run_reconciliation(_context(SEED), deps)
    assert _sent(queues) == [(UK, "SENT", 6)]  # DE is fulfilled by Amazon: held, not re-sent
    assert report.counts == {
        "skus": 1,
        "changes_queued": 1,
        "marketplaces": 2,
        "amazon_fulfilled": 1,
        "seeded": 2,
        "seeds_dropped": 0,
    }
    never, fba = buckets.state("NEVER"), buckets.state("FBA")
    assert never is not None and never.source.seeded and never.markets[UK].desired.quantity == 8
    assert fba is not None and {m.hold for m in fba.markets.values()} == {"amazon_fulfilled"}
    # A second run changes nothing and sends only the merchant's SKU again.
    before = dict(buckets.items)
    again = run_reconciliation(_context(SEED), deps)
    assert buckets.items == before and again.counts["seeded"] == 0
    # The setting turned off: the starting quantity is dropped; the Amazon-fulfilled hold and the merchant's SKU stay.
    off = run_reconciliation(_context(OFF), deps)
    assert off.counts["seeds_dropped"] == 1
    assert buckets.state("NEVER") is None and buckets.state("FBA") == fba and buckets.state("SENT") is not None


def test_setting_off_seeds_no_quantity_but_still_holds_amazon_fulfilled_listings() -> None:
    buckets, queues, deps = _world()
    report = run_reconciliation(_context(OFF), deps)
    assert report.counts["seeded"] == 1 and buckets.state("NEVER") is None
    fba = buckets.state("FBA")
    assert fba is not None and fba.source.seeded and {m.hold for m in fba.markets.values()} == {"amazon_fulfilled"}
    assert _sent(queues) == [(UK, "SENT", 6)]
    # The merchant's first record of the Amazon-fulfilled SKU, applied without the catalog: nothing is sent.
    first = apply_record(
        "FBA", fba, InventoryRecord(connection_id="c", sku="FBA", available=3, as_of=AT), OFF, [UK, DE], AT
    )
    assert first.changes == () and first.amazon_fulfilled == (UK, DE)


def test_without_the_catalog_the_reconciliation_is_unchanged() -> None:
    buckets, queues, deps = _world(catalog=False)
    report = run_reconciliation(_context(SEED), deps)
    assert _sent(queues) == [(UK, "SENT", 6), (DE, "SENT", 6)]
    assert report.counts == {"skus": 1, "changes_queued": 2, "marketplaces": 2}
    assert buckets.state("NEVER") is None


def test_a_seed_whose_listings_are_gone_is_dropped(monkeypatch: Any) -> None:
    buckets, _, deps = _world()
    run_reconciliation(_context(SEED), deps)
    monkeypatch.setitem(CATALOG, "NEVER", {})
    monkeypatch.delitem(CATALOG, "FBA")
    report = run_reconciliation(_context(SEED), deps)
    assert report.counts["seeds_dropped"] == 2
    assert buckets.state("NEVER") is None and buckets.state("FBA") is None


WITH_CATALOG = ConnectionSettings(enabled_syncs=frozenset({"inventory", "catalog"}))


def _accepted(buckets: MemoryBuckets, sku: str, marketplace_id: str) -> None:
    """Amazon accepted the SKU's current revision in the marketplace (as a feed's result records it)."""
    state = buckets.state(sku)
    assert state is not None
    market = state.markets[marketplace_id]
    accepted = Accepted(rev=market.rev, values=market.desired, channel="feed", at=AT)
    markets = {**state.markets, marketplace_id: market.model_copy(update={"accepted": accepted})}
    buckets.items[bucket_of(sku)] = Bucket(skus={sku: state.model_copy(update={"markets": markets})})


def test_with_the_catalog_sync_an_accepted_offer_amazon_still_holds_is_not_sent_again(monkeypatch: Any) -> None:
    buckets, queues, deps = _world()
    _accepted(buckets, "SENT", UK)
    in_step = {**CATALOG, "SENT": {UK: ListingFacts(False, 6, 2), DE: ListingFacts(True)}}
    monkeypatch.setattr(_Catalog, "listings", lambda self, cid, markets: in_step)
    report = run_reconciliation(_context(WITH_CATALOG), deps)
    assert _sent(queues) == [] and report.counts["in_step"] == 1 and report.counts["changes_queued"] == 0


@pytest.mark.parametrize(
    ("facts", "why"),
    [
        (ListingFacts(False, 5, 2), "Amazon holds another quantity (an edit, a lost message, an order)"),
        (ListingFacts(False, 6, 3), "Amazon holds another handling time"),
        (None, "no listing stored in the marketplace"),
    ],
)
def test_drift_at_amazon_is_sent_again(monkeypatch: Any, facts: ListingFacts | None, why: str) -> None:
    buckets, queues, deps = _world()
    _accepted(buckets, "SENT", UK)
    drifted = {**CATALOG, "SENT": {DE: ListingFacts(True)} | ({UK: facts} if facts else {})}
    monkeypatch.setattr(_Catalog, "listings", lambda self, cid, markets: drifted)
    report = run_reconciliation(_context(WITH_CATALOG), deps)
    assert _sent(queues) == [(UK, "SENT", 6)], why
    assert report.counts["in_step"] == 0


def test_an_offer_amazon_never_accepted_or_without_the_catalog_sync_is_sent_again(monkeypatch: Any) -> None:
    in_step = {**CATALOG, "SENT": {UK: ListingFacts(False, 6, 2), DE: ListingFacts(True)}}
    monkeypatch.setattr(_Catalog, "listings", lambda self, cid, markets: in_step)
    _, queues, deps = _world()  # not accepted yet
    assert run_reconciliation(_context(WITH_CATALOG), deps).counts["in_step"] == 0
    assert _sent(queues) == [(UK, "SENT", 6)]
    buckets, queues, deps = _world()
    _accepted(buckets, "SENT", UK)
    report = run_reconciliation(_context(OFF), deps)  # the catalog sync off: its listings may be stale
    assert _sent(queues) == [(UK, "SENT", 6)] and "in_step" not in report.counts
