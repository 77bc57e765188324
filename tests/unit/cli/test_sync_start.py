"""Which sync types `settings set` starts: those it newly enabled that a new connection starts too, but inventory."""

from cli.settings_edit import SettingsUpdate
from cli.sync_start import started_by
from shared.models.settings import ConnectionSettings


def update(old: list[str] | None, new: list[str]) -> SettingsUpdate:
    changes = [] if old == new else [{"key": "enabled_syncs", "old": old, "new": new}]
    return SettingsUpdate(2, changes, ConnectionSettings(enabled_syncs=frozenset(new)))


def test_enabling_orders_starts_it_once() -> None:
    assert started_by(update([], ["orders"])) == ["orders"]
    assert started_by(update(None, ["authorization", "orders"])) == ["orders"]
    assert started_by(update(["orders"], ["orders", "authorization"])) == []
    assert started_by(update(["orders"], ["orders"])) == []


def test_inventory_and_syncs_that_do_not_start_on_connect_are_not_enqueued() -> None:
    # inventory's reconciliation runs in the command itself; authorization is not started on connect
    assert started_by(update([], ["inventory", "authorization", "shipments"])) == []
    assert started_by(update(["inventory"], ["inventory", "orders"])) == ["orders"]
