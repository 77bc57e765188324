"""`sellersync inventory status|plan` name why a held marketplace is never sent; turning seeding on applies it."""

from datetime import UTC, datetime

from cli.inventory_views import plan_rows, state_counts, status_rows
from cli.settings_edit import SettingsUpdate, changes_inventory_rules
from shared.inventory.seed import ListingFacts, seeded_state
from shared.inventory.state import apply_record
from shared.models.inventory import InventoryRecord
from shared.models.settings import ConnectionSettings

UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"
AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_held_marketplaces_show_why_nothing_is_sent() -> None:
    settings = ConnectionSettings(seed_inventory_from_amazon=True)
    state = seeded_state({UK: ListingFacts(False, 5), DE: ListingFacts(True)}, settings, [UK, DE], AT)
    rows = status_rows({"A-1": state})
    assert [(r["marketplace"], r["state"], r["desired"]["quantity"]) for r in rows] == [
        ("UK", "seeded", 5),
        ("DE", "amazon_fulfilled", 0),
    ]
    assert state_counts(rows)["pending"] == 0


def test_the_plan_never_sends_a_seeded_sku_and_says_why() -> None:
    settings = ConnectionSettings(seed_inventory_from_amazon=True)
    state = seeded_state({UK: ListingFacts(False, 5), DE: ListingFacts(True)}, settings, [UK, DE], AT)
    rows = plan_rows({"A-1": state}, settings, [UK, DE])
    assert [(r["marketplace"], r["held"], r["would_send"]) for r in rows] == [
        ("UK", "seeded", False),
        ("DE", "seeded", False),
    ]
    assert "nothing is sent until the merchant sends the SKU" in rows[0]["rules"][-1]


def test_the_plan_of_a_merchants_sku_holds_only_its_amazon_fulfilled_marketplace() -> None:
    settings = ConnectionSettings()
    record = InventoryRecord(connection_id="c", sku="A-1", available=4, as_of=AT)
    state = apply_record("A-1", None, record, settings, [UK, DE], AT, {DE: ListingFacts(True)}).state
    assert state is not None
    rows = {r["marketplace"]: r for r in plan_rows({"A-1": state}, settings, [UK, DE])}
    assert (rows["UK"]["held"], rows["UK"]["would_send"]) == (None, True)  # not accepted yet
    assert (rows["DE"]["held"], rows["DE"]["would_send"]) == ("amazon_fulfilled", False)
    assert rows["DE"]["rules"][-1] == "fulfilled by Amazon: no stock is sent"


def test_turning_seeding_on_runs_the_reconciliation_like_a_rule_change() -> None:
    settings = ConnectionSettings(enabled_syncs=frozenset({"inventory"}), seed_inventory_from_amazon=True)
    change = {"key": "seed_inventory_from_amazon", "old": False, "new": True}
    assert changes_inventory_rules(SettingsUpdate(version=2, changes=[change], settings=settings))
