"""The demo's last screen: `sellersync status` of every connection, with the firing alarms under it.

The demo's world is gone when it is printed, so the statuses come from the snapshot the demo took before it stopped
(local/demo.py `status_snapshot`, JSON) and go through the same code as `sellersync status` (STALLED, FAILING, PAUSED).
"""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cli.commands.status import connection_entry, print_sync_status
from cli.render import console
from infra.schedule_context import configured_schedules
from shared.models.connection import Connection
from shared.models.sync import SyncStatus

if TYPE_CHECKING:
    from local.demo import DemoSummary


def status_entries(snapshot: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The status report's entries (cli/commands/status.py) of the demo's snapshot."""
    schedules = configured_schedules()
    return [
        connection_entry(
            Connection.model_validate(item["connection"]),
            [SyncStatus.model_validate(s) for s in item["syncs"]],
            set(item["enabled"]),
            now,
            schedules,
        )
        for item in snapshot
    ]


def print_final_screen(summary: "DemoSummary") -> None:
    """Every connection's syncs, then the alarms in ALARM (or a line saying there are none)."""
    from cli.commands.local import print_alarms

    print_sync_status(status_entries(summary.status, datetime.now(UTC)), compact=True)
    if not summary.alarms:
        console.print("Alarms: none in ALARM (evaluated locally)")
        return
    print_alarms(summary.alarms, summary.stack_name)
    if any("Stalled" in alarm.name for alarm in summary.alarms):
        console.print(
            "The demo fires no schedule: a sync type neither dispatched nor run successfully in it shows "
            "<Type>Stalled, as a new stack does until its first dispatch (docs/operations.md)."
        )
