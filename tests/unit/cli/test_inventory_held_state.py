"""`sellersync inventory status` names a held marketplace's reason instead of calling it pending."""

from datetime import UTC, datetime

from cli.inventory_views import state_counts, status_rows
from shared.inventory.seed import ListingFacts, seeded_state
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
