"""Starting quantities from the stored catalog, and Amazon-fulfilled listings never pushed stock (seed.py)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.inventory.answers import Outcome, apply_outcome, still_to_send
from shared.inventory.seed import (
    AMAZON_FULFILLED_REASON,
    ListingFacts,
    StoredCatalog,
    reseed,
    seeded_state,
)
from shared.inventory.state import RecordStatus, apply_record, change_of, reconcile, unanswered
from shared.inventory.watch import overwritten
from shared.models.inventory import InventoryRecord, SkuState
from shared.models.listings import FulfillmentChannel, Listing, ListingStatus
from shared.models.settings import ConnectionSettings

UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"
AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SEED = ConnectionSettings(enabled_syncs=frozenset({"inventory"}), seed_inventory_from_amazon=True)
OFF = ConnectionSettings(enabled_syncs=frozenset({"inventory"}))
MFN5 = ListingFacts(amazon_fulfilled=False, starting_quantity=5, handling_days=3)
FBA = ListingFacts(amazon_fulfilled=True)


def record(available: int, at: datetime = AT, **extra: Any) -> InventoryRecord:
    return InventoryRecord(connection_id="eu-1", sku="A-1", available=available, as_of=at, **extra)


def seeded(listings: dict[str, ListingFacts], settings: ConnectionSettings = SEED) -> SkuState:
    state = seeded_state(listings, settings, [UK, DE], AT)
    assert state is not None
    return state


def test_a_seeded_state_holds_amazons_quantity_and_sends_nothing() -> None:
    state = seeded({UK: MFN5, DE: ListingFacts(amazon_fulfilled=False, starting_quantity=2)})
    assert state.source.seeded and state.source.available == 2
    uk, de = state.markets[UK], state.markets[DE]
    assert (uk.desired.quantity, uk.desired.handling_days, uk.hold, uk.rev) == (5, 3, "seeded", 0)
    assert (de.desired.quantity, de.desired.handling_days) == (2, SEED.default_handling_days)
    assert "Amazon's quantity 5" in uk.reasons[0]
    assert not unanswered(uk) and not unanswered(de)  # nothing to send, nothing awaited
    again = reconcile("A-1", state, SEED, [UK, DE], AT)  # even the state path queues nothing held
    assert again.changes == ()


def test_nothing_to_seed_from_parents_or_unknown_listings() -> None:
    assert seeded_state({}, SEED, [UK, DE], AT) is None
    assert seeded_state({UK: ListingFacts(amazon_fulfilled=False)}, SEED, [UK], AT) is None  # no quantity
    assert seeded_state({"A2NODRKZP88ZB9": MFN5}, SEED, [UK], AT) is None  # not the connection's marketplace


def test_the_merchants_first_record_replaces_the_seed_whatever_its_as_of() -> None:
    state = seeded({UK: MFN5, DE: MFN5})
    older = record(5, AT - timedelta(days=3), price=Decimal("9.99"), currency="GBP")
    first = apply_record("A-1", state, older, SEED, [UK, DE], AT)
    assert first.status is RecordStatus.APPLIED
    assert first.state is not None and not first.state.source.seeded
    assert first.state.source.as_of == older.as_of and first.state.source.price == Decimal("9.99")
    # Sent in every marketplace at revision 1, although 5 is Amazon's quantity already: the seed may be stale.
    assert sorted((q.marketplace_id, q.change.rev, q.change.values.quantity) for q in first.changes) == [
        (UK, 1, 5),
        (DE, 1, 5),
    ]
    assert all(m.hold is None for m in first.state.markets.values())
    # From then on the merchant's value is held as any other: an older record is stale.
    stale = apply_record("A-1", first.state, record(1, AT - timedelta(days=4)), SEED, [UK, DE], AT)
    assert stale.status is RecordStatus.STALE


def test_a_first_zero_after_a_seed_is_a_stock_out() -> None:
    zero = apply_record("A-1", seeded({UK: MFN5}), record(0), SEED, [UK], AT)
    assert [(q.change.values.quantity, q.stock_out) for q in zero.changes] == [(0, True)]


def test_an_amazon_fulfilled_marketplace_is_never_sent_stock_and_says_so() -> None:
    listings = {UK: FBA, DE: MFN5}
    applied = apply_record("A-1", None, record(7), OFF, [UK, DE], AT, listings)
    assert [q.marketplace_id for q in applied.changes] == [DE]
    assert applied.amazon_fulfilled == (UK,)
    assert applied.state is not None
    uk = applied.state.markets[UK]
    assert uk.hold == "amazon_fulfilled" and AMAZON_FULFILLED_REASON in uk.reasons and not unanswered(uk)
    # A later record without the catalog read keeps the hold; the reconciliation re-sends only DE.
    later = apply_record("A-1", applied.state, record(0, AT + timedelta(minutes=1)), OFF, [UK, DE], AT)
    assert [q.marketplace_id for q in later.changes] == [DE] and later.amazon_fulfilled == (UK,)
    assert later.state is not None
    repaired = reconcile("A-1", later.state, OFF, [UK, DE], AT, listings)
    assert [q.marketplace_id for q in repaired.changes] == [DE] and repaired.amazon_fulfilled == (UK,)


def test_a_marketplace_turning_amazon_fulfilled_supersedes_what_was_queued_and_back_sends_again() -> None:
    first = apply_record("A-1", None, record(7), OFF, [UK], AT)
    assert first.state is not None and first.state.markets[UK].rev == 1
    held = reconcile("A-1", first.state, OFF, [UK], AT, {UK: FBA})
    assert held.changes == () and held.state is not None
    assert held.state.markets[UK].rev == 2 and held.state.markets[UK].hold == "amazon_fulfilled"
    back = reconcile("A-1", held.state, OFF, [UK], AT, {UK: MFN5})
    assert [(q.change.rev, q.change.values.quantity) for q in back.changes] == [(3, 7)]
    assert back.state is not None and back.state.markets[UK].hold is None


def test_a_price_refusal_in_an_amazon_fulfilled_marketplace_is_not_reported() -> None:
    priced = ConnectionSettings(pricing_disabled=False, minimum_price=Decimal("1"))
    first = apply_record("A-1", None, record(3, price=Decimal("10"), currency="GBP"), priced, [UK], AT)
    later = record(3, AT + timedelta(minutes=1), price=Decimal("100"), currency="GBP")
    refused = apply_record("A-1", first.state, later, priced, [UK], AT)
    assert len(refused.refusals) == 1  # the guard as usual
    held = apply_record("A-1", first.state, later, priced, [UK], AT, {UK: FBA})
    assert held.refusals == () and held.changes == ()


def test_unknown_listings_change_nothing() -> None:
    without = apply_record("A-1", None, record(7), OFF, [UK, DE], AT)
    unknown = apply_record("A-1", None, record(7), OFF, [UK, DE], AT, {})
    assert without.changes == unknown.changes and unknown.amazon_fulfilled == ()
    assert without.state == unknown.state


def test_reseed_keeps_an_unchanged_seed_and_follows_amazon_otherwise() -> None:
    state = seeded({UK: MFN5})
    later = AT + timedelta(hours=1)
    assert reseed(state, {UK: MFN5}, SEED, [UK], later) is state
    moved = reseed(state, {UK: ListingFacts(amazon_fulfilled=False, starting_quantity=1)}, SEED, [UK], later)
    assert moved is not None and moved.markets[UK].desired.quantity == 1
    assert reseed(state, {}, SEED, [UK], later) is None


class _Listings:
    def __init__(self, listings: list[Listing]) -> None:
        self.items = listings

    def list(self, connection_id: str, marketplace_id: str) -> Iterator[Listing]:
        return iter([x for x in self.items if x.marketplace_id == marketplace_id])


def listing(sku: str, marketplace_id: str = UK, **extra: Any) -> Listing:
    fields: dict[str, Any] = {"status": ListingStatus.BUYABLE, "first_seen": AT, "last_changed": AT} | extra
    return Listing(connection_id="eu-1", marketplace_id=marketplace_id, sku=sku, **fields)


def test_the_stored_catalog_is_read_as_facts_without_parents() -> None:
    catalog = StoredCatalog(
        _Listings(
            [
                listing("P", is_parent=True),
                listing("C", quantity=4, parent_sku="P", handling_days=2),
                listing("F", quantity=9, fulfillment_channel=FulfillmentChannel.AMAZON),
                listing("C", DE, quantity=1),
            ]
        )
    )
    assert catalog.listings("eu-1", [UK, DE]) == {
        "C": {UK: ListingFacts(False, 4, 2), DE: ListingFacts(False, 1, None)},
        "F": {UK: ListingFacts(True, None, None)},
    }


def test_with_the_setting_off_only_amazon_fulfilled_marketplaces_are_held() -> None:
    assert seeded_state({UK: MFN5}, OFF, [UK, DE], AT) is None
    held = seeded_state({UK: MFN5, DE: FBA}, OFF, [UK, DE], AT)
    assert held is not None and list(held.markets) == [DE] and held.markets[DE].hold == "amazon_fulfilled"
    # ... and the merchant's first record then goes out as it always did where the listing is merchant-fulfilled.
    first = apply_record("A-1", held, record(4), OFF, [UK, DE], AT)
    assert [(q.marketplace_id, q.change.values.quantity) for q in first.changes] == [(UK, 4)]


def _sent_twice_then_held() -> tuple[SkuState, Any, Any]:
    """Revisions 1 and 2 sent, 2 answered first; then the marketplace became Amazon-fulfilled (revision 3, held)."""
    one = apply_record("A-1", None, record(4), OFF, [UK], AT)
    two = apply_record("A-1", one.state, record(0, AT + timedelta(seconds=1)), OFF, [UK], AT)
    assert two.state is not None
    answered = apply_outcome("A-1", two.state, Outcome(UK, two.changes[0].change, "ACCEPTED", "patch"), AT, 3)
    assert answered.state is not None
    held = reconcile("A-1", answered.state, OFF, [UK], AT, {UK: FBA})
    assert held.state is not None and held.state.markets[UK].hold == "amazon_fulfilled"
    return held.state, one.changes[0].change, two.changes[0].change


def test_no_lane_sends_a_held_revision() -> None:
    state, older, _ = _sent_twice_then_held()
    current = change_of("A-1", state, state.markets[UK])
    assert not still_to_send(state, UK, current)
    assert not still_to_send(state, UK, current.model_copy(update={"force": True}))
    # The older revision answered late would call for the newest again: not when that one is held.
    late = apply_outcome("A-1", state, Outcome(UK, older, "ACCEPTED", "feed"), AT, 3)
    assert late.recorded and late.retry is None
    # A stock-out repair after an older feed: nothing to patch in a held marketplace.
    assert state.markets[UK].desired.quantity == 0
    assert overwritten({"A-1"}, [older], {"A-1": state}, UK) == []


def test_without_a_hold_the_same_paths_still_send() -> None:
    one = apply_record("A-1", None, record(4), OFF, [UK], AT)
    two = apply_record("A-1", one.state, record(0, AT + timedelta(seconds=1)), OFF, [UK], AT)
    assert two.state is not None
    older = one.changes[0].change
    assert still_to_send(two.state, UK, two.changes[0].change)
    answered = apply_outcome("A-1", two.state, Outcome(UK, two.changes[0].change, "ACCEPTED", "patch"), AT, 3)
    assert answered.state is not None
    late = apply_outcome("A-1", answered.state, Outcome(UK, older, "ACCEPTED", "feed"), AT, 3)
    assert late.retry is not None and late.retry.change.rev == 2
    assert [c.rev for c in overwritten({"A-1"}, [older], {"A-1": answered.state}, UK)] == [2]
